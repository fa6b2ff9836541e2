import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneVerifier

/// The verify and sign figures, each next to raw OpenSSL EVP (through GreenlaneCrypto's thin wrapper) on the
/// very Sig_structure bytes of the sample pass, measured in the same process, interleaved with it.
enum Throughput {
    struct Setup {
        let algorithm: SignatureAlgorithm
        let code: String
        let key: PrivateKey
        let message: COSESign1
        let toBeSigned: [UInt8]
        let claims: PassClaims
    }

    static func setup(_ algorithm: SignatureAlgorithm) throws -> Setup {
        let name = algorithm == .es256 ? "es256" : "eddsa"
        let code = try readText("Samples/codes/valid-\(name).txt").trimmingWhitespace()
        let key = try PrivateKey(pem: Array(try readText("Keys/demo-\(name).key.pem").utf8), passphrase: nil)
        let pass = try PassCode.unverifiedDecode(code)
        return Setup(
            algorithm: algorithm, code: code, key: key, message: pass.message, toBeSigned: pass.message.toBeSigned,
            claims: pass.claims)
    }

    static func run(rounds: Int, iterations: Int) throws {
        let trust = try TrustSet.load(path: "Keys/demo-trust.json")
        let revocations = try VerifiedRevocationList.load(path: "Samples/codes/revocations.glr", trust: trust)
        let verifier = PassVerifier(trust: trust, revocations: revocations)
        // The sample's own checkpoint: 26 July 2021, 10:00 Vietnam time, in Đống Đa (samples/expected.json).
        let context = CheckpointContext(time: Timestamp.parse("2021-07-26T10:00:00+07:00")!, district: District("dong-da"))

        for algorithm in [SignatureAlgorithm.es256, .eddsa] {
            let s = try setup(algorithm)
            let publicKey = s.key.publicKey
            let signer = PassSigner(key: s.key)
            guard verifier.verify(s.code, context: context).isAccepted else {
                throw BenchError("the sample \(algorithm.rawValue) pass is not accepted at the sample checkpoint")
            }
            guard try signer.passCode(for: s.claims).count == s.code.count else {
                throw BenchError("re-signing the sample \(algorithm.rawValue) claims changed the code length")
            }
            let a = algorithm.rawValue
            let tbs = s.toBeSigned
            let signature = s.message.signature
            let claims = s.claims
            let code = s.code
            let cases = [
                BenchCase(name: "raw-verify") { publicKey.isValidSignature(signature, for: tbs) ? 1 : 0 },
                BenchCase(name: "verify") { verifier.verify(code, context: context).isAccepted ? 1 : 0 },
                // Breakdown, to tell where the non-crypto time goes (not figures with a target).
                BenchCase(name: "decode-only") {
                    (try? PassCode.unverifiedDecode(code))?.claims.permit.serial.utf8.count ?? 0
                },
                BenchCase(name: "raw-sign") { (try? s.key.sign(tbs))?.count ?? 0 },
                BenchCase(name: "sign") { (try? signer.passCode(for: claims))?.utf8.count ?? 0 },
                BenchCase(name: "zlib-only") { Zlib.compress(s.message.encoded()).count },
                BenchCase(name: "validate-only") { (try? claims.validate()) == nil ? 0 : 1 },
                BenchCase(name: "encode-only") {
                    (try? claims.validate()) == nil ? 0 : COSESign1(
                        protected: signer.protectedHeader, payload: claims.encoded(), signature: signature
                    ).encoded().count
                },
            ]
            let rates = measureInterleaved(cases, rounds: rounds, iterations: iterations, warmup: iterations / 4)
            let m = rates.mapValues(median)
            let rawVerify = m["raw-verify"]!, verify = m["verify"]!, rawSign = m["raw-sign"]!, sign = m["sign"]!
            row("verify \(a): PassVerifier.verify, full pipeline, 1 core", "\(formatRate(verify)) /s",
                "raw EVP verify \(formatRate(rawVerify)) /s", verify / rawVerify, 0.85)
            row("issue \(a), sign only: PassSigner.passCode(for:), 1 core", "\(formatRate(sign)) /s",
                "raw EVP sign \(formatRate(rawSign)) /s", sign / rawSign, 0.70)
            note("\(a): Sig_structure \(tbs.count) bytes; code \(code.count) characters")
            note("\(a): per operation: raw verify \(us(rawVerify)), verify \(us(verify)) (overhead \(us2(verify, rawVerify))); "
                + "raw sign \(us(rawSign)), passCode \(us(sign)) (overhead \(us2(sign, rawSign))); "
                + "decode only (unwrap+COSE+claims, no signature) \(us(m["decode-only"]!)); "
                + "validate+encode only (no signature) \(us(m["encode-only"]!)); "
                + "of which validate \(us(m["validate-only"]!)); zlib attempt \(us(m["zlib-only"]!))")
            note("\(a): rounds (ops/s): " + rates.keys.sorted().map { key in
                "\(key) [" + rates[key]!.map { formatRate($0) }.joined(separator: " ") + "]"
            }.joined(separator: "; "))
        }
    }

    /// Microseconds per operation at `rate` operations per second.
    static func us(_ rate: Double) -> String { String(format1(1e6 / rate)) + " µs" }
    static func us2(_ rate: Double, _ raw: Double) -> String { String(format1(1e6 / rate - 1e6 / raw)) + " µs" }
}

func format1(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(abs(tenths % 10))"
}

/// One line of the results table: | figure | value | limit, same run | ratio | target | verdict |
/// `target` is a minimum ratio, or with `atMost`, a maximum.
func row(_ figure: String, _ value: String, _ limit: String, _ ratio: Double?, _ target: Double?, atMost: Bool = false,
         targetText: String? = nil) {
    let ratioText = ratio.map(percent) ?? "—"
    var verdict = "—"
    var targetDisplay = targetText ?? "—"
    if let target, let ratio {
        let met = atMost ? ratio <= target : ratio >= target
        verdict = met ? "met" : "MISSED"
        if targetText == nil { targetDisplay = (atMost ? "≤ " : "≥ ") + percent(target) }
    }
    print("| \(figure) | \(value) | \(limit) | \(ratioText) | \(targetDisplay) | \(verdict) |")
}

func note(_ text: String) {
    print("  · " + text)
}
