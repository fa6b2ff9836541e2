import GreenlaneCrypto
import Testing

@Suite struct TestVectorTests {
    /// RFC 8032 §7.1, TEST 1.
    @Test func ed25519RFC8032Vector1() throws {
        let key = try PrivateKey(ed25519Seed: hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        #expect(key.algorithm == .eddsa)
        let expectedPublic = try PublicKey(
            ed25519: hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
        #expect(key.publicKey == expectedPublic)
        let signature = try key.sign([])
        let expected =
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        #expect(hexString(signature) == expected)
        #expect(expectedPublic.isValidSignature(signature, for: []))
        #expect(!expectedPublic.isValidSignature(signature, for: [0]))
    }

    /// RFC 6979 §A.2.5: P-256 key, message "sample", SHA-256.
    static let p256D = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"
    static let p256X = "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    static let p256Y = "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
    static let sampleSignature =
        "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
        + "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"

    @Test func p256ScalarDerivesThePublicPoint() throws {
        let key = try PrivateKey(p256D: hex(Self.p256D))
        #expect(key.algorithm == .es256)
        let expected = try PublicKey(p256X: hex(Self.p256X), y: hex(Self.p256Y))
        #expect(key.publicKey == expected)
        #expect(Array(key.publicKey.spkiDER.suffix(64)) == hex(Self.p256X + Self.p256Y))
        let signature = try key.sign(Array("sample".utf8))
        #expect(expected.isValidSignature(signature, for: Array("sample".utf8)))
    }

    @Test func p256RFC6979SignatureVerifies() throws {
        let key = try PublicKey(p256X: hex(Self.p256X), y: hex(Self.p256Y))
        #expect(key.isValidSignature(hex(Self.sampleSignature), for: Array("sample".utf8)))
        #expect(!key.isValidSignature(hex(Self.sampleSignature), for: Array("Sample".utf8)))
    }

    @Test func invalidScalarsAndSeedsAreRejected() {
        #expect(cryptoError { _ = try PrivateKey(p256D: [UInt8](repeating: 0, count: 32)) }?.code == .invalidKey)
        // ≥ the group order n.
        #expect(cryptoError { _ = try PrivateKey(p256D: [UInt8](repeating: 0xFF, count: 32)) }?.code == .invalidKey)
        #expect(cryptoError { _ = try PrivateKey(p256D: hex(Self.p256D) + [0]) }?.code == .invalidKey)
        #expect(cryptoError { _ = try PrivateKey(ed25519Seed: [UInt8](repeating: 1, count: 31)) }?.code == .invalidKey)
    }
}
