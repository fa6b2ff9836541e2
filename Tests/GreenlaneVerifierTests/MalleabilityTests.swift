import Foundation
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneVerifier
import Testing

/// One code string per signed pass: each attack takes a genuine sample and makes a second code for the same
/// signed pass, which the verifier must refuse while the original still verifies (docs/FORMAT.md §1.5).
@Suite struct MalleabilityTests {
    /// 32-byte unsigned arithmetic written here, independent of GreenlaneCrypto's.
    enum Scalar {
        static let p256Order = hexBytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
        /// L = 2^252 + 27742317777372353535851937790883648493, big-endian.
        static let ed25519Order = hexBytes("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed")

        /// a − b, big-endian, a ≥ b.
        static func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32), borrow = 0
            for i in (0..<32).reversed() {
                let d = Int(a[i]) - Int(b[i]) - borrow
                out[i] = UInt8((d + 256) % 256)
                borrow = d < 0 ? 1 : 0
            }
            precondition(borrow == 0)
            return out
        }

        /// a + b, big-endian, no overflow.
        static func add(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32), carry = 0
            for i in (0..<32).reversed() {
                let sum = Int(a[i]) + Int(b[i]) + carry
                out[i] = UInt8(sum % 256)
                carry = sum / 256
            }
            precondition(carry == 0)
            return out
        }

        /// s > ⌊n/2⌋: big-endian numbers of equal length compare as byte strings.
        static func isHigh(_ s: [UInt8]) -> Bool { halfOrder.lexicographicallyPrecedes(s) }

        /// ⌊n/2⌋, computed by shifting n right one bit.
        static let halfOrder: [UInt8] = {
            var out = [UInt8](repeating: 0, count: 32), carry: UInt8 = 0
            for i in 0..<32 {
                out[i] = (p256Order[i] >> 1) | (carry << 7)
                carry = p256Order[i] & 1
            }
            return out
        }()
    }

    let trust: TrustSet
    init() throws { trust = try demoTrust() }

    func sample(_ name: String) throws -> String {
        try String(contentsOfFile: repositoryPath("Samples/codes/\(name).txt"), encoding: .utf8)
    }

    func verify(_ code: String) -> VerificationResult {
        PassVerifier(trust: trust).verify(code, context: sampleContext)
    }

    func message(_ code: String) throws -> COSESign1 { try COSESign1.decode(try PassCode.unwrap(code).coseBytes) }

    @Test func ecdsaHighSTwinIsRefused() throws {
        let original = try sample("valid-es256")
        #expect(verify(original).isAccepted)
        let signed = try message(original)
        let s = Array(signed.signature[32...])
        #expect(!Scalar.isHigh(s), "the issuer emits low S")
        let twin = Array(signed.signature[..<32]) + Scalar.subtract(Scalar.p256Order, s)
        #expect(Scalar.isHigh(Array(twin[32...])))

        // OpenSSL accepts the twin: only the canonical-form check stands between it and a second code.
        let kid = try #require(signed.keyID)
        let key = try #require(trust.key(for: kid))
        #expect(key.publicKey.isValidSignature(twin, for: signed.toBeSigned))
        let forged = PassCode.encode(signed.signed(with: twin).encoded())
        #expect(forged != original)
        let result = verify(forged)
        #expect(result.failures.map(\.check) == ["non-canonical-signature"])
        #expect(result.failures.first?.signatureAlgorithm == .es256)
        #expect(result.verified == nil)
        #expect(verify(original).isAccepted)
    }

    @Test func ed25519SPlusLIsRefused() throws {
        let original = try sample("valid-eddsa")
        #expect(verify(original).isAccepted)
        let signed = try message(original)
        // S is little-endian: reverse to add L big-endian, then back.
        let s = Array(signed.signature[32...].reversed())
        let unreduced = Array(Scalar.add(s, Scalar.ed25519Order).reversed())
        let forged = PassCode.encode(signed.signed(with: Array(signed.signature[..<32]) + unreduced).encoded())
        let result = verify(forged)
        // Refused for its form whatever the library says; OpenSSL also finds it a bad signature.
        #expect(result.failures.first?.check == "non-canonical-signature")
        #expect(result.failures.first?.signatureAlgorithm == .eddsa)
        #expect(!result.isAccepted)
        #expect(verify(original).isAccepted)
        #expect(SignatureAlgorithm.eddsa.isNonCanonical(signature: Array(signed.signature[..<32]) + unreduced))
        #expect(!SignatureAlgorithm.eddsa.isNonCanonical(signature: signed.signature))
    }

    @Test func zlibWrappingASmallCodeIsRefused() throws {
        let original = try sample("valid-es256")
        let cose = try PassCode.unwrap(original).coseBytes
        let wrapped = PassCode.encode(cose, compression: .always)
        let result = verify(wrapped)
        #expect(result.failures.map(\.check) == ["non-canonical-compression"])
        let plainLength = original.trimmingCharacters(in: .whitespacesAndNewlines).count
        #expect(result.failures.first?.plainCodeLength == plainLength)
        #expect(verify(original).isAccepted)
        // A large pass may carry zlib (valid-zlib does); its plain form is long enough for either.
        let large = try sample("valid-zlib")
        #expect(try PassCode.unwrap(large).compressed)
        #expect(verify(large).isAccepted)
        #expect(verify(PassCode.encode(try PassCode.unwrap(large).coseBytes, compression: .never)).isAccepted)
    }

    @Test func freshlyIssuedES256PassesAllHaveLowS() throws {
        let signer = PassSigner(key: try demoKey("demo-es256"))
        let verifier = PassVerifier(trust: trust)
        for index in 0..<200 {
            let code = try signer.passCode(for: try sampleClaims(serial: "HN-\(100_000 + index)"))
            let s = Array(try message(code).signature[32...])
            #expect(!Scalar.isHigh(s), "pass \(index): s = \(Hex.encode(s))")
            #expect(verifier.verify(code, context: sampleContext).isAccepted, "pass \(index)")
        }
        // Revocation lists too.
        let list = RevocationList(issuer: "VN-HN", issuedAt: sampleContext.time, entries: [])
        for _ in 0..<20 {
            let bytes = try signer.signedRevocationList(list)
            #expect(!Scalar.isHigh(Array(try COSESign1.decode(bytes).signature[32...])))
        }
    }

    @Test func passIdentityIsSHA256OfTheCOSEBytes() throws {
        // Computed with python: hashlib.sha256(base45.b45decode(code[4:])) on Samples/codes/valid-eddsa.txt
        // (Ed25519 is deterministic, so regenerating the samples keeps this code).
        let expected = "252620f34e37b3de507b1f972a520b747aede69289a10f4b7126a7c22d02bcd9"
        let code = try sample("valid-eddsa")
        #expect(Hex.encode(try PassCode.identity(of: code)) == expected)
        let result = verify(code)
        #expect(result.pass.map { Hex.encode($0.identity) } == expected)
        #expect(result.verified.map { Hex.encode($0.identity) } == expected)
        // Input repair is not a new pass: the same identity with the white space a scanner adds.
        #expect(Hex.encode(try PassCode.identity(of: "  " + code + "\r\n")) == expected)
        // The identity does not depend on the zlib layer.
        let large = try sample("valid-zlib")
        let plain = PassCode.encode(try PassCode.unwrap(large).coseBytes, compression: .never)
        #expect(try PassCode.identity(of: large) == PassCode.identity(of: plain))
    }
}
