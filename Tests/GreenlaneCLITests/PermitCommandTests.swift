import GreenlaneTestSupport
import Foundation
@testable import GreenlaneOfficeCLI
import Testing

/// A fresh registry in a temporary folder, the sample firms registered, clock set to 26 July 2021 08:00.
struct Office {
    let folder: URL
    var registry: String { folder.appendingPathComponent("registry.sqlite").path }
    var environment: [String: String] {
        ["GREENLANE_REGISTRY": registry, "GREENLANE_CLOCK": "2021-07-26T08:00:00+07:00", "USER": "dispatcher-test"]
    }
    let key: String

    init() throws {
        folder = try temporaryDirectory()
        // Git does not keep modes: copy the demo key into a private file, as a user must.
        key = folder.appendingPathComponent("demo.key.pem").path
        try FileManager.default.copyItem(atPath: repositoryRoot.appendingPathComponent("Keys/demo-es256.key.pem").path,
                                         toPath: key)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        let made = try run(["registry", "init", "--policy", "Samples/policy.json"])
        #expect(made.status == 0, "\(made.stderr)")
        let imported = try run(["firm", "import", "Samples/firms.csv"])
        #expect(imported.status == 0, "\(imported.stderr)")
    }

    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil) throws -> CLIResult {
        try greenlane(arguments, stdin: stdin, environment: environment)
    }

    func issue(_ extra: [String]) throws -> CLIResult {
        try run(["issue", "--policy", "Samples/policy.json", "--key", key, "--key-trust", "Keys/demo-trust.json"] + extra)
    }

    static let truck = ["--firm", "VNPOST", "--plate", "29C-123.45", "--class", "light-truck", "--driver-name",
                        "Nguyễn Văn An", "--driver-id", "001085012345", "--test-at", "2021-07-25T08:00:00+07:00",
                        "--purpose", "essential-goods", "--zones", "ba-dinh,dong-da"]

    /// In training mode: every pass here is signed by the demo key, which is verdict 5 outside it.
    func verify(_ arguments: [String]) throws -> CLIResult {
        try run(["verify", "--trust", "Keys/demo-trust.json", "--at", "2021-07-26T10:00:00+07:00", "--training"]
                + (arguments.contains("--revocations") ? [] : ["--waive-revocations"]) + arguments)
    }
}

@Suite struct PermitCommandTests {
    @Test func singleVehicleIsRecordedBeforeItsCodeIsPrintedAndVerifies() throws {
        let office = try Office()
        let issued = try office.issue(Office.truck)
        #expect(issued.status == 0, "\(issued.stderr)")
        let code = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(code.hasPrefix("GL1:"))
        #expect(issued.stderr.contains("issued HN-000001 for 29C-123.45, valid until 28/07/2021 08:00"))
        let shown = try office.run(["show", "HN-000001", "--no-qr", "--lang", "en"])
        #expect(shown.stdout.contains("HN-000001 · ACTIVE"))
        #expect(shown.stdout.contains(code))
        let verified = try office.verify([code, "--zone", "dong-da"])
        #expect(verified.status == 0, "\(verified.stdout)")
        // The same request again is that pass, already issued: said on standard error, nothing new.
        let same = try office.issue(Office.truck)
        #expect(same.status == 0 && same.stdout.isEmpty)
        #expect(same.stderr.contains("already issued as HN-000001"), "\(same.stderr)")
        var otherZones = Office.truck
        otherZones[otherZones.count - 1] = "ba-dinh"
        let again = try office.issue(otherZones)
        #expect(again.status == 1)
        // A refusal is not a pass: `issue … > pass.txt` must leave nothing in the file and show the reason.
        #expect(again.stdout.isEmpty)
        #expect(again.stderr.contains("already has an active pass HN-000001; use --replace"))
    }

    @Test func batchReportsEveryRowAndAllOrNothingIssuesNone() throws {
        let office = try Office()
        let strict = try office.issue(["--csv", "Samples/requests-with-errors.csv", "--all-or-nothing"])
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("nothing was issued"))
        #expect(try office.run(["list", "--format", "jsonl"]).stdout.isEmpty)
        let lenient = try office.issue(["--csv", "Samples/requests-with-errors.csv"])
        #expect(lenient.status == 1)
        // Issued rows on standard output, refusals and the summary on standard error.
        let lines = lenient.stdout.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("✔ HN-000001"), "issued rows:\n\(lenient.stdout)")
        let refusals = lenient.stderr.split(separator: "\n").filter { $0.hasPrefix("✘") }
        #expect(refusals.count == 9, "one line per refused row:\n\(lenient.stderr)")
        for reason in ["row 3: driver ID", "row 4: plate '29X-12'", "row 5: the driver's negative COVID-19 test",
                       "row 6: test of", "row 7: a telecom firm", "row 8: driver name", "row 9: firm 'GHTK'",
                       "row 10: unknown district 'atlantis'", "row 11: plate 29C-888.01"] {
            #expect(lenient.stderr.contains(reason), "missing \(reason)")
        }
    }

    @Test func rerunningAStoppedBatchReportsTheIssuedRowsWithTheirSerialsAndExitsZero() throws {
        let office = try Office()
        let sample = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/requests.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        func csv(_ name: String, _ rows: [String]) throws -> String {
            let path = office.folder.appendingPathComponent(name).path
            try ([sample[0]] + rows).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true,
                                                                                 encoding: .utf8)
            return path
        }
        // The batch "stopped" after its first three rows.
        #expect(try office.issue(["--csv", try csv("part.csv", Array(sample[1...3]))]).status == 0)
        let out = office.folder.appendingPathComponent("cards")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let rerun = try office.issue(["--csv", try csv("all.csv", Array(sample[1...5])), "--out", out.path])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let issued = rerun.stdout.split(separator: "\n")
        #expect(issued.count == 2 && issued[0].hasPrefix("✔ HN-000004") && issued[1].hasPrefix("✔ HN-000005"),
                "newly issued rows:\n\(rerun.stdout)")
        let already = rerun.stderr.split(separator: "\n").filter { $0.hasPrefix("=") }
        #expect(already.count == 3, "one line per row already issued:\n\(rerun.stderr)")
        for (row, serial) in zip(2...4, ["HN-000001", "HN-000002", "HN-000003"]) {
            #expect(rerun.stderr.contains("= all.csv row \(row): already issued as \(serial)"), "\(rerun.stderr)")
        }
        #expect(rerun.stderr.contains("issued 2, refused 0, already issued 3"))
        // Their cards are written again, each with the code the registry holds for it.
        for serial in (1...5).map({ String(format: "HN-%06d", $0) }) {
            let code = try String(contentsOf: out.appendingPathComponent("\(serial).txt"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let shown = try office.run(["show", serial, "--no-qr", "--lang", "en"])
            #expect(code.hasPrefix("GL1:") && shown.stdout.contains(code), "\(serial)")
        }
        #expect(try office.run(["list", "--format", "csv"]).stdout.split(separator: "\n").count == 6)
        // The same vehicle asking for other zones holds a pass: still a refusal.
        let changed = sample[1].replacingOccurrences(of: "\"thanh-xuan,", with: "\"ba-dinh,thanh-xuan,")
        let refused = try office.issue(["--csv", try csv("changed.csv", [changed])])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("already has an active pass HN-000001"), "\(refused.stderr)")
    }

    @Test func cardsSignedByTheDemoKeyAreDemoWithoutKeyTrust() throws {
        let office = try Office()
        let out = office.folder.appendingPathComponent("cards")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // `issue` always needs --key-trust now (the key must be trusted for the policy's issuer), and a trust
        // file cannot list a demo key without its demo flag; what matters is the card says DEMO, and that
        // `show --out`, which takes no trust file, says so too.
        let issued = try office.issue(Office.truck + ["--out", out.path])
        #expect(issued.status == 0, "\(issued.stderr)")
        let card = try String(contentsOf: out.appendingPathComponent("HN-000001.card.svg"), encoding: .utf8)
        #expect(card.contains("DEMO"))
        let again = office.folder.appendingPathComponent("again")
        try FileManager.default.createDirectory(at: again, withIntermediateDirectories: true)
        let shown = try office.run(["show", "HN-000001", "--out", again.path])
        #expect(shown.status == 0, "\(shown.stderr)")
        let reprinted = try String(contentsOf: again.appendingPathComponent("HN-000001.card.svg"), encoding: .utf8)
        #expect(reprinted.contains("DEMO"))
        // Outside training mode a checkpoint says "demo", exit 5.
        let checked = try office.run(["verify", "--file", out.appendingPathComponent("HN-000001.txt").path,
                                      "--trust", "Keys/demo-trust.json", "--at", "2021-07-26T10:00:00+07:00"])
        #expect(checked.status == 5, "\(checked.stdout)")
    }

    @Test func pngRoundTripThroughARealQRDecoder() throws {
        let office = try Office()
        let out = office.folder.appendingPathComponent("passes")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let issued = try office.issue(Office.truck + ["--out", out.path])
        #expect(issued.status == 0)
        for suffix in [".txt", ".png", ".svg", ".card.svg"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("HN-000001" + suffix).path))
        }
        let png = out.appendingPathComponent("HN-000001.png").path
        let ours = try office.verify(["--image", png, "--zone", "ba-dinh", "--json"])
        #expect(ours.status == 0, "\(ours.stdout)\(ours.stderr)")
        // zbar's own command line reads the same text the registry holds.
        let zbar = Process()
        zbar.executableURL = URL(fileURLWithPath: "/usr/bin/zbarimg")
        zbar.arguments = ["--raw", "-q", png]
        let pipe = Pipe()
        zbar.standardOutput = pipe
        try zbar.run()
        let text = String(decoding: pipe.fileHandleForReading.readToEndRetryingInterrupts(), as: UTF8.self)
        zbar.waitUntilExit()
        let code = try String(contentsOf: out.appendingPathComponent("HN-000001.txt"), encoding: .utf8)
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == code.trimmingCharacters(in: .whitespacesAndNewlines))
        let card = try String(contentsOf: out.appendingPathComponent("HN-000001.card.svg"), encoding: .utf8)
        #expect(card.contains("THẺ NHẬN DIỆN PHƯƠNG TIỆN ƯU TIÊN – LUỒNG XANH"))
        #expect(card.contains("DEMO"))
    }

    @Test func revokedAndReplacedPassesAreRefusedOfflineWithTheExportedList() throws {
        let office = try Office()
        let first = try office.issue(Office.truck).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let replacement = try office.issue(Office.truck + ["--replace"])
        #expect(replacement.stderr.contains("revoked HN-000001"))
        let other = ["--firm", "VTPOST", "--plate", "30E-12345", "--class", "heavy-truck", "--driver-name", "Lê Thị Hà",
                     "--driver-id", "001190004567", "--test-at", "2021-07-25", "--purpose", "public-postal",
                     "--zones", "all"]
        let lost = try office.issue(other).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try office.run(["revoke", "HN-000003", "--reason", "lost"]).status == 0)
        let list = office.folder.appendingPathComponent("revocations.glr").path
        let exported = try office.run(["revocations", "export", "--key", office.key, "--key-trust", "Keys/demo-trust.json", "--out", list])
        #expect(exported.stderr.contains("2 revoked permits"), "\(exported.stdout)\(exported.stderr)")
        for (code, reason) in [(first, "Replaced by a new pass"), (lost, "Pass lost")] {
            let result = try office.verify([code, "--revocations", list, "--zone", "ba-dinh", "--lang", "en"])
            #expect(result.status == 1)
            #expect(result.stdout.contains("[revoked]") && result.stdout.contains("reason: \(reason)"))
        }
        let log = try office.run(["log", "--action", "permit.revoke"]).stdout
        #expect(log.contains("permit.revoke HN-000001  replaced") && log.contains("permit.revoke HN-000003  lost"))
        #expect(log.contains(osAccount) && !log.contains("dispatcher-test"))
    }

    @Test func suspendedFirmGetsNoPassAndListFiltersWork() throws {
        let office = try Office()
        #expect(try office.issue(["--csv", "Samples/requests.csv"]).status == 0)
        #expect(try office.run(["firm", "suspend", "VTPOST", "--reason", "licence review"]).status == 0)
        let refused = try office.issue(["--firm", "VTPOST", "--plate", "29C-999.01", "--class", "van", "--driver-name",
                                        "Trần Văn Bình", "--driver-id", "001086001234", "--test-at", "2021-07-25",
                                        "--purpose", "public-postal", "--zones", "ba-dinh"])
        #expect(refused.status == 1 && refused.stderr.contains("firm VTPOST is suspended"))
        let jsonl = try office.run(["list", "--firm", "VNPT-HN", "--format", "jsonl"]).stdout.split(separator: "\n")
        #expect(!jsonl.isEmpty && jsonl.allSatisfy { $0.contains("\"firm\":\"VNPT-HN\"") })
        let one = try office.run(["list", "--plate", "40c 75587", "--format", "csv"]).stdout.split(separator: "\n")
        #expect(one.count == 2 && one[1].hasPrefix("HN-000001,revoked,VTPOST,40C-755.87"))
        let zone = try office.run(["list", "--zone", "my-duc", "--purpose", "telecom-repair", "--format", "jsonl"])
        #expect(zone.stdout.split(separator: "\n").allSatisfy { $0.contains("telecom-repair") })
        let later = try office.run(["list", "--valid-at", "2021-07-29T00:00:00+07:00", "--format", "jsonl"])
        #expect(later.stdout.isEmpty, "every sample pass ends on 28/07 08:00")
        let stats = try office.run(["stats"]).stdout
        #expect(stats.contains("permits: 300") && stats.contains("2021-07-26  300"))
    }

    @Test func severalDispatchersIssuingAtOnceNeverCollide() throws {
        let office = try Office()
        let processes = 4, perProcess = 40
        let header = "firm,plate,vehicle_class,driver_name,driver_id,test_at,purpose,zones\n"
        var files: [String] = []
        for process in 0..<processes {
            var csv = header
            for row in 0..<perProcess {
                csv += "VNPOST,\(30 + process)C-\(100 + row).\(10 + process),van,Nguyễn Văn An,001085012345,"
                    + "2021-07-25T08:00:00+07:00,essential-goods,ba-dinh\n"
            }
            let path = office.folder.appendingPathComponent("batch-\(process).csv").path
            try csv.write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        let results = UnsafeResults(count: processes)
        let batches = files
        DispatchQueue.concurrentPerform(iterations: processes) { index in
            results.set(index, try? office.issue(["--csv", batches[index], "--jobs", "1"]))
        }
        var printed: [String] = []
        for result in results.all {
            #expect(result?.status == 0, "\(result?.stderr ?? "did not run")")
            printed += (result?.stdout ?? "").split(separator: "\n").map { String($0.split(separator: " ")[1]) }
        }
        #expect(Set(printed).count == processes * perProcess)
        let listed = try office.run(["list", "--format", "csv"]).stdout.split(separator: "\n").dropFirst()
        #expect(Set(listed.map { String($0.prefix(9)) }) == Set(printed))
    }

    @Test func spreadsheetFormulasAreNeutralisedInCSV() {
        #expect(SpreadsheetSafeCSV.field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(SpreadsheetSafeCSV.field("+1") == "'+1")
        #expect(SpreadsheetSafeCSV.field("-1") == "'-1")
        #expect(SpreadsheetSafeCSV.field("@SUM(A1)") == "'@SUM(A1)")
        #expect(SpreadsheetSafeCSV.field("a,b") == "\"a,b\"")
        #expect(SpreadsheetSafeCSV.field("29C-123.45") == "29C-123.45")
    }
}

/// Results from concurrent workers, each writing its own slot.
final class UnsafeResults: @unchecked Sendable {
    private var slots: [CLIResult?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: CLIResult?) { lock.withLock { slots[index] = value } }
    var all: [CLIResult?] { lock.withLock { slots } }
}
