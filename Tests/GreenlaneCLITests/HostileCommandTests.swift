import Foundation
import Testing

/// Hostile values through the built binary: spreadsheet formulas in what `list --format csv` exports,
/// and flag values that would overflow.
@Suite struct HostileCommandTests {
    @Test func listCSVEscapesFormulaValues() throws {
        let office = try Office()
        // Revocation reasons are codes now, but a registry from before them holds free text (1-64 bytes) that a
        // person typed: the one place an auditor's export holds it. One permit per hostile reason, revoked as
        // an older greenlane did (with v3's trigger out of the way, as it was not there then).
        let reasons = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-1+1", "@SUM(A1)", "\tlost", "\rlost"]
        for (index, reason) in reasons.enumerated() {
            var truck = Office.truck
            truck[truck.firstIndex(of: "--plate")! + 1] = "29C-123.4\(index)"
            let issued = try office.issue(truck)
            #expect(issued.status == 0, "\(issued.stderr)")
            let refused = try office.run(["revoke", "HN-00000\(index + 1)", "--reason=\(reason)"])
            #expect(refused.status == 64, "\(refused.stderr)")
        }
        let quoted = reasons.enumerated().map { index, reason in
            "('HN-00000\(index + 1)', 1627261200, '" + reason.replacingOccurrences(of: "'", with: "''") + "', 'old')"
        }
        let inserted = try sqlite(office.registry, "DROP TRIGGER revocation_reason_is_code; "
            + "INSERT INTO revocation (serial, revoked_at, reason, revoked_by) VALUES "
            + quoted.joined(separator: ", "))
        #expect(inserted.isEmpty, "\(inserted)")
        // A driver's name may start with a dash (names hold letters, spaces, dots, apostrophes and dashes).
        var dashed = Office.truck
        let name = dashed.firstIndex(of: "--driver-name")!
        dashed.replaceSubrange(name...name + 1, with: ["--driver-name=-Nguyễn Văn An"])
        dashed[dashed.firstIndex(of: "--plate")! + 1] = "29C-123.99"
        let issued = try office.issue(dashed)
        #expect(issued.status == 0, "\(issued.stderr)")

        let listed = try office.run(["list", "--format", "csv"])
        #expect(listed.status == 0)
        let csv = listed.stdout
        for escaped in [",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",", ",'+1+1,", ",'-1+1,", ",'@SUM(A1),",
                        ",'\tlost,", ",\"'\rlost\",", ",'-Nguyễn Văn An,"] {
            #expect(csv.contains(escaped), "missing \(escaped.debugDescription) in\n\(csv)")
        }
        // No field begins with a formula character: after a separator or at a line start.
        for bare in [",=", ",+", ",-", ",@", ",\t", ",\r", ",\"=", ",\"+", ",\"-", ",\"@", ",\"\t", ",\"\r"] {
            #expect(!csv.contains(bare), "unescaped \(bare.debugDescription)")
        }
        #expect(!csv.split(separator: "\n").contains { "=+-@".contains($0.first!) })
    }

    @Test func verifyRefusesARevocationAgeThatWouldOverflow() throws {
        let code = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/valid-es256.txt"),
                              encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        for age in ["9223372036854775807", "2562047788015216", "-1"] {
            let result = try greenlane(["verify", code, "--trust", "Keys/demo-trust.json", "--at",
                                        "2021-07-26T10:00:00+07:00", "--max-revocation-age=\(age)"])
            #expect(result.status == 64, "\(age): \(result.stderr)")
            #expect(result.stderr.contains("--max-revocation-age must be between 0 and 744 hours"))
        }
        let fine = try greenlane(["verify", code, "--trust", "Keys/demo-trust.json", "--at",
                                  "2021-07-26T10:00:00+07:00", "--zone", "dong-da", "--max-revocation-age", "744",
                                  "--training", "--waive-revocations"])
        #expect(fine.status == 0, "\(fine.stdout)\(fine.stderr)")
    }

    @Test func overlongAndBombCodesAreMalformedNotCrashes() throws {
        let bomb = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/zlib-bomb.txt"),
                              encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let long = "GL1:" + String(repeating: "0", count: 5000)
        let result = try greenlane(["verify", "--trust", "Keys/demo-trust.json", "--at", "2021-07-26T10:00:00+07:00",
                                    "--json"], stdin: bomb + "\n" + long + "\n")
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("malformed-zlib") == true)
        #expect(lines.last?.contains("malformed-prefix") == true)
    }
}
