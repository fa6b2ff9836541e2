import Foundation
import GreenlaneCrypto
import Testing

@Suite struct SignatureAlgorithmTests {
    @Test func coseIdentifiersMatchTheRegistry() {
        #expect(SignatureAlgorithm.es256.coseIdentifier == -7)
        #expect(SignatureAlgorithm.eddsa.coseIdentifier == -8)
        #expect(SignatureAlgorithm(coseIdentifier: -7) == .es256)
        #expect(SignatureAlgorithm(coseIdentifier: -8) == .eddsa)
        #expect(SignatureAlgorithm(coseIdentifier: -35) == nil)  // ES384 is not supported
        #expect(SignatureAlgorithm(coseIdentifier: 0) == nil)
    }

    @Test func namesAndLengths() throws {
        #expect(SignatureAlgorithm.es256.rawValue == "ES256")
        #expect(SignatureAlgorithm.eddsa.rawValue == "EdDSA")
        #expect(SignatureAlgorithm.allCases.map(\.signatureLength) == [64, 64])
        let json = try JSONEncoder().encode([SignatureAlgorithm.es256, .eddsa])
        #expect(String(decoding: json, as: UTF8.self) == #"["ES256","EdDSA"]"#)
        #expect(try JSONDecoder().decode([SignatureAlgorithm].self, from: json) == [.es256, .eddsa])
    }

    @Test func errorsCompareByCodeAndDescribeOpenSSLText() throws {
        let garbage = cryptoError { _ = try PublicKey(spkiDER: [0x30, 0x03, 0x02, 0x01, 0x01]) }
        let other = cryptoError { _ = try PublicKey(ed25519: [1, 2, 3]) }
        let error = try #require(garbage)
        #expect(error.code == .invalidKey)
        #expect(error == other)  // same code, different reasons
        // OpenSSL's own text is kept for diagnosis, not shown as the reason.
        let openSSL = try #require(error.underlying as? OpenSSLErrors)
        #expect(!openSSL.messages.isEmpty)
        #expect(error.description == error.reason)
        #expect(!error.description.contains(openSSL.messages[0]))
        #expect(error.diagnostic.contains(openSSL.messages[0]))
        #expect(error.origin.fileID.hasPrefix("GreenlaneCrypto/"))
        #expect(CryptoError.Code.invalidKey != .unsupportedKeyType)
    }
}
