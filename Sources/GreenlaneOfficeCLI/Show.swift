import ArgumentParser
import GreenlaneMessages
import GreenlaneCheckpointCLI
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneEngine
import GreenlaneQR
import GreenlaneStore
import GreenlaneSQLiteStore
import GreenlaneVerifier
import GreenlaneSupport

extension Greenlane {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a permit from the registry: its status, claims, code and a QR code in the terminal.")

        @Argument(help: "Serial, e.g. HN-000123.") var serial: String
        @Flag(name: .long, help: "Print the QR code for a light terminal background.") var invert = false
        @Flag(name: .long, help: "Do not draw the QR code.") var noQR = false
        @Option(name: .long, help: ArgumentHelp(
            "Write SERIAL.txt, .png, .svg and .card.svg here again (as issue --out).",
            discussion: "For cards that a failed write (a full disk) left unwritten."))
        var out: String?
        @Option(name: .long, help: "Trust file listing the signing key (its demo flag marks the card DEMO).")
        var keyTrust: String?
        @OptionGroup var registry: RegistryOptions
        @OptionGroup var language: LanguageOptions

        mutating func run() async throws {
            if let out { try FileWriter.checkFolder(out, flag: "--out") }
            let now = try registry.now()
            let store = try await registry.open(readOnly: true)
            guard let listing = try await store.permit(serial, at: now) else {
                throw RegistryError(.unknownPermit, "no permit with serial \(serial) in \(registry.path)")
            }
            if let out {
                var output = PassOutput(folder: out)
                if let firm = try await store.firm(listing.permit.firmID) { output.firmNames[firm.id] = firm.legalName }
                if let kid = Hex.decode(listing.permit.kid) {
                    // The published demo keys make demo cards with or without --key-trust.
                    let flagged = try keyTrust.map { try TrustSet.load(path: $0).key(for: kid)?.isDemo ?? false }
                    output.isDemo = DemoKeys.contains(kid) || flagged == true
                }
                for file in try output.write(listing.permit) { print(file) }
                return
            }
            let vi = language.language == .vi
            let claims = try listing.permit.claims()
            let status: String
            switch listing.status {
            case .revoked:
                let revocation = listing.revocation.map { revocation in
                    let reason = revocation.code.map { vi ? $0.vietnameseName : $0.englishName }
                        ?? SafeText.escaped(revocation.reason)
                    return " \(Timestamp.rfc3339(revocation.revokedAt)) (\(reason))"
                } ?? ""
                status = (vi ? "ĐÃ THU HỒI" : "REVOKED") + revocation
            case .expired: status = vi ? "HẾT HẠN" : "EXPIRED"
            case .pending: status = vi ? "CHƯA HIỆU LỰC" : "NOT YET VALID"
            case .active: status = vi ? "ĐANG HIỆU LỰC" : "ACTIVE"
            }
            print("\(listing.permit.serial) · \(status)")
            if let note = listing.revocation?.note {
                print("  " + (vi ? "Ghi chú" : "Note").padding(12) + "  \(SafeText.escaped(note))")
            }
            print("  " + (vi ? "Doanh nghiệp" : "Firm").padding(12) + "  \(SafeText.escaped(listing.firmName))")
            for line in ResultRenderer(language: language.language).describe(claims) { print(line) }
            if let replaces = listing.permit.replaces { print("  replaces \(SafeText.escaped(replaces))") }
            if let renewed = listing.permit.renewedFrom { print("  renews \(SafeText.escaped(renewed))") }
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
        @Option(name: .long, help: ArgumentHelp(
            "Why, as a code: " + RevocationReason.manual.map(\.code).joined(separator: ", ") + ".",
            discussion: Revoke.reasonTable, valueName: "code"))
        var reason: String
        @Option(name: .long, help: "Free text for the registry's records (one line); never sent to checkpoints.")
        var note: String?
        @OptionGroup var registry: RegistryOptions

        /// Each code a person may give, with its text in both languages, for `--help`.
        static var reasonTable: String {
            RevocationReason.manual.map { "\($0.code.padding(18)) \($0.vietnameseName) / \($0.englishName)" }
                .joined(separator: "\n")
        }

        func validate() throws {
            guard let code = RevocationReason(known: reason), !RevocationReason.engineOnly.contains(code) else {
                let hint = RevocationReason.engineOnly.contains(RevocationReason(known: reason) ?? .other)
                    ? " ('\(reason)' is set by issue --replace and renew)" : ""
                throw ValidationError(
                    "--reason must be one of " + RevocationReason.manual.map(\.code).joined(separator: ", ")
                        + hint + "; put any explanation in --note")
            }
            if let note { try checkOneLine(note, "--note", maxLength: Registry.maxNoteLength) }
        }

        mutating func run() async throws {
            let code = RevocationReason(known: reason)!  // validate() checked it
            try await Registry(store: try await registry.open())
                .revoke(serial, reason: code, note: note, context: try registry.auditContext())
            printError("revoked \(serial) (\(code.code)); "
                + "run `greenlane revocations export` and send the list to checkpoints")
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
            @Option(name: .long, help: "Hours until the next list is due (nextUpdate; 1-744).")
            var nextUpdate: Int64 = 24
            @Option(name: .long, help: "Hours after nextUpdate that checkpoints still use it, under an amber banner (0-168).")
            var grace: Int64 = 12
            @OptionGroup var signing: SigningKeyOptions
            @OptionGroup var registry: RegistryOptions

            func validate() throws {
                try checkOneLine(out, "--out", maxLength: 1_000)
                guard (1...RevocationList.maxValidity / 3600).contains(nextUpdate) else {
                    throw ValidationError("--next-update must be 1-\(RevocationList.maxValidity / 3600) hours")
                }
                guard (0...RevocationList.maxGrace / 3600).contains(grace) else {
                    throw ValidationError("--grace must be 0-\(RevocationList.maxGrace / 3600) hours")
                }
            }

            mutating func run() async throws {
                // The issuer is the registry's: a list names only what this registry revoked.
                let store = try await registry.open()
                let issuer = store.settings!.issuer
                let (key, entry) = try signing.load(issuer: issuer, role: .revocationLists)
                let signer = PassSigner(key: key)
                let context = try registry.auditContext()
                let now = context.effectiveTime
                let export = try await store.revocations(relevantAt: now)
                let entries = export.entries
                if !export.freeTextReasons.isEmpty {
                    let serials = export.freeTextReasons
                    printError("greenlane: \(serials.count) revocations recorded before reason codes have free text "
                        + "as their reason; the list says 'other' for them (free text never goes to checkpoints): "
                        + serials.prefix(10).joined(separator: ", ") + (serials.count > 10 ? ", ..." : ""))
                }
                let sequence = try await store.nextRevocationListSequence(kid: entry.keyIDHex)
                let list = RevocationList(
                    issuer: issuer, issuedAt: now, entries: entries, sequence: sequence,
                    nextUpdate: now + nextUpdate * 3600, grace: grace * 3600)
                let bytes = try signer.signedRevocationList(list)
                // Atomic: a failed or killed export leaves the previous list, which checkpoints still load.
                try FileWriter.write(bytes, to: out, mode: FileWriter.publicMode)
                let mapped = export.freeTextReasons.isEmpty
                    ? "" : " (\(export.freeTextReasons.count) free-text as other)"
                try await store.recordAudit(
                    "revocations.export", subject: nil,
                    detail: "\(entries.count) entries to \(out)\(mapped), sequence \(sequence) of kid \(entry.keyIDHex)",
                    context: context)
                printError("wrote \(out): \(entries.count) revoked permits, list \(sequence), signed "
                    + "\(Timestamp.rfc3339(now)), next due \(Timestamp.rfc3339(list.nextUpdate)) (grace \(grace) h)")
            }
        }
    }
}
