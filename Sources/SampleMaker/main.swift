// Writes Samples/codes/: one pass code for each verifier outcome, and expected.json saying what the
// verifier must answer for each. Run from the repository root: `swift run SampleMaker`.
// ECDSA signatures are randomised, so running it again changes the codes but never the outcomes.
import Foundation
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneVerifier

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("SampleMaker: " + message + "\n").utf8))
    exit(1)
}

func write(_ path: String, _ data: Data) {
    do { try data.write(to: URL(fileURLWithPath: path)) } catch { fail("cannot write \(path): \(error)") }
}

func loadKey(_ path: String) -> PrivateKey {
    do {
        // The demo keys come out of git with mode 0644; tighten before loading, as a user must.
        chmod(path, 0o600)
        return try PrivateKey.load(path: path, passphrase: nil)
    } catch {
        fail("\(error)")
    }
}

func time(_ text: String) -> Int64 {
    guard let value = Timestamp.parse(text) else { fail("bad time \(text)") }
    return value
}

let es256 = PassSigner(key: loadKey("Keys/demo-es256.key.pem"))
let eddsa = PassSigner(key: loadKey("Keys/demo-eddsa.key.pem"))
let untrusted = PassSigner(key: try! PrivateKey.generate(.es256))

func claims(
    serial: String, plate: String = "29C-123.45", vehicleClass: VehicleClass = .lightTruck,
    zones: [String] = ["ba-dinh", "hoan-kiem", "dong-da", "hai-ba-trung", "cau-giay"],
    window: String? = "06:00-22:00", notBefore: String = "2021-07-24T00:00:00+07:00",
    expires: String = "2021-08-07T00:00:00+07:00", driverName: String = "Nguyễn Văn An"
) -> PassClaims {
    do {
        let permit = Permit(
            serial: serial, firmID: "VNPOST", plate: try Plate(parsing: plate, vehicleClass: vehicleClass),
            vehicleClass: vehicleClass, driverName: driverName, driverID: try CitizenID(parsing: "001085012345"),
            zones: Zones(zones.map { District($0)! }), purpose: .essentialGoods,
            window: try window.map { try DailyWindow(parsing: $0) }, station: "SGTVT")
        return PassClaims(
            issuer: "VN-HN", issuedAt: time("2021-07-23T16:30:00+07:00"), notBefore: time(notBefore),
            expiresAt: time(expires), permit: permit)
    } catch {
        fail("\(error)")
    }
}

func code(_ signer: PassSigner, _ claims: PassClaims, compression: PassCode.Compression = .automatic) -> String {
    do { return try signer.passCode(for: claims, compression: compression) } catch { fail("\(error)") }
}

/// Signs an arbitrary payload under an arbitrary protected header, for codes no honest issuer makes.
func forged(_ signer: PassSigner, protected: [CBOR: CBOR], payload: [UInt8], signature: [UInt8]? = nil) -> String {
    let message = COSESign1(protected: protected, payload: payload)
    let signed = message.signed(with: signature ?? (try! signer.key.sign(message.toBeSigned)))
    return PassCode.encode(signed.encoded(), compression: .never)
}

struct Case: Encodable {
    var name: String
    var description: String
    var at: String = "2021-07-26T10:00:00+07:00"
    var zone: String? = "dong-da"
    var revocations: Bool = true
    /// Run with `verify --training`: demo passes judged like real ones. Every sample but `demo-pass` is, so that
    /// the demo keys can stand in for real ones.
    var training: Bool = true
    var accepted: Bool
    var demo: Bool
    var checks: [String]
    var exit: Int32
    /// The verdict's name (GreenlaneVerifier's `Verdict`); by default the one the exit code stands for.
    var verdict: String = ""
    /// Whether the signature verified; by default, whether no signature or early-layer check failed.
    var signatureVerified: Bool? = nil
    /// Trust files (`--trust`, repeated) instead of the default one.
    var trusts: [String]? = nil
    /// Revocation lists (`--revocations`, repeated) instead of the default one; `revocations` is then ignored.
    var lists: [String]? = nil
    /// Lists a previous run loaded, at `earlierAt` (default `at`), into the same fresh verifier state.
    var earlierLists: [String]? = nil
    var earlierAt: String? = nil
    /// `verify --waive-revocations`.
    var waiveRevocations: Bool? = nil
    /// The warnings' checks, demo-key left out (only given for the checkpoint-data cases).
    var warnings: [String]? = nil
    /// The checkpoint's data are refused before any pass is judged: the VerifierError code (exit 3).
    var setupError: String? = nil
}

/// Fills in the defaults that follow from the exit code and the checks.
func completed(_ sample: Case) -> Case {
    var sample = sample
    if sample.verdict.isEmpty && sample.checks.contains("malformed-prefix") {
        sample.verdict = "not-greenlane"  // some other code, such as an EU certificate's HC1:
    }
    if sample.verdict.isEmpty {
        sample.verdict = [0: "valid", 1: "not-valid", 2: "cannot-read", 3: "setup", 4: "cannot-confirm", 5: "demo"][
            sample.exit]!
    }
    if sample.signatureVerified == nil {
        let unsigned: Set<String> = [
            "bad-signature", "unknown-kid", "algorithm-not-allowed", "algorithm-mismatch", "non-canonical-signature",
            "malformed-prefix", "malformed-base45", "malformed-zlib", "malformed-cbor", "malformed-cose",
        ]
        sample.signatureVerified = unsigned.isDisjoint(with: sample.checks)
    }
    return sample
}

var cases: [(Case, String)] = []
@MainActor func add(_ sample: Case, _ code: String) { cases.append((completed(sample), code)) }

let typical = claims(serial: "HN-000123")
let typicalCode = code(es256, typical)
let eddsaCode = code(eddsa, claims(serial: "HN-000124"))
add(Case(name: "valid-es256", description: "typical pass, ES256, shown in one of its districts during its hours",
         accepted: true, demo: true, checks: [], exit: 0), typicalCode)
add(Case(name: "valid-eddsa", description: "same pass signed with the EdDSA demo key",
         accepted: true, demo: true, checks: [], exit: 0), eddsaCode)
// A name long enough that the plain code needs a QR symbol above version 10-M, where the issuer compresses.
let longName = "Công Tằng Tôn Nữ Thị Phương Thảo Công Tằng Tôn Nữ Thị Phương Thảo"
let zlibCode = code(es256, claims(serial: "HN-000125", driverName: longName))
guard try! PassCode.unwrap(zlibCode).compressed else { fail("the valid-zlib sample did not get compressed") }
add(Case(name: "valid-zlib", description: "a pass too long for QR version 10-M uncompressed: it carries the zlib layer",
         accepted: true, demo: true, checks: [], exit: 0), zlibCode)
add(Case(name: "valid-motorbike", description: "motorbike plate 29-B1 123.45, all districts, no daily window",
         accepted: true, demo: true, checks: [], exit: 0),
    code(es256, claims(serial: "HN-000126", plate: "29-B1 123.45", vehicleClass: .motorbike,
                       zones: District.all.map(\.slug), window: nil)))

// Malformed at each layer.
let typicalCOSE = try! PassCode.unwrap(typicalCode).coseBytes
add(Case(name: "malformed-prefix", description: "HC1: prefix instead of GL1:",
         accepted: false, demo: false, checks: ["malformed-prefix"], exit: 2),
    "HC1:" + typicalCode.dropFirst(4))
add(Case(name: "malformed-base45", description: "a lower-case letter inside the base45 text",
         accepted: false, demo: false, checks: ["malformed-base45"], exit: 2),
    String(typicalCode.prefix(40)) + "a" + String(typicalCode.dropFirst(41)))
add(Case(name: "malformed-zlib", description: "a zlib header followed by a corrupt stream",
         accepted: false, demo: false, checks: ["malformed-zlib"], exit: 2),
    PassCode.prefix + Base45.encode([0x78, 0x9C] + Array(typicalCOSE.prefix(60))))
add(Case(name: "zlib-bomb", description: "1 MiB of zeros behind a small zlib stream",
         accepted: false, demo: false, checks: ["malformed-zlib"], exit: 2),
    PassCode.prefix + Base45.encode(Zlib.compress([UInt8](repeating: 0, count: 1 << 20))))
add(Case(name: "malformed-cbor", description: "COSE bytes cut short in the middle of an item",
         accepted: false, demo: false, checks: ["malformed-cbor"], exit: 2),
    PassCode.prefix + Base45.encode(Array(typicalCOSE.prefix(typicalCOSE.count - 10))))
add(Case(name: "malformed-cose", description: "tag 18 on an array of three items",
         accepted: false, demo: false, checks: ["malformed-cose"], exit: 2),
    PassCode.prefix + Base45.encode(CBOR.tagged(18, [.bytes([0xA0]), [:], .bytes([1])]).encoded()))
var badClaims = typical.cbor.mapValue!
badClaims[.init(PassClaims.Key.notBefore)] = nil
add(Case(name: "malformed-claims", description: "correctly signed, but the nbf claim is missing",
         accepted: false, demo: true, checks: ["malformed-claims"], exit: 2),
    forged(es256, protected: es256.protectedHeader, payload: CBOR.map(badClaims).encoded()))
var critical = es256.protectedHeader
critical[.init(COSESign1.HeaderLabel.critical)] = [99]
critical[99] = 1
add(Case(name: "unknown-critical-header", description: "crit names header 99, which no verifier understands",
         accepted: false, demo: false, checks: ["malformed-cose"], exit: 2),
    forged(es256, protected: critical, payload: typical.encoded()))

// Read, but refused.
add(Case(name: "unknown-kid", description: "signed by a key that is not in the trust file",
         accepted: false, demo: false, checks: ["unknown-kid"], exit: 1),
    code(untrusted, claims(serial: "HN-000127")))
var hmac = es256.protectedHeader
hmac[.init(COSESign1.HeaderLabel.algorithm)] = 5
add(Case(name: "alg-hmac", description: "alg 5 (HMAC 256/256) in the protected header",
         accepted: false, demo: true, checks: ["algorithm-not-allowed"], exit: 1),
    forged(es256, protected: hmac, payload: typical.encoded(), signature: [UInt8](repeating: 7, count: 32)))
var mismatch = es256.protectedHeader
mismatch[.init(COSESign1.HeaderLabel.algorithm)] = .init(SignatureAlgorithm.eddsa.coseIdentifier)
add(Case(name: "alg-mismatch", description: "EdDSA in the header, but the kid names the ES256 key",
         accepted: false, demo: true, checks: ["algorithm-mismatch"], exit: 1),
    forged(eddsa, protected: mismatch, payload: typical.encoded()))
var flipped = try! COSESign1.decode(typicalCOSE)
var signature = flipped.signature
signature[10] ^= 0x01
flipped = flipped.signed(with: signature)
add(Case(name: "bad-signature", description: "one bit of the signature flipped",
         accepted: false, demo: true, checks: ["bad-signature"], exit: 1),
    PassCode.encode(flipped.encoded(), compression: .never))
// The malleable twins of genuine signatures, and a zlib layer greenlane's issuer would not add: each the same
// signed pass under a second code string (docs/FORMAT.md, "Canonical codes").
let p256Order = Hex.decode("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551")!
let ed25519Order = Hex.decode("EDD3F55C1A631258D69CF7A2DEF9DE1400000000000000000000000000000010")!  // little-endian
/// a − b or a + b on 32-byte numbers, in the given byte order; nil on overflow.
func arithmetic(_ a: [UInt8], _ b: [UInt8], subtract: Bool, bigEndian: Bool) -> [UInt8]? {
    var result = [UInt8](repeating: 0, count: 32)
    var carry = 0
    for step in 0..<32 {
        let index = bigEndian ? 31 - step : step
        let value = subtract ? Int(a[index]) - Int(b[index]) - carry : Int(a[index]) + Int(b[index]) + carry
        result[index] = UInt8((value + 256) & 0xFF)
        carry = subtract ? (value < 0 ? 1 : 0) : value >> 8
    }
    return carry == 0 ? result : nil
}
let typicalMessage = try! COSESign1.decode(typicalCOSE)
let lowS = Array(typicalMessage.signature[32...])
let highS = arithmetic(p256Order, lowS, subtract: true, bigEndian: true)!
add(Case(name: "non-canonical-signature-es256",
         description: "valid-es256 with its ECDSA s replaced by n - s: still a valid signature, but the high-S twin",
         accepted: false, demo: true, checks: ["non-canonical-signature"], exit: 1),
    PassCode.encode(typicalMessage.signed(with: Array(typicalMessage.signature[..<32]) + highS).encoded()))
let eddsaMessage = try! COSESign1.decode(try! PassCode.unwrap(eddsaCode).coseBytes)
let unreducedS = arithmetic(Array(eddsaMessage.signature[32...]), ed25519Order, subtract: false, bigEndian: false)!
add(Case(name: "non-canonical-signature-eddsa",
         description: "an EdDSA pass with S replaced by S + L, which lax Ed25519 libraries accept",
         accepted: false, demo: true, checks: ["non-canonical-signature", "bad-signature"], exit: 1),
    PassCode.encode(eddsaMessage.signed(with: Array(eddsaMessage.signature[..<32]) + unreducedS).encoded()))
add(Case(name: "non-canonical-compression",
         description: "valid-es256 with a zlib layer added, though it fits QR version 10-M uncompressed",
         accepted: false, demo: true, checks: ["non-canonical-compression"], exit: 1),
    PassCode.encode(typicalCOSE, compression: .always))
add(Case(name: "not-yet-valid", description: "shown the day before its validity starts",
         at: "2021-07-23T18:00:00+07:00", accepted: false, demo: true, checks: ["not-yet-valid"], exit: 1),
    typicalCode)
add(Case(name: "expired", description: "shown after its expiry",
         at: "2021-08-08T10:00:00+07:00", accepted: false, demo: true, checks: ["expired"], exit: 1), typicalCode)
add(Case(name: "wrong-zone", description: "shown at a checkpoint in a district it does not cover",
         zone: "long-bien", accepted: false, demo: true, checks: ["wrong-zone"], exit: 1), typicalCode)
add(Case(name: "outside-time-window", description: "heavy truck allowed 08:00-16:00, shown at 20:00",
         at: "2021-07-26T20:00:00+07:00", accepted: false, demo: true, checks: ["outside-time-window"], exit: 1),
    code(es256, claims(serial: "HN-000128", plate: "30E-12345", vehicleClass: .heavyTruck, window: "08:00-16:00")))
add(Case(name: "revoked", description: "serial HN-000129 is on the signed revocation list",
         accepted: false, demo: true, checks: ["revoked"], exit: 1), code(es256, claims(serial: "HN-000129")))
add(Case(name: "several-reasons", description: "expired, in the wrong district and outside its hours at once",
         at: "2021-08-09T23:00:00+07:00", zone: "long-bien", accepted: false, demo: true,
         checks: ["expired", "wrong-zone", "outside-time-window"], exit: 1), typicalCode)

// Verdicts other than valid and not valid.
add(Case(name: "demo-pass", description: "valid-es256 outside training mode: signed by a published demo key",
         training: false, accepted: true, demo: true, checks: [], exit: 5), typicalCode)
add(Case(name: "not-a-greenlane-code", description: "some other QR code: a web address",
         accepted: false, demo: false, checks: ["malformed-prefix"], exit: 2),
    "https://tokhaiyte.vn/?id=123456")
// Hostile text. A forger can put anything in an unsigned code; the issuer (iss) is free text even in a signed
// one. Every output must show it escaped, and an unsigned code's only inside its "NOT verified" block.
let hostileText = "\u{1B}[2J\u{1B}[42m✔ HỢP LỆ\u{202E}\u{200B}\u{9B}"
var hostile = claims(serial: "HN-000130")
hostile.issuer = hostileText
add(Case(name: "hostile-signed", description: "signed by the demo key, but its iss carries terminal escapes",
         accepted: false, demo: true, checks: ["issuer-mismatch"], exit: 1), code(es256, hostile))
let hostileMessage = COSESign1(protected: es256.protectedHeader, payload: hostile.encoded())
add(Case(name: "hostile-unsigned", description: "a forged code with terminal escapes in iss and a random signature",
         accepted: false, demo: true, checks: ["bad-signature", "issuer-mismatch"], exit: 1),
    PassCode.encode(hostileMessage.signed(with: [UInt8](repeating: 0x55, count: 64)).encoded(), compression: .never))

// The revocation list the samples are checked against.
let list = RevocationList(
    issuer: "VN-HN", issuedAt: time("2021-07-26T06:00:00+07:00"),
    entries: [.init(serial: "HN-000129", revokedAt: time("2021-07-25T21:15:00+07:00"), reason: .lost)])
let listBytes: [UInt8]
do { listBytes = try es256.signedRevocationList(list) } catch { fail("\(error)") }

let folder = "Samples/codes"
try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
write(folder + "/revocations.glr", Data(listBytes))

// The checkpoint's own data under attack (issue 11). Real (non-demo) keys are made afresh on every run and only
// their public halves are written (trust/sample-issuers.json): no private key of a key not marked demo is ever
// published. Lists go to lists/, trust files to trust/.
for sub in ["lists", "trust"] { try? FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true) }
let realKey = try! PrivateKey.generate(.es256), retiredKey = try! PrivateKey.generate(.es256)
let otherIssuerKey = try! PrivateKey.generate(.es256)
let real = PassSigner(key: realKey), retired = PassSigner(key: retiredKey), otherIssuer = PassSigner(key: otherIssuerKey)
let sampleIssuers = try! TrustSet(keys: [
    TrustedKey(publicKey: realKey.publicKey, label: "VN-HN issuer key (sample)", issuer: "VN-HN",
               notBefore: time("2021-07-01T00:00:00Z"), notAfter: time("2021-12-31T23:59:59Z")),
    TrustedKey(publicKey: retiredKey.publicKey, label: "VN-HN key retired 20/07/2021 (sample)", issuer: "VN-HN",
               notBefore: time("2021-01-01T00:00:00Z"), notAfter: time("2021-07-20T00:00:00+07:00")),
    TrustedKey(publicKey: otherIssuerKey.publicKey, label: "VN-HCM list key (sample)", issuer: "VN-HCM",
               roles: [.revocationLists]),
])
write(folder + "/trust/sample-issuers.json", Data(sampleIssuers.trustFile().utf8))
let bothTrusts = ["Keys/demo-trust.json", "Samples/codes/trust/sample-issuers.json"]
func signedList(_ signer: PassSigner, _ name: String, issuer: String = "VN-HN", issuedAt: String, sequence: UInt64,
                entries: [RevocationList.Entry] = []) {
    let list = RevocationList(issuer: issuer, issuedAt: time(issuedAt), entries: entries, sequence: sequence)
    do { write("\(folder)/lists/\(name).glr", Data(try signer.signedRevocationList(list))) } catch { fail("\(error)") }
}
let revokedReal = [RevocationList.Entry(serial: "HN-000499", revokedAt: time("2021-07-25T21:15:00+07:00"), reason: .stolen)]
signedList(real, "real-current", issuedAt: "2021-07-26T06:00:00+07:00", sequence: 5, entries: revokedReal)
signedList(real, "real-older", issuedAt: "2021-07-25T06:00:00+07:00", sequence: 4)
signedList(real, "real-in-grace", issuedAt: "2021-07-25T06:00:00+07:00", sequence: 3)
signedList(real, "real-after-grace", issuedAt: "2021-07-24T06:00:00+07:00", sequence: 2)
signedList(real, "real-future", issuedAt: "2021-07-28T06:00:00+07:00", sequence: 6)
signedList(es256, "demo-signed-empty", issuedAt: "2021-07-26T06:00:00+07:00", sequence: 1000)
signedList(otherIssuer, "other-issuer", issuer: "VN-HCM", issuedAt: "2021-07-26T06:00:00+07:00", sequence: 1)
func list(_ name: String) -> String { "Samples/codes/lists/\(name).glr" }

let realCode = code(real, claims(serial: "HN-000401"))
@MainActor func realCase(_ name: String, _ description: String, lists: [String]?, exit: Int32, warnings: [String],
              at: String = "2021-07-26T10:00:00+07:00", earlierLists: [String]? = nil, earlierAt: String? = nil,
              waive: Bool? = nil, setupError: String? = nil, checks: [String] = [], code: String = realCode) {
    add(Case(name: name, description: description, at: at, revocations: false, training: false,
             accepted: checks.isEmpty, demo: false, checks: checks, exit: exit, trusts: bothTrusts, lists: lists,
             earlierLists: earlierLists, earlierAt: earlierAt, waiveRevocations: waive, warnings: warnings,
             setupError: setupError), code)
}
realCase("real-current-list", "a real pass with its issuer's current list (sequence 5)",
         lists: [list("real-current")], exit: 0, warnings: [])
realCase("real-revoked", "a real pass on its issuer's current list", lists: [list("real-current")], exit: 1,
         warnings: [], checks: ["revoked"], code: code(real, claims(serial: "HN-000499")))
realCase("real-demo-signed-empty-list", "a fresh, empty list signed with the public demo key: never applies to a real pass",
         lists: [list("demo-signed-empty")], exit: 4, warnings: ["revocation-list-not-applicable"])
realCase("real-other-issuer-list", "only VN-HCM's list: reported, and the VN-HN pass cannot be confirmed",
         lists: [list("other-issuer")], exit: 4, warnings: ["revocation-list-not-applicable"])
realCase("real-older-list-rollback", "list 4 after the checkpoint has used list 5 of the same key: a rollback",
         lists: [list("real-older")], exit: 3, warnings: [], earlierLists: [list("real-current")],
         setupError: "revocationListRollback")
realCase("real-future-list", "a list dated two days after the device clock: refused, hides later revocations",
         lists: [list("real-future")], exit: 4, warnings: ["revocation-list-from-future"])
realCase("real-list-in-grace", "28 hours old: past nextUpdate (24 h), in its grace (12 h): valid, amber 'sync'",
         lists: [list("real-in-grace")], exit: 0, warnings: ["ageing-revocation-list"])
realCase("real-list-after-grace", "52 hours old: past nextUpdate and grace: cannot confirm",
         lists: [list("real-after-grace")], exit: 4, warnings: ["stale-revocation-list"])
realCase("real-no-list", "no revocation list at all", lists: [], exit: 4, warnings: ["no-revocation-list"])
realCase("real-no-list-waived", "no list, waived by the officer: valid, and the verdict says so",
         lists: [], exit: 0, warnings: ["revocation-check-waived"], waive: true)
realCase("real-clock-behind", "the device clock is set back before a list it has already used",
         lists: [], exit: 4, warnings: ["revocation-check-waived", "clock-behind"], at: "2021-07-26T05:00:00+07:00",
         earlierLists: [list("real-current")], earlierAt: "2021-07-26T10:00:00+07:00", waive: true,
         code: code(real, claims(serial: "HN-000406", window: nil)))
realCase("real-no-zone", "a pass for five districts at a checkpoint with no district: cannot confirm (zone)",
         lists: [list("real-current")], exit: 4, warnings: ["zone-not-checked"])
cases[cases.count - 1].0.zone = nil
realCase("retired-key-2099", "signed by a key retired on 20/07/2021, iat before that, valid until 2099",
         lists: [list("real-current")], exit: 1, warnings: [], checks: ["key-lifetime"],
         code: code(retired, PassClaims(
            issuer: "VN-HN", issuedAt: time("2021-07-19T08:00:00+07:00"), notBefore: time("2021-07-19T08:00:00+07:00"),
            expiresAt: time("2099-12-31T00:00:00+07:00"), permit: claims(serial: "HN-000402").permit)))
var hcm = claims(serial: "HN-000403")
hcm.issuer = "VN-HCM"
realCase("list-key-signs-pass", "a pass signed by a key trusted only for revocation lists",
         lists: [list("other-issuer")], exit: 1, warnings: [], checks: ["key-role"], code: code(otherIssuer, hcm))
add(Case(name: "no-zone-all-districts", description: "a pass for all of Hanoi at a checkpoint with no district",
         zone: nil, accepted: true, demo: true, checks: [], exit: 0, warnings: []),
    code(es256, claims(serial: "HN-000404", zones: District.all.map(\.slug))))
add(Case(name: "window-end-within-skew", description: "heavy truck allowed 08:00-16:00, shown at 16:04 (skew 5 min)",
         at: "2021-07-26T16:04:00+07:00", accepted: true, demo: true, checks: [], exit: 0),
    code(es256, claims(serial: "HN-000405", plate: "30E-12346", vehicleClass: .heavyTruck, window: "08:00-16:00")))

// Trust file tricks: each file is refused, naming the file and the member.
let demoTrustText = String(decoding: FileManager.default.contents(atPath: "Keys/demo-trust.json")!, as: UTF8.self)
let demoEntry = demoTrustText.range(of: "\"kid\": \"cdb443c99249ef11\",")!
@MainActor func trick(_ name: String, _ description: String, _ text: String, error: String, extra: [String] = []) {
    write("\(folder)/trust/\(name).json", Data(text.utf8))
    add(Case(name: name, description: description, accepted: false, demo: false, checks: [], exit: 3,
             trusts: ["Samples/codes/trust/\(name).json"] + extra, setupError: error), typicalCode)
}
trick("trust-unknown-member", "an entry with a member no version defines (\"revoked\": false)",
      demoTrustText.replacingCharacters(in: demoEntry, with: "\"kid\": \"cdb443c99249ef11\", \"revoked\": false,"),
      error: "invalidTrustFile")
trick("trust-misspelt-member", "notAfter misspelt notAfer: would have been read as a key valid for ever",
      demoTrustText.replacingCharacters(in: demoTrustText.range(of: "\"notAfter\"")!, with: "\"notAfer\""),
      error: "invalidTrustFile")
trick("trust-duplicate-member", "an entry whose issuer appears twice (Foundation kept one silently)",
      demoTrustText.replacingCharacters(in: demoEntry, with: "\"kid\": \"cdb443c99249ef11\", \"issuer\": \"VN-HCM\","),
      error: "invalidTrustFile")
trick("trust-second-key", "one entry with a second publicKey member: which key is trusted must not be a guess",
      demoTrustText.replacingCharacters(
        in: demoEntry,
        with: "\"kid\": \"cdb443c99249ef11\", \"publicKey\": \(JSONValueText.quote(realKey.publicKey.pem)),"),
      error: "invalidTrustFile")
trick("trust-wrong-type", "\"demo\": \"false\" as a string",
      demoTrustText.replacingOccurrences(of: "\"demo\": true", with: "\"demo\": \"true\""), error: "invalidTrustFile")
trick("trust-unknown-role", "a role this version does not know",
      demoTrustText.replacingOccurrences(of: "\"passes\",", with: "\"passes\", \"everything\","), error: "invalidTrustFile")
let legacy = """
    {
      "format": "greenlane-trust/1",
      "keys": [
        {
          "kid": "cdb443c99249ef11",
          "alg": "ES256",
          "label": "DEMO VN-HN ES256 (greenlane-trust/1)",
          "issuer": "VN-HN",
          "notBefore": "2021-01-01T00:00:00Z",
          "notAfter": "2031-12-31T23:59:59Z",
          "demo": true,
          "publicKey": \(JSONValueText.quote(es256.key.publicKey.pem))
        }
      ]
    }

    """
trick("trust-v1-without-issuer", "a greenlane-trust/1 entry with no issuer: its roles would be for anyone",
      legacy.replacingOccurrences(of: "      \"issuer\": \"VN-HN\",\n", with: ""), error: "invalidTrustFile")
trick("trust-v1-with-roles", "roles in a greenlane-trust/1 file, which an older verifier would ignore",
      legacy.replacingOccurrences(of: "\"issuer\": \"VN-HN\",", with: "\"issuer\": \"VN-HN\", \"roles\": [\"passes\"],"),
      error: "invalidTrustFile")
trick("trust-repeated-kid", "--trust given twice, with the demo key in both files",
      legacy, error: "duplicateKeyID", extra: ["Keys/demo-trust.json"])
write(folder + "/trust/legacy-v1.json", Data(legacy.utf8))
add(Case(name: "legacy-trust-v1", description: "a greenlane-trust/1 file keeps working: passes and lists for its issuer",
         accepted: true, demo: true, checks: [], exit: 0, trusts: ["Samples/codes/trust/legacy-v1.json"]), typicalCode)
for (sample, code) in cases {
    write("\(folder)/\(sample.name).txt", Data((code + "\n").utf8))
}
enum JSONValueText {
    static func quote(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
    }
}

struct Expected: Encodable {
    var comment = "Expected verifier outcomes. Each code is in NAME.txt; check with: greenlane verify --file "
        + "Samples/codes/NAME.txt --trust Keys/demo-trust.json --at AT [--zone ZONE] "
        + "[--revocations Samples/codes/revocations.glr]"
    var trust = "Keys/demo-trust.json"
    var revocations = "Samples/codes/revocations.glr"
    var cases: [Case]
}
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
let json = try! encoder.encode(Expected(cases: cases.map(\.0)))
write(folder + "/expected.json", json + Data("\n".utf8))
print("wrote \(cases.count) sample codes to \(folder); typical pass: \(typicalCode.count) characters")
