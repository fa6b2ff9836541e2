import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneFormat
import GreenlaneQR
import GreenlaneRegistry
import GreenlaneVerifier

extension Greenlane {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a permit from the registry: its status, claims, code and a QR code in the terminal.")

        @Argument(help: "Serial, e.g. HN-000123.") var serial: String
        @Flag(name: .long, help: "Print the QR code for a light terminal background.") var invert = false
        @Flag(name: .long, help: "Do not draw the QR code.") var noQR = false
        @OptionGroup var registry: RegistryOptions
        @OptionGroup var language: LanguageOptions

        mutating func run() async throws {
            let now = try registry.now()
            let store = try registry.open(readOnly: true)
            guard let listing = try store.permit(serial, at: now) else {
                printError("greenlane: no permit with serial \(serial) in \(registry.path)")
                throw Exit.rejected
            }
            let vi = language.language == .vi
            let claims = try listing.permit.claims()
            let status: String
            switch listing.status {
            case .revoked:
                let revocation = listing.revocation.map { " \(Timestamp.rfc3339($0.revokedAt)) (\($0.reason))" } ?? ""
                status = (vi ? "ĐÃ THU HỒI" : "REVOKED") + revocation
            case .expired: status = vi ? "HẾT HẠN" : "EXPIRED"
            case .pending: status = vi ? "CHƯA HIỆU LỰC" : "NOT YET VALID"
            case .active: status = vi ? "ĐANG HIỆU LỰC" : "ACTIVE"
            }
            print("\(listing.permit.serial) · \(status)")
            print("  " + (vi ? "Doanh nghiệp" : "Firm").padding(12) + "  \(listing.firmName)")
            for line in ResultRenderer(language: language.language).describe(claims) { print(line) }
            if let replaces = listing.permit.replaces { print("  replaces \(replaces)") }
            if let renewed = listing.permit.renewedFrom { print("  renews \(renewed)") }
            print("")
            if !noQR { print(try QRCode(encoding: listing.permit.code).terminalText(invert: invert)) }
            print(listing.permit.code)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Revoke a permit. Checkpoints refuse it once they load a revocation list exported after this.")

        @Argument(help: "Serial, e.g. HN-000123.") var serial: String
        @Option(name: .long, help: "Short reason: lost, stolen, misuse, firm-suspended, ...") var reason: String
        @OptionGroup var registry: RegistryOptions

        mutating func run() async throws {
            do {
                try registry.open().revoke(serial, reason: reason, actor: registry.actorName, at: try registry.now())
            } catch let error as RegistryError {
                printError("greenlane: \(error)")
                throw Exit.rejected
            }
            print("revoked \(serial) (\(reason)); run `greenlane revocations export` and send the list to checkpoints")
        }
    }

    struct Revocations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revocations",
            abstract: "Signed revocation lists for offline checkpoints.", subcommands: [Export.self])

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "export", abstract: "Write the signed list of revoked permits that have not yet expired.")

            @Option(name: [.short, .long], help: "Output file (.glr).") var out: String
            @Option(name: .long, help: "Issuer (iss) the list is for.") var issuer = "VN-HN"
            @OptionGroup var signing: SigningKeyOptions
            @OptionGroup var registry: RegistryOptions

            mutating func run() async throws {
                let now = try registry.now()
                let store = try registry.open()
                let entries = try store.revocations(relevantAt: now)
                let list = RevocationList(issuer: issuer, issuedAt: now, entries: entries)
                let bytes = try PassSignerFactory.signer(signing).signedRevocationList(list)
                try writeFile(out, bytes)
                try store.recordExport("revocations.export", detail: "\(entries.count) entries to \(out)",
                                       actor: registry.actorName, at: now)
                print("wrote \(out): \(entries.count) revoked permits, signed \(Timestamp.rfc3339(now))")
            }
        }
    }
}
