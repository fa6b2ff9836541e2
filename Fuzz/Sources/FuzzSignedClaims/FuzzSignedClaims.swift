import FuzzSupport
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneMessages
import GreenlaneVerifier

// Target (f): the checks after the signature. The fuzzer's bytes shape the claims (serial, names, plate, zones,
// window, validity), the checkpoint (time, district, clock skew) and the revocation list; a test key made at
// start-up signs them, so every input reaches validity, zone, window, revocation and the verdict choice with
// a signature that verifies. Invariants: the verifier never throws, each time and place check fires exactly
// when its rule says, a signed pass is never "cannot read", the verdict is valid exactly when nothing failed,
// a non-demo key's verdict does not depend on training mode, and every message is safe to print.

let key: PrivateKey = {
    do { return try PrivateKey.generate(.es256) } catch { invariantFailed("cannot generate the test key: \(error)") }
}()
let signer = PassSigner(key: key)
let trust: TrustSet = {
    do { return try TrustSet(keys: [TrustedKey(publicKey: key.publicKey, label: "fuzz test key", issuer: "VN-HN")]) }
    catch { invariantFailed("cannot build the trust set: \(error)") }
}()
let epoch: Int64 = 1_627_268_400  // 2021-07-26T10:00:00+07:00
let plates = ["29C-123.45", "29-B1 123.45", "30E-12345", "51F-678.90"]
let classes: [VehicleClass] = [.lightTruck, .motorbike, .heavyTruck, .lightTruck]

/// Hands out the input's bytes as the values the claims need; zeros once it runs out.
struct Bytes {
    var data: [UInt8]
    var index = 0
    mutating func byte() -> UInt8 {
        defer { index += 1 }
        return index < data.count ? data[index] : 0
    }
    mutating func int(_ count: Int) -> Int64 {
        var value: Int64 = 0
        for _ in 0..<count { value = value << 8 | Int64(byte()) }
        return value
    }
    /// A short string over `alphabet`, of a length the next byte picks (up to `maximum`).
    mutating func text(_ alphabet: [Character], maximum: Int) -> String {
        let length = Int(byte()) % (maximum + 1)
        return String((0..<length).map { _ in alphabet[Int(byte()) % alphabet.count] })
    }
}

/// No control, format (bidi, zero-width), separator, private-use or unassigned character: the oracle for
/// "safe to print", kept apart from the code under test.
func isPrintable(_ text: String) -> Bool {
    text.unicodeScalars.allSatisfy { scalar in
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned: false
        default: true
        }
    }
}

let serialAlphabet = Array("ABCHN0123456789-")
let nameAlphabet = Array("aăâbcdđeêghiklmnoôơpqrstuưvxyAĐNguyễnVănThịPhươngẢ '.-")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = Bytes(data: Array(UnsafeBufferPointer(start: data, count: size)))
    let plateIndex = Int(input.byte()) % plates.count
    let serial = input.text(serialAlphabet, maximum: 26)
    let driverName = input.text(nameAlphabet, maximum: 40)
    let zoneMask = UInt32(truncatingIfNeeded: input.int(4))
    let windowByte = input.byte()
    let start = Int(input.byte()) % 1440, end = Int(input.byte()) % 1441
    let issuedAt = epoch - 86_400 * 3 + (input.int(3) - (1 << 23))
    let notBefore = issuedAt + (input.int(3) - (1 << 23))
    let expiresAt = notBefore + input.int(3) - 1000
    let time = epoch + (input.int(3) - (1 << 23))
    let districtByte = input.byte()
    let skew = input.int(2) % 86_401
    let revokeByte = input.byte()

    // Claims the issuer's own rules refuse are not signed: the signer is not under test here.
    let claims: PassClaims
    let code: String
    do {
        guard let zones = Zones(mask: zoneMask), !zones.isEmpty else { return 0 }
        let window = windowByte & 1 == 1 ? try DailyWindow(startMinute: start, endMinute: end) : nil
        let vehicleClass = classes[plateIndex]
        let permit = Permit(
            serial: serial, firmID: "VNPOST", plate: try Plate(parsing: plates[plateIndex], vehicleClass: vehicleClass),
            vehicleClass: vehicleClass, driverName: driverName, driverID: try CitizenID(parsing: "001085012345"),
            zones: zones, purpose: .essentialGoods, window: window, station: "SGTVT")
        claims = PassClaims(
            issuer: "VN-HN", issuedAt: issuedAt, notBefore: notBefore, expiresAt: expiresAt, permit: permit)
        code = try signer.passCode(for: claims)
    } catch {
        return 0
    }
    let district: District? = districtByte == 0 ? nil : District.all[Int(districtByte) % District.all.count]
    var revocations: VerifiedRevocationList?
    if revokeByte & 1 == 1 {
        let entries = revokeByte & 2 == 2 ? [RevocationList.Entry(serial: serial, revokedAt: time, reason: .lost)] : []
        let list = RevocationList(issuer: "VN-HN", issuedAt: time - Int64(revokeByte) * 3600, entries: entries)
        do {
            revocations = try VerifiedRevocationList(signed: try signer.signedRevocationList(list), trust: trust)
        } catch {
            invariantFailed("a list the test key signed does not verify: \(error)")
        }
    }
    let context = CheckpointContext(time: time, district: district, clockSkew: skew)
    let result = PassVerifier(trust: trust, revocations: revocations).verify(code, context: context)
    let checks = Set(result.failures.map(\.check))

    if !result.signatureVerified || result.isMalformed { invariantFailed("a signed pass did not verify: \(checks)") }
    let verdict = result.verdict()
    if verdict == .cannotRead || verdict == .notGreenlaneCode { invariantFailed("a signed pass is \(verdict)") }
    // Valid exactly when nothing failed and nothing about the checkpoint's own data stops it from confirming.
    let unconfirmed = result.warnings.contains { $0.preventsConfirmation }
    if (verdict == .valid) != (result.failures.isEmpty && !unconfirmed) {
        invariantFailed("verdict \(verdict) with \(checks), unconfirmed: \(unconfirmed)")
    }
    if result.failures.isEmpty && unconfirmed && verdict != .cannotConfirm {
        invariantFailed("nothing failed but the data cannot confirm, and the verdict is \(verdict)")
    }
    if verdict != result.verdict(training: true) { invariantFailed("training changed a real key's verdict") }
    if (result.verified != nil) != result.failures.isEmpty { invariantFailed("verified pass and failures disagree") }

    // The skew applied is at most 15 minutes, whatever the context was given, and it applies to every time check.
    let applied = min(max(skew, 0), 900)
    let expired = time - applied >= expiresAt  // bounded inputs: no overflow
    let early = time + applied < max(notBefore, issuedAt)
    let wrongZone = district.map { !claims.permit.zones.contains($0) } ?? false
    // Outside the daily window: no instant within the skew of the time is inside it. Windows are whole minutes,
    // so the ends of the interval and every minute boundary inside it are the instants to try.
    let outside = claims.permit.window.map { window in
        var instants = [time - applied, time + applied]
        var boundary = (time - applied) / 60 * 60 + 60
        while boundary < time + applied {
            instants.append(boundary)
            boundary += 60
        }
        return !instants.contains { window.contains(unixTime: $0) }
    } ?? false
    let revoked = revocations?.list.entry(for: serial) != nil
    // The test key is trusted with the default lifetime and no end: a pass longer than that, or starting more
    // than a day after it was signed, is `key-lifetime`.
    let lifetime = trust.keys[0].maxPassLifetime
    let tooLong = expiresAt - notBefore > lifetime || notBefore - issuedAt > 86_400
    for (check, expected) in [("expired", expired), ("not-yet-valid", early), ("wrong-zone", wrongZone),
                              ("outside-time-window", outside), ("revoked", revoked), ("key-lifetime", tooLong)]
    where checks.contains(check) != expected {
        invariantFailed("\(check) is \(checks.contains(check)), its rule says \(expected)")
    }
    if !checks.isSubset(of: ["expired", "not-yet-valid", "wrong-zone", "outside-time-window", "revoked",
                             "key-lifetime"]) {
        invariantFailed("unexpected checks for a well-signed pass: \(checks)")
    }
    for failure in result.failures {
        for language in Language.allCases where !isPrintable(failure.message(language)) {
            invariantFailed("\(failure.check) message is not safe to print")
        }
    }
    for warning in result.warnings {
        for language in Language.allCases where !isPrintable(warning.message(language)) {
            invariantFailed("\(warning.check) message is not safe to print")
        }
    }
    return 0
}
