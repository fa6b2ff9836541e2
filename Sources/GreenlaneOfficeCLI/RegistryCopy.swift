import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneCrypto
import GreenlaneFormat
import GreenlanePostgresStore
import GreenlaneSQLiteStore
import GreenlaneStore
import GreenlaneSupport

extension Greenlane.RegistryCommand {
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy", abstract: "Copy a registry into a new one: an SQLite file into PostgreSQL, or back.",
            discussion: """
                Reads every row of FROM in one snapshot (others may go on issuing), writes them into TO in one
                transaction (a new file, never over an existing one; or an empty PostgreSQL registry, migrated
                first, as its owner role), then reads TO back and compares its counts and a SHA-256 digest of every
                row (settings, firms, vehicles, permits, revocations, live passes, serial counters, renewal runs,
                audit entries with their ids) with FROM's. Only then is `registry.copy` added to TO's audit log.
                FROM and TO are file paths or postgres:// URLs (passwords as for --registry).
                """)

        @Argument(help: "The registry to copy (file or postgres:// URL).") var from: String
        @Argument(help: "The new registry (file that must not exist, or postgres:// URL of an empty one).") var to: String

        mutating func run() async throws {
            let environment = RegistryOptions.postgresEnvironment
            let source: any RegistryCopying
            if PostgresLocation.isURL(from) {
                source = try await PostgresStore.open(try PostgresLocation(url: from, environment: environment),
                                                      environment: environment, readOnly: true)
            } else {
                source = try SQLiteStore(path: from, readOnly: true)
            }
            let dump = try await source.dump()
            let expected = Self.digest(dump)
            let target: any RegistryCopying
            if PostgresLocation.isURL(to) {
                target = try await PostgresStore.load(dump, into: try PostgresLocation(url: to, environment: environment),
                                                      environment: environment)
            } else {
                target = try await SQLiteStore.load(dump, intoNewFile: to)
            }
            let copied = try await target.dump()
            let found = Self.digest(copied)
            guard copied.counts == dump.counts, found == expected else {
                throw RegistryError(.database, "the copy in \(target.name) differs from \(source.name): \(copied.counts) "
                    + "and digest \(found), expected \(dump.counts) and \(expected)")
            }
            let context = try AuditContext(account: AuditContext.processAccount(), recordedAt: systemTime())
            try await target.recordAudit("registry.copy", subject: source.name,
                                         detail: "\(dump.counts) · sha256 \(expected)", context: context)
            print("copied \(source.name) to \(target.name): \(dump.counts); sha256 \(expected) on both")
        }

        /// SHA-256 chained over the canonical lines: h = SHA-256(h ‖ line), from 32 zero bytes.
        static func digest(_ dump: RegistryDump) -> String {
            var state = [UInt8](repeating: 0, count: 32)
            dump.canonicalText { line in state = SHA256.hash(state + Array(line.utf8)) }
            return Hex.encode(state)
        }
    }
}
