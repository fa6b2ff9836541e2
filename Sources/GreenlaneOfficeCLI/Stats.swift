import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneFormat
import GreenlaneRegistry

extension Greenlane {
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats", abstract: "Counts of permits per status, firm, issue day and district.")
        @OptionGroup var registry: RegistryOptions

        mutating func run() async throws {
            let stats = try registry.open(readOnly: true).statistics(now: try registry.now())
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
            commandName: "log", abstract: "Show the audit log (oldest first).")
        @Option(name: .long, help: "The last N entries.") var last = 50
        @Option(name: .long, help: "Only this actor.") var by: String?
        @Option(name: .long, help: "Only actions starting with this (permit., firm., revocations.).") var action: String?
        @OptionGroup var registry: RegistryOptions

        mutating func run() async throws {
            for entry in try registry.open(readOnly: true).auditLog(limit: last, actor: by, action: action) {
                let subject = entry.subject.map { " " + $0 } ?? ""
                let detail = entry.detail.map { "  " + $0 } ?? ""
                print("\(entry.id ?? 0)  \(Timestamp.rfc3339(entry.at))  \(entry.actor)  \(entry.action)\(subject)\(detail)")
            }
        }
    }
}
