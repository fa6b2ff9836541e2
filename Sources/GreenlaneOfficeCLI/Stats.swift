import ArgumentParser
import GreenlaneSupport
import GreenlaneCheckpointCLI
import GreenlaneFormat
import GreenlaneStore
import GreenlaneSQLiteStore

extension Greenlane {
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats", abstract: "Counts of permits per status, firm, issue day and district.")
        @OptionGroup var registry: RegistryOptions

        mutating func run() async throws {
            let stats = try await registry.open(readOnly: true).statistics(now: try registry.now())
            print("permits: \(stats.total)")
            print("\nby status:")
            for (status, count) in stats.byStatus { print("  \(status.padding(10)) \(count)") }
            print("\nby firm:")
            for (firm, count) in stats.byFirm { print("  \(firm.padding(10)) \(count)") }
            print("\nby issue day (Vietnam time):")
            for (day, count) in stats.byDay { print("  \(day)  \(count)") }
            print("\nby district (permits valid there):")
            for (district, count) in stats.byZone where count > 0 {
                print("  \(district.vietnameseName.padding(22)) \(count)")
            }
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log", abstract: "Show the audit log (oldest first).",
            discussion: """
                Each line: id, the real time, the pinned clock when the command ran with --clock or
                GREENLANE_CLOCK (and it differed), the operating-system account with whom it acted for
                (--actor), the action and its subject, and the detail. Characters that could break a line or
                fool a terminal are shown escaped (\\n, \\u{202E}).
                """)
        @Option(name: .long, help: "The last N entries.") var last = 50
        @Option(name: .long, help: "Only this account, or entries made on behalf of this name.") var by: String?
        @Option(name: .long, help: "Only actions starting with this (permit., firm., revocations.).") var action: String?
        @OptionGroup var registry: RegistryOptions

        mutating func run() async throws {
            for entry in try await registry.open(readOnly: true).auditLog(limit: last, actor: by, action: action) {
                print(Self.line(entry))
            }
        }

        /// One entry on one line, whatever old rows hold.
        static func line(_ entry: AuditEntry) -> String {
            let safe = SafeText.escaped
            var when = Timestamp.rfc3339(entry.at)
            if let pinned = entry.pinnedAt, pinned != entry.at { when += "  pinned " + Timestamp.rfc3339(pinned) }
            let who = safe(entry.actor) + (entry.onBehalfOf.map { " for " + safe($0) } ?? "")
            let subject = entry.subject.map { " " + safe($0) } ?? ""
            let detail = entry.detail.map { "  " + safe($0) } ?? ""
            return "\(entry.id ?? 0)  \(when)  \(who)  \(safe(entry.action))\(subject)\(detail)"
        }
    }
}
