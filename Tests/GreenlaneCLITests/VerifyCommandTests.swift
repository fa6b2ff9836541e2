import Foundation
import Testing

struct SampleCase: Decodable {
    var name: String
    var at: String
    var zone: String?
    var revocations: Bool
    var accepted: Bool
    var demo: Bool
    var checks: [String]
    var exit: Int32
}

func sampleCases() throws -> [SampleCase] {
    struct File: Decodable { var cases: [SampleCase] }
    let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/expected.json"))
    return try JSONDecoder().decode(File.self, from: data).cases
}

func arguments(for sample: SampleCase, json: Bool = false, lang: String = "vi") -> [String] {
    var arguments = ["verify", "--file", "Samples/codes/\(sample.name).txt", "--trust", "Keys/demo-trust.json",
                     "--at", sample.at, "--lang", lang]
    if let zone = sample.zone { arguments += ["--zone", zone] }
    if sample.revocations { arguments += ["--revocations", "Samples/codes/revocations.glr"] }
    if json { arguments.append("--json") }
    return arguments
}

@Suite struct VerifyCommandTests {
    @Test func everySampleGivesItsExitCodeAndReasons() throws {
        for sample in try sampleCases() {
            let result = try greenlane(arguments(for: sample))
            #expect(result.status == sample.exit, "\(sample.name): exit \(result.status)\n\(result.stdout)\(result.stderr)")
            if sample.accepted {
                #expect(result.stdout.contains("✔  HỢP LỆ — ĐƯỢC QUA CHỐT"), "\(sample.name)")
            } else {
                #expect(result.stdout.contains("✘  KHÔNG HỢP LỆ — KHÔNG ĐƯỢC QUA"), "\(sample.name)")
            }
            for check in sample.checks {
                #expect(result.stdout.contains("[\(check)]"), "\(sample.name): \(check) not shown")
            }
            #expect(result.stdout.contains("THẺ MẪU (DEMO)") == sample.demo, "\(sample.name): demo banner")
        }
    }

    @Test func jsonOutputCarriesChecksAndDemoFlag() throws {
        for sample in try sampleCases() {
            let result = try greenlane(arguments(for: sample, json: true))
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            #expect(object["accepted"] as? Bool == sample.accepted, "\(sample.name)")
            #expect(object["demo"] as? Bool == sample.demo, "\(sample.name)")
            let checks = (object["failures"] as! [[String: Any]]).map { $0["check"] as! String }
            #expect(checks == sample.checks, "\(sample.name)")
        }
    }

    @Test func acceptedPassShowsThePlateFirmDriverZonesAndValidity() throws {
        let sample = try sampleCases().first { $0.name == "valid-es256" }!
        let vi = try greenlane(arguments(for: sample)).stdout
        for text in ["29C-123.45", "VNPOST", "Nguyễn Văn An", "Ba Đình", "Đống Đa", "24/07/2021 00:00", "HN-000123",
                     "Ô tô tải nhẹ", "06:00-22:00 hằng ngày"] {
            #expect(vi.contains(text), "missing \(text) in\n\(vi)")
        }
        let en = try greenlane(arguments(for: sample, lang: "en")).stdout
        #expect(en.contains("VALID — MAY PASS"))
        #expect(en.contains("DEMO PASS"))
        #expect(en.contains("Light truck"))
    }

    @Test func batchFromStandardInputReportsTheWorstOutcome() throws {
        let valid = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/valid-es256.txt"), encoding: .utf8)
        let expired = "GL1:" + "ZZZ"
        let base = ["verify", "--trust", "Keys/demo-trust.json", "--at", "2021-07-26T10:00:00+07:00", "--zone", "ba-dinh",
                    "--json"]
        let good = try greenlane(base, stdin: valid + valid)
        #expect(good.status == 0)
        #expect(good.stdout.split(separator: "\n").count == 2)
        let mixed = try greenlane(base, stdin: valid + "\n" + expired + "\n")
        #expect(mixed.status == 2)
        #expect(mixed.stdout.split(separator: "\n").count == 2)
    }

    @Test func setupAndUsageErrorsHaveTheirOwnExitCodes() throws {
        let missing = try greenlane(["verify", "GL1:X", "--trust", "/nonexistent/trust.json"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("/nonexistent/trust.json"))
        let usage = try greenlane(["verify", "GL1:X", "--trust", "Keys/demo-trust.json", "--zone", "atlantis"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("atlantis"))
        let badTime = try greenlane(["verify", "GL1:X", "--trust", "Keys/demo-trust.json", "--at", "tomorrow"])
        #expect(badTime.status == 64)
    }

    @Test func inspectSaysItIsNotVerified() throws {
        let code = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/bad-signature.txt"), encoding: .utf8)
        let result = try greenlane(["inspect", code.trimmingCharacters(in: .whitespacesAndNewlines), "--lang", "en"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("⚠ NOT VERIFIED"))
        #expect(result.stdout.contains("29C-123.45"))
        #expect(result.stdout.contains("QR version"))
        let broken = try greenlane(["inspect", "GL1:%%%", "--lang", "en"])
        #expect(broken.status == 2)
    }
}

@Suite struct KeysCommandTests {
    @Test(arguments: ["es256", "eddsa"])
    func generateThenListThenVerifyAPassSignedByTheNewKey(alg: String) throws {
        let dir = try temporaryDirectory()
        let made = try greenlane(["keys", "generate", "--alg", alg, "--out", dir.path, "--name", "test",
                                  "--label", "Test key"])
        #expect(made.status == 0, "\(made.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("test.key.pem").path)
        #expect((attributes[.posixPermissions] as! NSNumber).intValue == 0o600)
        let listed = try greenlane(["keys", "list", "--trust", dir.appendingPathComponent("test.trust.json").path])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("Test key"))
        #expect(listed.stdout.contains(alg == "es256" ? "ES256" : "EdDSA"))
        // The kid printed by generate is the kid listed.
        let kid = made.stdout.split(separator: " ")[1]
        #expect(listed.stdout.contains(kid))
        // No command prints private key material.
        #expect(!made.stdout.contains("PRIVATE KEY") && !listed.stdout.contains("PRIVATE KEY"))
        let again = try greenlane(["keys", "generate", "--alg", alg, "--out", dir.path, "--name", "test"])
        #expect(again.status == 3, "must not overwrite an existing key")
    }

    @Test func passphraseComesFromEnvironmentOrFileNeverArgv() throws {
        let dir = try temporaryDirectory()
        let made = try greenlane(["keys", "generate", "--out", dir.path, "--passphrase-env", "GL_TEST_PASS"],
                                 environment: ["GL_TEST_PASS": "correct horse"])
        #expect(made.status == 0, "\(made.stderr)")
        let pem = try String(contentsOf: dir.appendingPathComponent("issuer.key.pem"), encoding: .utf8)
        #expect(pem.contains("BEGIN ENCRYPTED PRIVATE KEY"))
        let unset = try greenlane(["keys", "generate", "--out", dir.path, "--name", "x", "--passphrase-env", "GL_UNSET_X"])
        #expect(unset.status == 3)
        #expect(unset.stderr.contains("GL_UNSET_X"))
        let noFlag = try greenlane(["keys", "generate", "--out", dir.path, "--passphrase", "secret"])
        #expect(noFlag.status == 64)
    }

    @Test func listOfADemoTrustFileMarksDemoKeys() throws {
        let listed = try greenlane(["keys", "list", "--trust", "Keys/demo-trust.json"])
        #expect(listed.status == 0)
        #expect(listed.stdout.components(separatedBy: "[DEMO]").count == 3)
    }
}
