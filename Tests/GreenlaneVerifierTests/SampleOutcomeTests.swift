import Foundation
import GreenlaneFormat
import GreenlaneVerifier
import Testing

/// Samples/codes/expected.json says, for each sample code, what the verifier must answer.
struct ExpectedSamples: Decodable {
    struct Case: Decodable {
        var name: String
        var description: String
        var at: String
        var zone: String?
        var revocations: Bool
        var training: Bool
        var accepted: Bool
        var demo: Bool
        var checks: [String]
        var exit: Int32
        var verdict: String
        var signatureVerified: Bool
    }
    var trust: String
    var revocations: String
    var cases: [Case]

    static func load() throws -> ExpectedSamples {
        let data = try Data(contentsOf: URL(fileURLWithPath: repositoryPath("Samples/codes/expected.json")))
        return try JSONDecoder().decode(ExpectedSamples.self, from: data)
    }

    static func code(_ name: String) throws -> String {
        try String(contentsOfFile: repositoryPath("Samples/codes/\(name).txt"), encoding: .utf8)
    }
}

@Suite struct SampleOutcomeTests {
    @Test func everyVerifierOutcomeHasASample() throws {
        let expected = try ExpectedSamples.load()
        let checks = Set(expected.cases.flatMap(\.checks))
        for check in [
            "malformed-prefix", "malformed-base45", "malformed-zlib", "malformed-cbor", "malformed-cose",
            "malformed-claims", "unknown-kid", "algorithm-not-allowed", "algorithm-mismatch", "bad-signature",
            "not-yet-valid", "expired", "wrong-zone", "outside-time-window", "revoked",
            "non-canonical-signature", "non-canonical-compression",
        ] {
            #expect(checks.contains(check), "no sample for \(check)")
        }
        #expect(expected.cases.contains { $0.accepted })
        // A case for every verdict but cannot-confirm, which no check gives yet (the trust-file roles issue will).
        let verdicts = Set(expected.cases.map(\.verdict))
        for verdict in Verdict.all where verdict != .cannotConfirm {
            #expect(verdicts.contains(verdict.name), "no sample for the verdict \(verdict)")
        }
        for sample in expected.cases {
            let verdict = Verdict.all.first { $0.name == sample.verdict }
            #expect(verdict?.exitCode == sample.exit, "\(sample.name): verdict \(sample.verdict), exit \(sample.exit)")
        }
    }

    @Test func samplesGiveTheirExpectedOutcome() throws {
        let expected = try ExpectedSamples.load()
        let trust = try TrustSet.load(path: repositoryPath(expected.trust))
        let list = try VerifiedRevocationList.load(path: repositoryPath(expected.revocations), trust: trust)
        for sample in expected.cases {
            let verifier = PassVerifier(trust: trust, revocations: sample.revocations ? list : nil)
            let context = CheckpointContext(time: time(sample.at), district: sample.zone.flatMap(District.init))
            let result = verifier.verify(try ExpectedSamples.code(sample.name), context: context)
            #expect(result.isAccepted == sample.accepted, "\(sample.name): \(result.failures.map(\.check))")
            #expect(result.failures.map(\.check) == sample.checks, "\(sample.name)")
            #expect(result.isDemo == sample.demo, "\(sample.name): demo flag")
            #expect(result.isMalformed == (sample.exit == 2), "\(sample.name): malformed")
            #expect(result.verdict(training: sample.training).name == sample.verdict, "\(sample.name): verdict")
            #expect(result.signatureVerified == sample.signatureVerified, "\(sample.name): signatureVerified")
            if sample.accepted {
                #expect(result.verified?.isDemo == true)
                #expect(result.warnings.contains(.demoKey(label: result.signer!.label)), "\(sample.name)")
            } else {
                #expect(result.verified == nil)
            }
        }
    }

    @Test func typicalPassFitsQRVersion10AtLevelM() throws {
        let code = try ExpectedSamples.code("valid-es256").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(code.count <= 311, "typical pass is \(code.count) characters")
        #expect(QRCapacity.version(alphanumericCount: code.count)! <= 10)
        let eddsa = try ExpectedSamples.code("valid-eddsa").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(QRCapacity.version(alphanumericCount: eddsa.count)! <= 10)
    }
}
