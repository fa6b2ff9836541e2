import Foundation
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneVerifier
import Testing

@Suite struct DemoKeyTests {
    @Test func thePublishedDemoKidsAreTheKidsOfTheKeysInKeys() throws {
        var kids: Set<[UInt8]> = []
        for name in ["demo-es256", "demo-eddsa"] {
            let pem = try String(contentsOfFile: repositoryPath("Keys/\(name).pub.pem"), encoding: .utf8)
            kids.insert(try PublicKey(pem: pem).keyID)
        }
        #expect(kids == DemoKeys.keyIDs)
    }

    @Test(arguments: ["false", nil, "\"yes\""])
    func aTrustFileListingADemoKeyAsRealIsRefusedNamingTheKid(flag: String?) throws {
        var text = try String(contentsOfFile: repositoryPath("Keys/demo-trust.json"), encoding: .utf8)
        if let flag {
            text = text.replacingOccurrences(of: "\"demo\": true", with: "\"demo\": \(flag)")
        } else {
            text = text.replacingOccurrences(of: "\"demo\": true,", with: "\"dmeo\": true,")  // misspelt: refused
        }
        #expect(!text.contains("\"demo\": true"))
        do {
            _ = try TrustSet(trustFile: Array(text.utf8))
            Issue.record("a trust file listing the demo keys as real was accepted (demo: \(flag ?? "misspelt"))")
        } catch {
            if flag == "\"yes\"" {
                #expect(error.code == .invalidTrustFile)  // not a boolean at all
            } else if flag == nil {
                // Foundation's decoder ignored the misspelt member; the strict reader names it.
                #expect(error.code == .invalidTrustFile && error.reason.contains("'dmeo'"), "\(error.reason)")
            } else {
                #expect(error.code == .demoKeyNotFlagged)
                #expect(error.reason.contains("cdb443c99249ef11"), "\(error.reason)")
            }
        }
    }

    @Test func aDemoKeyIsDemoWhateverTheCallerSays() throws {
        let key = try demoKey("demo-es256")
        let trusted = TrustedKey(publicKey: key.publicKey, label: "looks real", isDemo: false)
        #expect(trusted.isDemo)
        let other = try PrivateKey.generate(.es256)
        #expect(!TrustedKey(publicKey: other.publicKey, label: "real").isDemo)
    }

    @Test func aDemoPassGetsTheDemoVerdictUnlessInTraining() throws {
        let key = try demoKey("demo-es256")
        let trust = try TrustSet(keys: [TrustedKey(publicKey: key.publicKey, label: "demo as real", isDemo: false)])
        let code = try PassSigner(key: key).passCode(for: try sampleClaims())
        var waived = sampleContext
        waived.revocationCheckWaived = true
        let result = PassVerifier(trust: trust).verify(code, context: waived)
        #expect(result.isAccepted && result.isDemo && result.signatureVerified)
        #expect(result.verdict() == .demo && result.verdict().exitCode == 5)
        #expect(result.verdict(training: true) == .valid)
        // Expired and demo: still demo outside training (it is not a real pass at all); not valid in training.
        var late = sampleContext
        late.time = time("2021-09-01T10:00:00+07:00")
        let expired = PassVerifier(trust: trust).verify(code, context: late)
        #expect(expired.verdict() == .demo)
        #expect(expired.verdict(training: true) == .notValid)
    }

    @Test func aForgedCodeNamingTheDemoKidIsNotValidNotDemo() throws {
        let code = try String(contentsOfFile: repositoryPath("Samples/codes/bad-signature.txt"), encoding: .utf8)
        let result = PassVerifier(trust: try demoTrust()).verify(code, context: sampleContext)
        #expect(!result.signatureVerified)
        #expect(result.verdict() == .notValid && result.verdict(training: true) == .notValid)
    }
}
