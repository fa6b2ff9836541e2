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
        var trusts: [String]?
        var lists: [String]?
        var earlierLists: [String]?
        var earlierAt: String?
        var waiveRevocations: Bool?
        var warnings: [String]?
        var setupError: String?
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

    /// What the verifier answers for `sample`, as `greenlane verify` would run it with a fresh private state
    /// file; or the code of the error that refused the checkpoint's data first.
    func outcome(_ sample: Case) throws -> (result: VerificationResult?, setupError: String?) {
        do {
            let trust = try TrustSet.load(paths: (sample.trusts ?? [self.trust]).map(repositoryPath))
            let statePath = try temporaryDirectory().appendingPathComponent("state").path
            if let earlier = sample.earlierLists {
                let lists = try earlier.map { try VerifiedRevocationList.load(path: repositoryPath($0), trust: trust) }
                _ = try VerifierState.update(
                    path: statePath, admitting: lists, at: time(sample.earlierAt ?? sample.at), skew: 300)
            }
            let paths = sample.lists ?? (sample.revocations ? [revocations] : [])
            let lists = try paths.map { try VerifiedRevocationList.load(path: repositoryPath($0), trust: trust) }
            let state = lists.isEmpty
                ? try VerifierState.read(path: statePath)
                : try VerifierState.update(path: statePath, admitting: lists, at: time(sample.at), skew: 300)
            let verifier = PassVerifier(trust: trust, revocationLists: lists, newestSignedTime: state.newestSignedTime)
            let context = CheckpointContext(
                time: time(sample.at), district: sample.zone.flatMap(District.init),
                revocationCheckWaived: sample.waiveRevocations ?? false)
            return (verifier.verify(try ExpectedSamples.code(sample.name), context: context), nil)
        } catch let error as VerifierError {
            return (nil, error.code.name)
        }
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
        let verdicts = Set(expected.cases.map(\.verdict))
        for verdict in Verdict.all {
            #expect(verdicts.contains(verdict.name), "no sample for the verdict \(verdict)")
        }
        // Every attack on the checkpoint's own data (issue 11) has its case.
        let warnings = Set(expected.cases.flatMap { $0.warnings ?? [] })
        for warning in [
            "revocation-list-not-applicable", "revocation-list-from-future", "ageing-revocation-list",
            "stale-revocation-list", "no-revocation-list", "revocation-check-waived", "zone-not-checked", "clock-behind",
        ] {
            #expect(warnings.contains(warning), "no sample for \(warning)")
        }
        #expect(checks.contains("key-lifetime") && checks.contains("key-role"))
        let names = Set(expected.cases.map(\.name))
        for name in [
            "real-demo-signed-empty-list", "real-other-issuer-list", "real-older-list-rollback", "real-future-list",
            "real-list-in-grace", "real-list-after-grace", "real-no-list", "real-no-zone", "retired-key-2099",
            "trust-unknown-member", "trust-misspelt-member", "trust-duplicate-member", "trust-second-key",
            "trust-wrong-type", "trust-unknown-role", "trust-v1-without-issuer", "trust-v1-with-roles",
            "trust-repeated-kid", "legacy-trust-v1",
        ] {
            #expect(names.contains(name), "no sample \(name)")
        }
        for sample in expected.cases where sample.setupError == nil {
            let verdict = Verdict.all.first { $0.name == sample.verdict }
            #expect(verdict?.exitCode == sample.exit, "\(sample.name): verdict \(sample.verdict), exit \(sample.exit)")
        }
    }

    @Test func samplesGiveTheirExpectedOutcome() throws {
        let expected = try ExpectedSamples.load()
        for sample in expected.cases {
            let (outcome, setupError) = try expected.outcome(sample)
            #expect(setupError == sample.setupError, "\(sample.name): setup error")
            guard let result = outcome else {
                #expect(sample.exit == 3, "\(sample.name)")
                continue
            }
            if let warnings = sample.warnings {
                #expect(result.warnings.filter { !$0.isDemoKey }.map(\.check) == warnings, "\(sample.name): warnings")
            }
            #expect(result.isAccepted == sample.accepted, "\(sample.name): \(result.failures.map(\.check))")
            #expect(result.failures.map(\.check) == sample.checks, "\(sample.name)")
            #expect(result.isDemo == sample.demo, "\(sample.name): demo flag")
            #expect(result.isMalformed == (sample.exit == 2), "\(sample.name): malformed")
            #expect(result.verdict(training: sample.training).name == sample.verdict, "\(sample.name): verdict")
            #expect(result.signatureVerified == sample.signatureVerified, "\(sample.name): signatureVerified")
            if sample.accepted {
                #expect(result.verified?.isDemo == sample.demo, "\(sample.name)")
                #expect(result.warnings.contains(.demoKey(label: result.signer!.label)) == sample.demo, "\(sample.name)")
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
