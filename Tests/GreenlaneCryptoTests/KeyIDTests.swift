import Foundation
import GreenlaneCrypto
import Testing

@Suite struct KeyIDTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func keyIDMatchesOpenSSLCommandLine(_ algorithm: SignatureAlgorithm) throws {
        let directory = try TemporaryDirectory()
        let key = try PrivateKey.generate(algorithm).publicKey
        let pemPath = try directory.write("pub.pem", Array(key.pem.utf8))
        let derPath = directory.path("pub.der")
        try openssl(["pkey", "-pubin", "-in", pemPath, "-outform", "DER", "-out", derPath])
        let der = try directory.read("pub.der")
        #expect(der == key.spkiDER)
        let digest = try openssl(["dgst", "-sha256", "-r", derPath]).output
        let expected = String(digest.prefix(16))
        #expect(hexString(key.keyID) == expected)
        #expect(key.keyID.count == 8)
    }
}
