import GreenlaneTestSupport
import Foundation
@testable import GreenlaneSQLiteStore
import Testing

/// The operating-system account running these tests, as the password database names it.
let osAccount: String = {
    guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return "uid \(getuid())" }
    return String(cString: name)
}()

/// Runs sqlite3 on a registry file: for looking at what was stored, and for making rows an older greenlane wrote.
@discardableResult
func sqlite(_ path: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readToEndRetryingInterrupts()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// Item 4 of issue 8: the audit log's who and when are what really happened, and one entry is one line.
@Suite struct AuditLogCommandTests {
    /// The first time on a log line, as unix seconds.
    func loggedTime(_ line: Substring) -> TimeInterval? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 1 else { return nil }
        return ISO8601DateFormatter().date(from: String(fields[1]))?.timeIntervalSince1970
    }

    @Test func backdatingWithClockRecordsTheRealTime() throws {
        let office = try Office()
        #expect(try office.issue(Office.truck).status == 0)
        let before = Date().timeIntervalSince1970.rounded(.down)
        let revoked = try office.run(["revoke", "HN-000001", "--reason", "lost",
                                      "--clock", "2021-07-20T08:00:00+07:00"])
        let after = Date().timeIntervalSince1970.rounded(.up)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let line = try #require(try office.run(["log", "--action", "permit.revoke"]).stdout.split(separator: "\n").last)
        let real = try #require(loggedTime(line), "\(line)")
        #expect(real >= before && real <= after, "\(line)")
        #expect(line.contains("pinned 2021-07-20T01:00:00Z"), "\(line)")
        // Validity still follows the pinned clock: the revocation is dated as the command was told.
        #expect(try sqlite(office.registry, "SELECT revoked_at FROM revocation") == "1626742800\n")
        let stored = try sqlite(office.registry,
                                "SELECT pinned_at, at >= \(Int(before)) FROM audit_log WHERE action = 'permit.revoke'")
        #expect(stored == "1626742800|1\n")
    }

    @Test func userVariableMalloryDoesNotChangeWho() throws {
        let office = try Office()
        let issued = try greenlane(
            ["issue", "--policy", "Samples/policy.json", "--key", office.key, "--key-trust", "Keys/demo-trust.json"]
                + Office.truck,
            environment: office.environment.merging(["USER": "mallory", "LOGNAME": "mallory"]) { $1 })
        #expect(issued.status == 0, "\(issued.stderr)")
        let log = try office.run(["log"]).stdout
        #expect(!log.contains("mallory") && !log.contains("dispatcher-test"), "\(log)")
        #expect(try sqlite(office.registry, "SELECT DISTINCT actor FROM audit_log") == osAccount + "\n")
        #expect(try sqlite(office.registry, "SELECT issued_by FROM permit") == osAccount + "\n")
        #expect(try office.run(["log", "--by", "mallory"]).stdout.isEmpty)
    }

    @Test func actorIsStoredOnlyAsOnBehalfOf() throws {
        let office = try Office()
        #expect(try office.issue(Office.truck).status == 0)
        let revoked = try office.run(["revoke", "HN-000001", "--reason", "stolen", "--actor", "Lê Thị Hà (VNPOST)"])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let row = try sqlite(office.registry,
                             "SELECT actor, on_behalf_of FROM audit_log WHERE action = 'permit.revoke'")
        #expect(row == "\(osAccount)|Lê Thị Hà (VNPOST)\n")
        #expect(try sqlite(office.registry, "SELECT revoked_by FROM revocation") == osAccount + "\n")
        let log = try office.run(["log", "--by", "Lê Thị Hà (VNPOST)"]).stdout
        #expect(log.contains("\(osAccount) for Lê Thị Hà (VNPOST)  permit.revoke HN-000001  stolen"), "\(log)")
        // --actor is a name, not a way in: one printable line, bounded.
        for bad in ["root\n1  2021-07-26T01:00:00Z  root  permit.issue HN-000999", String(repeating: "x", count: 65)] {
            let refused = try office.run(["revoke", "HN-000001", "--reason", "lost", "--actor", bad])
            #expect(refused.status == 64 && refused.stderr.contains("--actor"), "\(refused.stderr)")
        }
    }

    @Test func reasonWithLineBreakIsRefused() throws {
        let office = try Office()
        #expect(try office.issue(Office.truck).status == 0)
        let forged = "licence review\n9  2021-07-26T01:00:00Z  inspector  firm.reinstate VTPOST"
        let suspend = try office.run(["firm", "suspend", "VTPOST", "--reason", forged])
        #expect(suspend.status == 64 && suspend.stderr.contains("line break"), "\(suspend.stderr)")
        let note = try office.run(["revoke", "HN-000001", "--reason", "lost", "--note", "lost\r\nforged line"])
        #expect(note.status == 64 && note.stderr.contains("--note"), "\(note.stderr)")
        let bidi = try office.run(["revoke", "HN-000001", "--reason", "lost", "--note", "abc\u{202E}fed"])
        #expect(bidi.status == 64 && bidi.stderr.contains("control character"), "\(bidi.stderr)")
        let name = try office.run(["firm", "add", "--id", "GHTK", "--name", "Giao Hàng\nTiết Kiệm",
                                   "--kind", "postal", "--licence", "L-77"])
        #expect(name.status == 64, "\(name.stderr)")
        let logged = try sqlite(office.registry,
                                "SELECT count(*) FROM audit_log WHERE action LIKE 'firm.s%' OR subject = 'GHTK'")
        #expect(logged == "0\n")
        #expect(try sqlite(office.registry, "SELECT count(*) FROM revocation") == "0\n")
        // The schema refuses it too, whatever writes to it.
        let direct = try sqlite(office.registry, """
            INSERT INTO audit_log (at, actor, action, detail) VALUES (0, 'x', 'firm.add', 'a' || char(10) || 'b')
            """)
        #expect(direct.contains("one line"), "\(direct)")
    }

    /// Rows an older greenlane stored may hold anything: `log` shows each on one line, escaped, both before the
    /// registry is migrated (log opens it read-only) and after.
    @Test func logOutputOfARowWithControlCharactersIsEscaped() throws {
        let folder = try temporaryDirectory()
        let path = folder.appendingPathComponent("old.sqlite").path
        _ = try SQLiteStore(path: path, migratedUpTo: "v2-permit-by-compact-plate")
        let inserted = try sqlite(path, """
            INSERT INTO audit_log (at, actor, action, subject, detail) VALUES
                (1627261200, 'dispatcher', 'firm.suspend', 'VTPOST',
                 'review' || char(10) || '2  2021-07-26T01:00:00Z  inspector  firm.reinstate VTPOST'),
                (1627261200, 'ev' || char(27) || '[2Jil', 'permit.revoke', 'HN-000001', 'lost' || char(8238) || 'kcab');
            """)
        #expect(inserted.isEmpty, "\(inserted)")
        let environment = ["GREENLANE_REGISTRY": path]
        for migrated in [false, true] {
            let log = try greenlane(["log"], environment: environment)
            #expect(log.status == 0, "\(log.stderr)")
            let lines = log.stdout.split(separator: "\n")
            #expect(lines.count == (migrated ? 4 : 2), "\(log.stdout)")
            #expect(lines[0].hasSuffix(
                "firm.suspend VTPOST  review\\n2  2021-07-26T01:00:00Z  inspector  firm.reinstate VTPOST"))
            #expect(lines[1].contains("ev\\u{001B}[2Jil  permit.revoke HN-000001  lost\\u{202E}kcab"), "\(lines[1])")
            #expect(!log.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x202E })
            if migrated {
                #expect(lines[2].contains("registry.migrate v3-audit-truth"), "\(lines[2])")
                #expect(lines[3].contains("registry.init"), "\(lines[3])")
            } else {
                // Writing commands refuse a registry never initialised; `registry init` adopts it, migrating it,
                // and v3 says in the log where truthful entries begin.
                let firm = try greenlane(["firm", "add", "--id", "X", "--name", "X", "--kind", "postal", "--licence", "1"],
                                         environment: environment)
                #expect(firm.status == 3 && firm.stderr.contains("never initialised"), "\(firm.stderr)")
                let made = try greenlane(["registry", "init", "--policy", "Samples/policy.json"], environment: environment)
                #expect(made.status == 0, "\(made.stderr)")
            }
        }
    }

    @Test func pinnedClockIsAnnouncedOnStandardError() throws {
        let office = try Office()
        let viaEnvironment = try office.issue(Office.truck)
        let announcement = "greenlane: clock pinned to 2021-07-26T08:00:00+07:00 (GREENLANE_CLOCK); "
            + "the audit log records the real time too"
        #expect(viaEnvironment.stderr.components(separatedBy: announcement).count == 2, "\(viaEnvironment.stderr)")
        #expect(!viaEnvironment.stdout.contains("clock pinned"))
        for command in [["list"], ["stats"], ["show", "HN-000001", "--no-qr"]] {
            #expect(try office.run(command).stderr.contains(announcement), "\(command)")
        }
        let viaFlag = try office.run(["list", "--clock", "2021-07-27T09:00:00+07:00"])
        #expect(viaFlag.stderr.contains("clock pinned to 2021-07-27T09:00:00+07:00 (--clock)"), "\(viaFlag.stderr)")
        var unpinned = office.environment
        unpinned["GREENLANE_CLOCK"] = nil
        let real = try greenlane(["list"], environment: unpinned)
        #expect(!real.stderr.contains("clock pinned"), "\(real.stderr)")
    }
}
