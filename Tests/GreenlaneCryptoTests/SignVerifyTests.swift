import GreenlaneCrypto
import Testing

@Suite struct SignVerifyTests {
    static let message = Array("GL1:priority vehicle pass, plate B-GL 1234".utf8)

    @Test(arguments: SignatureAlgorithm.allCases)
    func generateSignVerify(_ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        #expect(key.algorithm == algorithm)
        #expect(key.publicKey.algorithm == algorithm)
        let signature = try key.sign(Self.message)
        #expect(signature.count == 64)
        #expect(key.publicKey.isValidSignature(signature, for: Self.message))
        // Empty messages are legal COSE payloads.
        #expect(key.publicKey.isValidSignature(try key.sign([]), for: []))
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func tamperingIsRejected(_ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let signature = try key.sign(Self.message)
        var message = Self.message
        message[5] ^= 0x01
        #expect(!key.publicKey.isValidSignature(signature, for: message))
        #expect(!key.publicKey.isValidSignature(signature, for: Self.message + [0]))
        for index in [0, 31, 32, 63] {
            var bad = signature
            bad[index] ^= 0x80
            #expect(!key.publicKey.isValidSignature(bad, for: Self.message), "flipped byte \(index)")
        }
        #expect(!key.publicKey.isValidSignature(Array(signature.dropLast()), for: Self.message))
        #expect(!key.publicKey.isValidSignature(signature + [0], for: Self.message))
        #expect(!key.publicKey.isValidSignature([], for: Self.message))
        #expect(!key.publicKey.isValidSignature([UInt8](repeating: 0, count: 64), for: Self.message))
        #expect(!key.publicKey.isValidSignature([UInt8](repeating: 0xFF, count: 64), for: Self.message))
        // Another key of the same kind must not verify it.
        let other = try PrivateKey.generate(algorithm)
        #expect(!other.publicKey.isValidSignature(signature, for: Self.message))
        // And the verify after a failure must still work (no stale OpenSSL error state).
        #expect(key.publicKey.isValidSignature(signature, for: Self.message))
    }

    @Test func ecdsaSignaturesAreRandomizedButEdDSAIsDeterministic() throws {
        let ec = try PrivateKey.generate(.es256)
        #expect(try ec.sign(Self.message) != ec.sign(Self.message))
        let ed = try PrivateKey.generate(.eddsa)
        #expect(try ed.sign(Self.message) == ed.sign(Self.message))
    }

    @Test func crossAlgorithmSignaturesFail() throws {
        let ec = try PrivateKey.generate(.es256)
        let ed = try PrivateKey.generate(.eddsa)
        #expect(!ed.publicKey.isValidSignature(try ec.sign(Self.message), for: Self.message))
        #expect(!ec.publicKey.isValidSignature(try ed.sign(Self.message), for: Self.message))
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func concurrentSignAndVerifyOnOneKey(_ algorithm: SignatureAlgorithm) async throws {
        let key = try PrivateKey.generate(algorithm)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var ok = true
                    for round in 0..<50 {
                        let message = Array("worker \(worker) round \(round)".utf8)
                        let signature = try key.sign(message)
                        ok = ok && key.publicKey.isValidSignature(signature, for: message)
                        ok = ok && !key.publicKey.isValidSignature(signature, for: message + [1])
                    }
                    return ok
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == [Bool](repeating: true, count: 8))
    }

    @Test func publicKeyRoundTripsThroughItsEncodings() throws {
        for algorithm in SignatureAlgorithm.allCases {
            let key = try PrivateKey.generate(algorithm).publicKey
            let fromDER = try PublicKey(spkiDER: key.spkiDER)
            let fromPEM = try PublicKey(pem: key.pem)
            #expect(fromDER == key)
            #expect(fromPEM == key)
            #expect(fromPEM.keyID == key.keyID)
            #expect(key.pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
            #expect(key.pem.hasSuffix("-----END PUBLIC KEY-----\n"))
        }
        let a = try PrivateKey.generate(.eddsa).publicKey
        let b = try PrivateKey.generate(.eddsa).publicKey
        #expect(a != b)
        #expect(a.keyID != b.keyID)
    }

    @Test func malformedPublicKeysAreRejected() throws {
        #expect(
            cryptoError {
                _ = try PublicKey(p256X: [UInt8](repeating: 1, count: 31), y: [UInt8](repeating: 1, count: 32))
            }?.code == .invalidKey)
        // (1, 1) is not on P-256.
        let offCurve = [UInt8](repeating: 0, count: 31) + [1]
        #expect(cryptoError { _ = try PublicKey(p256X: offCurve, y: offCurve) }?.code == .invalidKey)
        #expect(cryptoError { _ = try PublicKey(ed25519: [UInt8](repeating: 0, count: 33)) }?.code == .invalidKey)
        let key = try PrivateKey.generate(.es256).publicKey
        #expect(cryptoError { _ = try PublicKey(spkiDER: key.spkiDER + [0]) }?.code == .invalidKey)
        #expect(cryptoError { _ = try PublicKey(spkiDER: Array(key.spkiDER.dropLast())) }?.code == .invalidKey)
        #expect(cryptoError { _ = try PublicKey(spkiDER: []) }?.code == .invalidKey)
        #expect(cryptoError { _ = try PublicKey(pem: "hello") }?.code == .malformedPEM)
        // A coordinate outside the field (x = p + 1 reduces to a point that may be on the curve) is refused.
        let aboveField = [UInt8](repeating: 0xFF, count: 32)
        #expect(cryptoError { _ = try PublicKey(p256X: aboveField, y: offCurve) }?.code == .invalidKey)
        // A compressed point has the P-256 header but is not the fixed shape: the general path refuses it too.
        #expect(cryptoError { _ = try PublicKey(spkiDER: Array(key.spkiDER.prefix(26)) + [0x02] + Array(
            key.spkiDER[27...])) }?.code == .invalidKey)
    }

    /// The fixed-shape import (EVP_PKEY_fromdata, raw Ed25519) gives the key, DER and kid OpenSSL's decoder does.
    @Test(arguments: [SignatureAlgorithm.es256, .eddsa])
    func fixedShapeImportMatchesOpenSSLsDecoder(_ algorithm: SignatureAlgorithm) throws {
        let privateKey = try PrivateKey.generate(algorithm)
        let generated = privateKey.publicKey
        let imported = try PublicKey(spkiDER: generated.spkiDER)
        #expect(imported.spkiDER == generated.spkiDER)
        #expect(imported.keyID == generated.keyID)
        #expect(imported.algorithm == algorithm)
        let message = Array("greenlane".utf8)
        #expect(imported.isValidSignature(try privateKey.sign(message), for: message))
        #expect(!imported.isValidSignature(try PrivateKey.generate(algorithm).sign(message), for: message))
    }
}
