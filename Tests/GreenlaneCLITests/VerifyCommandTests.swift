import Foundation
import Testing

struct SampleCase: Decodable {
    var name: String
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

/// The banner line of each verdict, in Vietnamese (plain style).
let vietnameseBanner = [
    "valid": "✔  HỢP LỆ — ĐƯỢC QUA CHỐT", "not-valid": "✘  KHÔNG HỢP LỆ — KHÔNG ĐƯỢC QUA",
    "cannot-read": "?  KHÔNG ĐỌC ĐƯỢC MÃ — HÃY QUÉT LẠI", "not-greenlane": "?  KHÔNG PHẢI MÃ THẺ LUỒNG XANH",
    "cannot-confirm": "!  CHƯA XÁC NHẬN ĐƯỢC — DỮ LIỆU CỦA CHỐT CÓ VẤN ĐỀ", "valid-ageing": "✔  HỢP LỆ — DỮ LIỆU SẮP CŨ: HÃY ĐỒNG BỘ", "demo": "⚠  THẺ MẪU (DEMO) — KHÔNG PHẢI THẺ THẬT, KHÔNG ĐƯỢC QUA",
]

func sampleCases() throws -> [SampleCase] {
    struct File: Decodable { var cases: [SampleCase] }
    let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/expected.json"))
    return try JSONDecoder().decode(File.self, from: data).cases
}

func arguments(for sample: SampleCase, json: Bool = false, lang: String = "vi", earlier: Bool = false) -> [String] {
    var arguments = ["verify", "--file", "Samples/codes/\(sample.name).txt", "--lang", lang]
    for trust in sample.trusts ?? ["Keys/demo-trust.json"] { arguments += ["--trust", trust] }
    arguments += ["--at", earlier ? sample.earlierAt ?? sample.at : sample.at]
    if let zone = sample.zone { arguments += ["--zone", zone] }
    let lists = earlier ? sample.earlierLists ?? [] : sample.lists ?? (sample.revocations ? ["Samples/codes/revocations.glr"] : [])
    for list in lists { arguments += ["--revocations", list] }
    if sample.waiveRevocations == true && !earlier { arguments.append("--waive-revocations") }
    if sample.training { arguments.append("--training") }
    if json { arguments.append("--json") }
    return arguments
}

/// Runs `greenlane verify` for a sample with a fresh private state file, after the sample's earlier run if any.
func verifySample(_ sample: SampleCase, json: Bool = false, lang: String = "vi") throws -> CLIResult {
    let state = ["GREENLANE_VERIFIER_STATE": try temporaryDirectory().appendingPathComponent("state").path]
    if sample.earlierLists != nil { try greenlane(arguments(for: sample, earlier: true), environment: state) }
    return try greenlane(arguments(for: sample, json: json, lang: lang), environment: state)
}

@Suite struct VerifyCommandTests {
    @Test func everySampleGivesItsExitCodeAndReasons() throws {
        for sample in try sampleCases() {
            let result = try verifySample(sample)
            #expect(result.status == sample.exit, "\(sample.name): exit \(result.status)\n\(result.stdout)\(result.stderr)")
            if sample.setupError != nil {
                #expect(result.stdout.isEmpty && !result.stderr.isEmpty, "\(sample.name): a refusal, on standard error")
                continue
            }
            let lines = result.stdout.split(separator: "\n").map(String.init)
            let ageing = sample.warnings?.contains("ageing-revocation-list") == true
            let banner = vietnameseBanner[ageing ? "valid-ageing" : sample.verdict]!
            #expect(lines.count > 2 && lines[1] == "  " + banner, "\(sample.name)")
            if sample.verdict == "cannot-confirm" {
                #expect(result.stdout.contains("Chỉ dẫn của đơn vị cấp thẻ: DEMO: cho qua"), "\(sample.name): instruction")
            }
            for warning in sample.warnings ?? [] {
                #expect(result.stdout.contains("[\(warning)]"), "\(sample.name): \(warning) not shown")
            }
            // Only a code whose signature did not verify reads as unverified; a signed one names its key.
            #expect(result.stdout.contains("CHƯA được xác thực") == (!sample.signatureVerified && sample.exit == 1),
                    "\(sample.name): NOT verified block")
            if sample.signatureVerified && sample.exit != 2 {
                #expect(result.stdout.contains(sample.accepted && sample.exit == 0 ? "Ký bởi " : "nhưng hiện không hợp lệ:"),
                        "\(sample.name): signed-by heading")
            }
            for check in sample.checks {
                #expect(result.stdout.contains("[\(check)]"), "\(sample.name): \(check) not shown")
            }
            #expect(result.stdout.contains("THẺ MẪU (DEMO)") == sample.demo, "\(sample.name): demo banner")
        }
    }

    @Test func jsonOutputCarriesChecksAndDemoFlag() throws {
        for sample in try sampleCases() {
            let result = try verifySample(sample, json: true)
            if sample.setupError != nil { continue }
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            #expect(object["accepted"] as? Bool == sample.accepted, "\(sample.name)")
            #expect(object["verdict"] as? String == sample.verdict, "\(sample.name)")
            #expect(object["exit"] as? Int == Int(sample.exit), "\(sample.name)")
            #expect(object["signatureVerified"] as? Bool == sample.signatureVerified, "\(sample.name)")
            #expect(object["verified"] == nil, "\(sample.name): `verified` meant accepted; it is gone")
            #expect(object["demo"] as? Bool == sample.demo, "\(sample.name)")
            let checks = (object["failures"] as! [[String: Any]]).map { $0["check"] as! String }
            #expect(checks == sample.checks, "\(sample.name)")
        }
    }

    @Test func acceptedPassShowsThePlateFirmDriverZonesAndValidity() throws {
        let sample = try sampleCases().first { $0.name == "valid-es256" }!
        #expect(sample.training)
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
                    "--json", "--waive-revocations"]
        let good = try greenlane(base + ["--training"], stdin: valid + valid)
        #expect(good.status == 0)
        #expect(good.stdout.split(separator: "\n").count == 2)
        let mixed = try greenlane(base + ["--training"], stdin: valid + "\n" + expired + "\n")
        #expect(mixed.status == 2)
        #expect(mixed.stdout.split(separator: "\n").count == 2)
    }

    /// A batch exits with its most severe verdict: not valid (1), demo (5), cannot confirm (4), cannot read (2).
    @Test func batchExitsWithTheMostSevereVerdictInTheDocumentedOrder() throws {
        func code(_ name: String) throws -> String {
            try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/\(name).txt"), encoding: .utf8)
        }
        let base = ["verify", "--trust", "Keys/demo-trust.json", "--at", "2021-07-26T10:00:00+07:00", "--zone", "dong-da",
                    "--json", "--waive-revocations"]
        let unreadable = try code("malformed-base45"), demo = try code("valid-es256"), forged = try code("bad-signature")
        #expect(try greenlane(base, stdin: unreadable).status == 2)
        #expect(try greenlane(base, stdin: unreadable + demo).status == 5)
        #expect(try greenlane(base, stdin: demo + forged + unreadable).status == 1)
        #expect(try greenlane(base, stdin: forged + demo).status == 1)
        #expect(try greenlane(base + ["--training"], stdin: unreadable + demo).status == 2)
        #expect(try greenlane(base + ["--training"], stdin: demo + demo).status == 0)
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
