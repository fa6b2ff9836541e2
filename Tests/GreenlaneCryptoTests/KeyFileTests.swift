import Foundation
import GreenlaneCrypto
import Testing

@Suite struct KeyFileTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func writeThenLoad(_ algorithm: SignatureAlgorithm) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("signing.key")
        let key = try PrivateKey.generate(algorithm)
        try key.write(to: path, passphrase: Array("pw".utf8))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(
            String(decoding: try directory.read("signing.key"), as: UTF8.self).hasPrefix(
                "-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        let loaded = try PrivateKey.load(path: path, passphrase: Array("pw".utf8))
        #expect(loaded.publicKey == key.publicKey)
        let error = cryptoError { _ = try PrivateKey.load(path: path, passphrase: Array("nope".utf8)) }
        #expect(error?.code == .wrongPassphrase)
        #expect(error?.reason.contains(path) == true)
    }

    @Test func writeRefusesToOverwrite() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("existing.key", Array("keep me".utf8))
        let error = cryptoError { try PrivateKey.generate(.eddsa).write(to: path, passphrase: nil) }
        #expect(error?.code == .fileExists)
        #expect(try directory.read("existing.key") == Array("keep me".utf8))
    }

    @Test func writeIntoMissingDirectoryFails() throws {
        let directory = try TemporaryDirectory()
        let error = cryptoError {
            try PrivateKey.generate(.eddsa).write(to: directory.path("no/such.key"), passphrase: nil)
        }
        #expect(error?.code == .fileUnwritable)
    }

    @Test func insecureModeIsRefused() throws {
        let directory = try TemporaryDirectory()
        let pem = Array(try PrivateKey.generate(.es256).pkcs8PEM(passphrase: nil).utf8)
        let path = try directory.write("open.key", pem, mode: 0o644)
        let error = try #require(cryptoError { _ = try PrivateKey.load(path: path, passphrase: nil) })
        #expect(error.code == .insecureKeyFile)
        #expect(error.reason.contains(path))
        #expect(error.reason.contains("0644"))
        #expect(error.reason.contains("chmod 600 \(path)"))
        for mode in [0o640, 0o604, 0o620, 0o602, 0o660] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            #expect(cryptoError { _ = try PrivateKey.load(path: path, passphrase: nil) }?.code == .insecureKeyFile)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try PrivateKey.load(path: path, passphrase: nil).algorithm == .es256)
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
        #expect(try PrivateKey.load(path: path, passphrase: nil).algorithm == .es256)
    }

    @Test func missingFileIsUnreadable() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("absent.key")
        let error = cryptoError { _ = try PrivateKey.load(path: path, passphrase: nil) }
        #expect(error?.code == .fileUnreadable)
        #expect(error?.reason.contains(path) == true)
        #expect(
            cryptoError { _ = try PrivateKey.load(path: directory.url.path, passphrase: nil) }?.code == .fileUnreadable
        )
    }

    @Test func loadReportsPathForBadContent() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("pub.pem", Array(try PrivateKey.generate(.eddsa).publicKey.pem.utf8))
        let error = cryptoError { _ = try PrivateKey.load(path: path, passphrase: nil) }
        #expect(error?.code == .notAPrivateKey)
        #expect(error?.reason.contains(path) == true)
    }
}
