import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneEngine
import GreenlaneStore
import GreenlanePostgresStore
import GreenlaneSQLiteStore
import GreenlaneSupport

extension Greenlane {
    struct RegistryCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "registry", abstract: "Make a registry on purpose, and back it up safely.",
            subcommands: [Init.self, Migrate.self, Copy.self, Backup.self, Check.self])
    }

    struct VehicleCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vehicle", abstract: "Vehicles: which firm a plate belongs to.", subcommands: [Transfer.self])
    }
}

extension Greenlane.RegistryCommand {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init", abstract: "Create the registry for one issuer and station.",
            discussion: """
                Records, once, the policy's issuer, the station (--station, default the policy's station) and
                that station's serial prefix from the policy; every later command refuses a policy or key of
                another issuer, and every other command refuses a path where no registry was made. The file is
                0600; with --group it is 0640 and owned by that group, so auditors in it can read it.
                """)

        @Option(name: .long, help: "Policy file: its issuer, and the serial prefix of each station.") var policy: String
        @Option(name: .long, help: "The station this registry issues for (default: the policy's station).")
        var station: String?
        @Option(name: .long, help: "A group whose members may read the registry (file mode 0640).") var group: String?
        @OptionGroup var registry: RegistryOptions

        func validate() throws {
            if let group { try checkOneLine(group, "--group", maxLength: 64) }
            try checkOneLine(registry.path, "--registry", maxLength: 1_000)
        }

        mutating func run() async throws {
            let policy = try Policy.load(path: self.policy)
            let station = self.station ?? policy.station
            guard let prefix = policy.serialPrefix(forStation: station) else {
                throw EngineError(.policy, "policy \(self.policy) lists no station \(station) (stations: "
                    + policy.stations.keys.sorted().joined(separator: ", ") + ")")
            }
            let context = try registry.auditContext()
            let settings = RegistrySettings(issuer: policy.issuer, station: station, serialPrefix: prefix,
                                            fileGroup: group, createdAt: context.effectiveTime)
            if let location = try registry.postgresLocation() {
                let store = try await PostgresStore.create(location, environment: RegistryOptions.postgresEnvironment,
                                                           settings: settings, context: context)
                await store.close()
            } else {
                _ = try await SQLiteStore.create(path: registry.path, settings: settings, context: context)
            }
            printError("created registry \(registry.displayName): issuer \(settings.issuer), station \(station), serials "
                + "\(prefix)-000001 onwards" + (group.map { ", readable by group \($0)" } ?? ""))
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate", abstract: "Bring a PostgreSQL registry's schema up to date (as its owner role).",
            discussion: """
                Applies the named migrations not yet applied and grants the application and auditor roles their
                privileges again (docs/POSTGRES.md). Safe when several run at once: they take turns on an advisory
                lock. Run it as the owner role; greenlane itself connects as the application role, which may not
                change the schema. An SQLite registry migrates itself when it is opened.
                """)

        @Option(name: .long, help: "The role greenlane connects as.") var appRole = PostgresStore.defaultAppRole
        @Option(name: .long, help: "The role that may only read.") var auditorRole = PostgresStore.defaultAuditorRole
        @OptionGroup var registry: RegistryOptions

        mutating func run() async throws {
            guard let location = try registry.postgresLocation() else {
                throw RegistryError(.invalidValue, "--registry must be a postgres:// URL: an SQLite registry "
                    + "migrates itself when opened")
            }
            let applied = try await PostgresStore.migrate(location, environment: RegistryOptions.postgresEnvironment,
                                                          appRole: appRole, auditorRole: auditorRole)
            printError(applied.isEmpty ? "\(location): up to date; grants renewed"
                : "\(location): applied \(applied.joined(separator: ", ")); grants renewed")
        }
    }

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup", abstract: "Copy the registry safely while it is in use (SQLite online backup).",
            discussion: """
                The copy is one consistent file (no -wal), mode 0600, checked for integrity before it is put in
                place; FILE must not exist. Restore: stop writers, move the copy to the registry's path, run
                `greenlane registry check`. (`cp` of a registry in use is not a backup: it can tear the WAL.)
                """)

        @Argument(help: "Where to write the copy (must not exist).") var file: String
        @OptionGroup var registry: RegistryOptions

        func validate() throws { try checkOneLine(file, "FILE", maxLength: 1_000) }

        mutating func run() async throws {
            let store = try registry.openFile(for: "backup")
            let counts = try await store.backup(to: file, context: try registry.auditContext())
            printError("backed up \(registry.path) to \(file): \(counts); integrity ok")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Check a registry (or a restored backup): integrity, settings and counts.")

        @OptionGroup var registry: RegistryOptions

        mutating func run() async throws {
            let opened = try await registry.open(readOnly: true)
            // PostgreSQL checks its own pages (data checksums, amcheck); the rest is the same.
            let integrity = try await (opened as? SQLiteStore)?.integrityCheck() ?? "ok"
            let store = opened
            if let settings = store.settings {
                print("issuer \(settings.issuer) · station \(settings.station) · serials \(settings.serialPrefix)-…")
            } else {
                print("not initialised (run `greenlane registry init`)")
            }
            print("\(try await store.counts())")
            print("integrity: \(integrity)")
            if integrity != "ok" { throw Exit.setup }
        }
    }
}

extension Greenlane.VehicleCommand {
    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transfer", abstract: "Move a vehicle to another firm (the authority's decision, audited).",
            discussion: "A vehicle belongs to the first firm that got a pass for it until this command moves it. "
                + "Refused while it has a live pass: revoke that first.")

        @Argument(help: "The plate, in any spelling (29C-123.45, 29c12345).") var plate: String
        @Option(name: .long, help: "Firm id the vehicle now belongs to.") var to: String
        @Option(name: .long, help: "Why (the decision's reference), for the audit log.") var reason: String
        @OptionGroup var registry: RegistryOptions

        func validate() throws { try checkOneLine(reason, "--reason", maxLength: Registry.maxFirmTextLength) }

        mutating func run() async throws {
            try await Registry(store: try await registry.open())
                .transferVehicle(plate: plate, to: to, reason: reason, context: try registry.auditContext())
            printError("vehicle \(plate) now belongs to \(to)")
        }
    }
}
