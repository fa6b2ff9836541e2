import Foundation
import GreenlaneCrypto
import Testing

/// Both directions against the `openssl` command line, so our COSE-form signatures are known to be
/// the standard ones and not merely self-consistent.
@Suite struct OpenSSLCrossCheckTests {
    static let message = Array("GL1:cross-check message \u{00e9}\n".utf8)

    @Test func ourEd25519SignatureVerifiesWithOpenSSL() throws {
        let directory = try TemporaryDirectory()
        let key = try PrivateKey.generate(.eddsa)
        let publicPath = try directory.write("pub.pem", Array(key.publicKey.pem.utf8))
        let messagePath = try directory.write("msg.bin", Self.message)
        let signature = try key.sign(Self.message)
        let signaturePath = try directory.write("sig.bin", signature)
        let ok = try openssl([
            "pkeyutl", "-verify", "-pubin", "-inkey", publicPath, "-rawin", "-in", messagePath, "-sigfile",
            signaturePath,
        ])
        #expect(ok.output.contains("Signature Verified Successfully"))
        // The CLI must reject a tampered signature (shows the check can fail).
        var bad = signature
        bad[10] ^= 1
        let badPath = try directory.write("bad.bin", bad)
        let rejected = try openssl(
            ["pkeyutl", "-verify", "-pubin", "-inkey", publicPath, "-rawin", "-in", messagePath, "-sigfile", badPath],
            expectSuccess: false)
        #expect(rejected.status != 0)
    }

    @Test func ourES256SignatureVerifiesWithOpenSSL() throws {
        let directory = try TemporaryDirectory()
        let key = try PrivateKey.generate(.es256)
        let publicPath = try directory.write("pub.pem", Array(key.publicKey.pem.utf8))
        let messagePath = try directory.write("msg.bin", Self.message)
        for round in 0..<5 {  // several signatures, so r or s with a high bit / leading zero get exercised
            let raw = try key.sign(Self.message)
            let signaturePath = try directory.write("sig\(round).der", IndependentDER.ecdsaSignature(raw: raw))
            let ok = try openssl(["dgst", "-sha256", "-verify", publicPath, "-signature", signaturePath, messagePath])
            #expect(ok.output.contains("Verified OK"))
        }
        var raw = try key.sign(Self.message)
        raw[40] ^= 1
        let badPath = try directory.write("bad.der", IndependentDER.ecdsaSignature(raw: raw))
        let rejected = try openssl(
            ["dgst", "-sha256", "-verify", publicPath, "-signature", badPath, messagePath], expectSuccess: false)
        #expect(rejected.status != 0)
    }

    /// The issuer's low-S signatures are ordinary ECDSA: the openssl command line verifies them, and its own
    /// signatures (high S about half the time) still verify with us, so low S costs no interoperability.
    @Test func ourLowSSignatureVerifiesWithOpenSSL() throws {
        let directory = try TemporaryDirectory()
        let key = try PrivateKey.generate(.es256)
        let publicPath = try directory.write("pub.pem", Array(key.publicKey.pem.utf8))
        let messagePath = try directory.write("msg.bin", Self.message)
        let halfOrder = hex("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8")
        for round in 0..<8 {
            let raw = try key.sign(Self.message)
            #expect(!halfOrder.lexicographicallyPrecedes(raw[32...]), "s is above n/2")
            #expect(!SignatureAlgorithm.es256.isNonCanonical(signature: raw))
            let signaturePath = try directory.write("low\(round).der", IndependentDER.ecdsaSignature(raw: raw))
            let ok = try openssl(["dgst", "-sha256", "-verify", publicPath, "-signature", signaturePath, messagePath])
            #expect(ok.output.contains("Verified OK"))
        }
    }

    /// Key generation options for `openssl genpkey`, per algorithm.
    static func genpkeyArguments(_ algorithm: SignatureAlgorithm) -> [String] {
        switch algorithm {
        case .es256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
        case .eddsa: ["-algorithm", "ED25519"]
        }
    }

    @Test(arguments: SignatureAlgorithm.allCases, [false, true])
    func openSSLSignatureVerifiesWithUs(_ algorithm: SignatureAlgorithm, encrypted: Bool) throws {
        let directory = try TemporaryDirectory()
        let keyPath = directory.path("key.pem")
        let publicPath = directory.path("pub.pem")
        let messagePath = try directory.write("msg.bin", Self.message)
        let signaturePath = directory.path("sig.bin")
        let pass = "pass:s3cret passphrase"
        try openssl(
            ["genpkey"] + Self.genpkeyArguments(algorithm) + (encrypted ? ["-aes256", "-pass", pass] : [])
                + ["-out", keyPath])
        try openssl(["pkey", "-in", keyPath, "-pubout", "-out", publicPath] + (encrypted ? ["-passin", pass] : []))
        let passin = encrypted ? ["-passin", pass] : []
        switch algorithm {
        case .es256:
            try openssl(["dgst", "-sha256", "-sign", keyPath, "-out", signaturePath] + passin + [messagePath])
        case .eddsa:
            try openssl(
                ["pkeyutl", "-sign", "-inkey", keyPath, "-rawin", "-in", messagePath, "-out", signaturePath]
                    + passin)
        }
        let cliSignature = try directory.read("sig.bin")
        let signature =
            algorithm == .es256 ? try #require(IndependentDER.rawSignature(der: cliSignature)) : cliSignature
        #expect(signature.count == 64)

        // The CLI's public key file, and the public half of the CLI's private key file, both verify.
        let publicKey = try PublicKey(pem: String(decoding: try directory.read("pub.pem"), as: UTF8.self))
        #expect(publicKey.algorithm == algorithm)
        #expect(publicKey.isValidSignature(signature, for: Self.message))
        #expect(!publicKey.isValidSignature(signature, for: Self.message.dropLast() + [0]))

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
        let keyPEM = try directory.read("key.pem")
        #expect(
            String(decoding: keyPEM, as: UTF8.self).contains(encrypted ? "ENCRYPTED PRIVATE KEY" : "BEGIN PRIVATE KEY")
        )
        let passphrase = encrypted ? Array("s3cret passphrase".utf8) : nil
        let privateKey = try PrivateKey.load(path: keyPath, passphrase: passphrase)
        #expect(privateKey.publicKey == publicKey)
        #expect(privateKey.publicKey.isValidSignature(signature, for: Self.message))
        if encrypted {
            #expect(
                cryptoError { _ = try PrivateKey.load(path: keyPath, passphrase: nil) }?.code == .passphraseRequired)
            #expect(
                cryptoError { _ = try PrivateKey.load(path: keyPath, passphrase: Array("x".utf8)) }?.code
                    == .wrongPassphrase)
        }
        // And our signature with the CLI's key verifies with our public key built from the CLI's file.
        #expect(publicKey.isValidSignature(try privateKey.sign(Self.message), for: Self.message))
    }

    @Test func ourEncryptedKeyFileIsReadableByOpenSSL() throws {
        let directory = try TemporaryDirectory()
        let key = try PrivateKey.generate(.es256)
        let keyPath = directory.path("key.pem")
        try key.write(to: keyPath, passphrase: Array("hunter2".utf8))
        try openssl(["pkey", "-in", keyPath, "-passin", "pass:hunter2", "-pubout", "-out", directory.path("pub.pem")])
        #expect(try PublicKey(pem: String(decoding: try directory.read("pub.pem"), as: UTF8.self)) == key.publicKey)
        let wrong = try openssl(["pkey", "-in", keyPath, "-passin", "pass:hunter3", "-noout"], expectSuccess: false)
        #expect(wrong.status != 0)
    }
}
