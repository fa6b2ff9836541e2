import Foundation
import GreenlaneCrypto
import Testing

@Suite struct PrivateKeyPEMTests {
    static let passphrase = Array("correct horse battery staple".utf8)
    static let message = Array("round trip".utf8)

    @Test(arguments: SignatureAlgorithm.allCases)
    func plainRoundTrip(_ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let pem = try key.pkcs8PEM(passphrase: nil)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let loaded = try PrivateKey(pem: Array(pem.utf8), passphrase: nil)
        #expect(loaded.algorithm == algorithm)
        #expect(loaded.publicKey == key.publicKey)
        #expect(key.publicKey.isValidSignature(try loaded.sign(Self.message), for: Self.message))
        // A passphrase given for an unencrypted key is simply unused.
        #expect(try PrivateKey(pem: Array(pem.utf8), passphrase: Self.passphrase).publicKey == key.publicKey)
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func encryptedRoundTrip(_ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let pem = try key.pkcs8PEM(passphrase: Self.passphrase)
        #expect(pem.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"))
        let loaded = try PrivateKey(pem: Array(pem.utf8), passphrase: Self.passphrase)
        #expect(loaded.publicKey == key.publicKey)
        #expect(key.publicKey.isValidSignature(try loaded.sign(Self.message), for: Self.message))
    }

    @Test func encryptedWithAES256CBC() throws {
        let directory = try TemporaryDirectory()
        let pem = try PrivateKey.generate(.es256).pkcs8PEM(passphrase: Self.passphrase)
        let path = try directory.write("key.pem", Array(pem.utf8))
        let dump = try openssl(["asn1parse", "-in", path])
        #expect(dump.output.contains("aes-256-cbc"), "\(dump.output)")
    }

    @Test func binaryPassphraseRoundTrip() throws {
        let passphrase: [UInt8] = [0x00, 0xFF, 0x0A, 0x41, 0x00]
        let key = try PrivateKey.generate(.eddsa)
        let pem = Array(try key.pkcs8PEM(passphrase: passphrase).utf8)
        #expect(try PrivateKey(pem: pem, passphrase: passphrase).publicKey == key.publicKey)
        // Bytes after a NUL count: the passphrase is not treated as a C string.
        let wrong: [UInt8] = [0x00, 0xFE, 0x0A, 0x41, 0x00]
        #expect(cryptoError { _ = try PrivateKey(pem: pem, passphrase: wrong) }?.code == .wrongPassphrase)
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func wrongPassphrase(_ algorithm: SignatureAlgorithm) throws {
        let pem = Array(try PrivateKey.generate(algorithm).pkcs8PEM(passphrase: Self.passphrase).utf8)
        let error = try #require(cryptoError { _ = try PrivateKey(pem: pem, passphrase: Array("wrong".utf8)) })
        #expect(error.code == .wrongPassphrase)
        #expect(!error.description.contains("correct horse"))
    }

    @Test func missingPassphrase() throws {
        let pem = Array(try PrivateKey.generate(.es256).pkcs8PEM(passphrase: Self.passphrase).utf8)
        #expect(cryptoError { _ = try PrivateKey(pem: pem, passphrase: nil) }?.code == .passphraseRequired)
    }

    @Test func truncatedPEM() throws {
        let pem = Array(try PrivateKey.generate(.es256).pkcs8PEM(passphrase: nil).utf8)
        let error = try #require(
            cryptoError { _ = try PrivateKey(pem: Array(pem.prefix(pem.count / 2)), passphrase: nil) })
        #expect(error.code == .truncatedPEM)
        let encrypted = Array(try PrivateKey.generate(.es256).pkcs8PEM(passphrase: Self.passphrase).utf8)
        #expect(
            cryptoError { _ = try PrivateKey(pem: Array(encrypted.prefix(100)), passphrase: Self.passphrase) }?.code
                == .truncatedPEM)
    }

    @Test func corruptBodyIsInvalidKey() throws {
        // Lines missing from the middle (END line intact): valid base64, but not a valid key.
        var lines = try PrivateKey.generate(.es256).pkcs8PEM(passphrase: nil).split(separator: "\n")
        lines.remove(at: 1)
        let pem = Array(lines.joined(separator: "\n").utf8)
        #expect(cryptoError { _ = try PrivateKey(pem: pem, passphrase: nil) }?.code == .invalidKey)
        // Characters outside base64.
        let bad = Array("-----BEGIN PRIVATE KEY-----\nnot*base64!\n-----END PRIVATE KEY-----\n".utf8)
        #expect(cryptoError { _ = try PrivateKey(pem: bad, passphrase: nil) }?.code == .malformedPEM)
    }

    @Test func publicKeyPEMIsNotAPrivateKey() throws {
        let pem = Array(try PrivateKey.generate(.es256).publicKey.pem.utf8)
        let error = try #require(cryptoError { _ = try PrivateKey(pem: pem, passphrase: nil) })
        #expect(error.code == .notAPrivateKey)
        #expect(error.reason.contains("public key"))
    }

    @Test func garbageIsMalformed() {
        #expect(
            cryptoError { _ = try PrivateKey(pem: Array("hello world".utf8), passphrase: nil) }?.code == .malformedPEM)
        #expect(cryptoError { _ = try PrivateKey(pem: [], passphrase: nil) }?.code == .malformedPEM)
        #expect(
            cryptoError { _ = try PrivateKey(pem: [0x30, 0x82, 0x01, 0x00], passphrase: nil) }?.code == .malformedPEM)
    }

    @Test func errorCodesAreDistinct() throws {
        let plain = Array(try PrivateKey.generate(.es256).pkcs8PEM(passphrase: nil).utf8)
        let encrypted = Array(try PrivateKey.generate(.es256).pkcs8PEM(passphrase: Self.passphrase).utf8)
        let publicPEM = Array(try PrivateKey.generate(.es256).publicKey.pem.utf8)
        let codes = [
            cryptoError { _ = try PrivateKey(pem: encrypted, passphrase: Array("x".utf8)) }?.code,
            cryptoError { _ = try PrivateKey(pem: encrypted, passphrase: nil) }?.code,
            cryptoError { _ = try PrivateKey(pem: Array(plain.prefix(60)), passphrase: nil) }?.code,
            cryptoError { _ = try PrivateKey(pem: publicPEM, passphrase: nil) }?.code,
            cryptoError { _ = try PrivateKey(pem: Array("garbage".utf8), passphrase: nil) }?.code,
        ]
        #expect(codes == [.wrongPassphrase, .passphraseRequired, .truncatedPEM, .notAPrivateKey, .malformedPEM])
    }

    @Test func traditionalECPrivateKey() throws {
        let directory = try TemporaryDirectory()
        let keyPath = directory.path("ec.pem")
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-out", keyPath])  // EC PARAMETERS + EC PRIVATE KEY
        let pem = try directory.read("ec.pem")
        #expect(String(decoding: pem, as: UTF8.self).contains("-----BEGIN EC PRIVATE KEY-----"))
        let key = try PrivateKey(pem: pem, passphrase: nil)
        #expect(key.algorithm == .es256)
        try openssl(["pkey", "-in", keyPath, "-pubout", "-out", directory.path("pub.pem")])
        let expected = try PublicKey(pem: String(decoding: try directory.read("pub.pem"), as: UTF8.self))
        #expect(key.publicKey == expected)

        // Traditional encryption (Proc-Type/DEK-Info headers).
        let encryptedPath = directory.path("ec-enc.pem")
        try openssl(["ec", "-in", keyPath, "-aes256", "-passout", "pass:secret", "-out", encryptedPath])
        let encrypted = try directory.read("ec-enc.pem")
        #expect(String(decoding: encrypted, as: UTF8.self).contains("DEK-Info"))
        #expect(try PrivateKey(pem: encrypted, passphrase: Array("secret".utf8)).publicKey == expected)
        #expect(cryptoError { _ = try PrivateKey(pem: encrypted, passphrase: nil) }?.code == .passphraseRequired)
        #expect(
            cryptoError { _ = try PrivateKey(pem: encrypted, passphrase: Array("nope".utf8)) }?.code
                == .wrongPassphrase)
    }

    @Test func otherKeyTypesAreUnsupported() throws {
        let directory = try TemporaryDirectory()
        try openssl([
            "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", directory.path("p384.pem"),
        ])
        try openssl(["genpkey", "-algorithm", "ED448", "-out", directory.path("ed448.pem")])
        try openssl([
            "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", directory.path("rsa.pem"),
        ])
        try openssl(["rsa", "-in", directory.path("rsa.pem"), "-traditional", "-out", directory.path("rsa-trad.pem")])
        for name in ["p384.pem", "ed448.pem", "rsa.pem", "rsa-trad.pem"] {
            let error = cryptoError { _ = try PrivateKey(pem: try directory.read(name), passphrase: nil) }
            #expect(error?.code == .unsupportedKeyType, "\(name): \(String(describing: error))")
        }
        try openssl(["pkey", "-in", directory.path("p384.pem"), "-pubout", "-out", directory.path("p384-pub.pem")])
        let publicPEM = String(decoding: try directory.read("p384-pub.pem"), as: UTF8.self)
        #expect(cryptoError { _ = try PublicKey(pem: publicPEM) }?.code == .unsupportedKeyType)
    }

    @Test func overlongPassphraseIsRefused() throws {
        let key = try PrivateKey.generate(.eddsa)
        let long = [UInt8](repeating: 0x61, count: 2000)
        #expect(cryptoError { _ = try key.pkcs8PEM(passphrase: long) }?.code == .invalidPassphrase)
    }
}
