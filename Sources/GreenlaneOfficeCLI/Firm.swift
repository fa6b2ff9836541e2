import ArgumentParser
import GreenlaneCheckpointCLI
import CSV
import Foundation
import GreenlaneEngine
import GreenlaneRequestCSV
import GreenlaneFormat
import GreenlaneStore
import GreenlaneSQLiteStore
import GreenlaneSupport

extension Greenlane {
    struct FirmCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "firm", abstract: "Register, list and suspend licensed postal and telecom firms.",
            subcommands: [Add.self, Import.self, List.self, Suspend.self, Reinstate.self])
    }
}

extension Greenlane.FirmCommand {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Register a firm.")

        @Option(name: .long, help: "Firm id used on passes (A-Z, 0-9, '-'; e.g. VNPOST).")
        var id: String
        @Option(name: .long, help: "Legal name in Vietnamese.")
        var name: String
        @Option(name: .long, help: "postal or telecom.")
        var kind: Firm.Kind
        @Option(name: .long, help: "Postal or telecom licence number.")
        var licence: String
        @OptionGroup var registry: RegistryOptions

        func validate() throws {
            try checkOneLine(name, "--name", maxLength: Registry.maxFirmTextLength)
            try checkOneLine(licence, "--licence", maxLength: Registry.maxFirmTextLength)
        }

        mutating func run() async throws {
            let store = try await registry.open()
            let context = try registry.auditContext()
            let firm = Firm(id: id, legalName: name, kind: kind, licence: licence, createdAt: context.effectiveTime)
            do {
                try Permit.checkIdentifier(id, "firm id", limit: Limits.firmID)
            } catch {
                throw ValidationError(error.reason)
            }
            try await Registry(store: store).addFirm(firm, context: context)
            printError("registered \(firm.id): \(firm.legalName) (\(firm.kind.rawValue), licence \(firm.licence))")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Register firms from a CSV file (columns id,legal_name,kind,licence); existing ids are skipped.")

        @Argument(help: "CSV file, e.g. Samples/firms.csv.")
        var file: String
        @OptionGroup var registry: RegistryOptions

        mutating func run() async throws {
            let store = try await registry.open()
            // Bounded (CSVInputLimits), and checked whole before the first firm is registered.
            try BoundedCSVInput.check(path: file)
            let stream = try BoundedCSVInput(path: file)
            guard let reader = try? CSVReader(stream: stream, hasHeaderRow: true, trimFields: true) else {
                throw EngineError(.csv, "\(file): cannot read the header row (is the file UTF-8 CSV?)")
            }
            let context = try registry.auditContext()
            var row = 1
            var failed = false
            while reader.next() != nil {
                row += 1
                guard let id = reader["id"], let name = reader["legal_name"], let kindText = reader["kind"],
                    let kind = Firm.Kind(rawValue: kindText), let licence = reader["licence"]
                else {
                    printError("\(file) row \(row): needs id, legal_name, kind (postal|telecom), licence")
                    failed = true
                    continue
                }
                do {
                    if try await store.firm(id) != nil {
                        printError("skipped \(id): already registered")
                        continue
                    }
                    let firm = Firm(id: id, legalName: name, kind: kind, licence: licence,
                                    createdAt: context.effectiveTime)
                    try await Registry(store: store).addFirm(firm, context: context)
                    print("registered \(SafeText.escaped(id)): \(SafeText.escaped(name))")
                } catch {
                    printError("\(file) row \(row): \(error.reason)")
                    failed = true
                }
            }
            if failed { throw Exit.rejected }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List registered firms.")
        @OptionGroup var registry: RegistryOptions

        mutating func run() async throws {
            let firms = try await registry.open(readOnly: true).firms()
            print("ID        KIND     STATUS     LICENCE          LEGAL NAME")
            for firm in firms {
                let safe = SafeText.escaped
                print("\(safe(firm.id).padding(9)) \(firm.kind.rawValue.padding(8)) \(firm.status.rawValue.padding(10)) "
                      + "\(safe(firm.licence).padding(16)) \(safe(firm.legalName))")
            }
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "suspend",
            abstract: "Suspend a firm: its live passes are revoked (firm-suspended) and it gets no new ones.",
            discussion: "Reinstating later does not un-revoke them: the firm asks for new passes.")
        @Argument var id: String
        @Option(name: .long, help: "Why, for the audit log.")
        var reason: String
        @OptionGroup var registry: RegistryOptions

        func validate() throws { try checkOneLine(reason, "--reason", maxLength: Registry.maxFirmTextLength) }

        mutating func run() async throws {
            try await setStatus(.suspended, id: id, reason: reason, registry: registry)
        }
    }

    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reinstate", abstract: "Lift a firm's suspension.")
        @Argument var id: String
        @Option(name: .long, help: "Why, for the audit log.")
        var reason: String
        @OptionGroup var registry: RegistryOptions

        func validate() throws { try checkOneLine(reason, "--reason", maxLength: Registry.maxFirmTextLength) }

        mutating func run() async throws {
            try await setStatus(.active, id: id, reason: reason, registry: registry)
        }
    }
}

private func setStatus(_ status: Firm.Status, id: String, reason: String, registry: RegistryOptions) async throws {
    let revoked = try await Registry(store: try await registry.open())
        .setFirmStatus(id, status, reason: reason, context: try registry.auditContext())
    printError("\(id): \(status.rawValue)")
    if !revoked.isEmpty {
        printError("revoked \(revoked.count) live passes of \(id) (firm-suspended); run `greenlane revocations export` "
            + "and send the list to checkpoints")
    }
}

/// Free text bound for the audit log must be one line of printable characters (a usage error otherwise).
func checkOneLine(_ text: String, _ flag: String, maxLength: Int) throws {
    if let problem = AuditText.problem(in: text, maxLength: maxLength) {
        throw ValidationError("\(flag) \(problem); it must be one line of printable text")
    }
}
