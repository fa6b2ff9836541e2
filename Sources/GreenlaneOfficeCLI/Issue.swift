import ArgumentParser
import GreenlaneCheckpointCLI
import Foundation
import GreenlaneEngine
import GreenlaneRequestCSV
import GreenlaneFormat
import GreenlaneVerifier
import GreenlaneQR
import GreenlaneStore
import GreenlaneSQLiteStore
import GreenlaneSupport

extension Greenlane {
    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue", abstract: "Issue passes for one vehicle (flags) or a fleet (--csv).",
            discussion: """
                Every request is checked against the policy; each pass is recorded in the registry before
                its code is printed or written. In a batch, good rows are issued and refused rows are
                reported with their reasons (exit code 1); with --all-or-nothing a single refusal means
                nothing is issued. --replace revokes a plate's active pass in the same transaction.

                Run the same CSV again after a batch stopped (a crash, the registry gone): a row whose
                vehicle's live pass is exactly what that row asked for (firm, plate, class, driver, test,
                zones, purpose, validity) is reported as already issued with its serial, on standard error,
                not refused (with --out its files are written again); the missing rows are issued. Any other
                pass the vehicle holds is still a refusal.
                """)

        @Option(name: .long, help: "Policy file (JSON).")
        var policy: String
        @OptionGroup var signing: SigningKeyOptions
        @OptionGroup var registry: RegistryOptions

        @Option(name: .long, help: "Fleet requests, one per row (see Samples/requests.csv).")
        var csv: String?

        @Option(name: .long, help: "Firm id.") var firm: String?
        @Option(name: .long, help: "Plate, e.g. 29C-123.45.") var plate: String?
        @Option(name: .customLong("class"), help: "motorbike, car, van, light-truck or heavy-truck.")
        var vehicleClass: String?
        @Option(name: .long, help: "Driver's full name.") var driverName: String?
        @Option(name: .long, help: "Driver's 12-digit citizen ID.") var driverID: String?
        @Option(name: .long, help: "When the driver's negative COVID-19 test was taken.") var testAt: String?
        @Option(name: .long, help: "essential-goods, public-postal or telecom-repair.") var purpose: String?
        @Option(name: .long, help: "Districts, comma-separated slugs, or 'all'.") var zones: String?
        @Option(name: .long, help: "Start of validity (default: now).") var validFrom: String?
        @Option(name: .long, help: "Requested end of validity (capped by the policy).") var validUntil: String?

        @Flag(name: .long, help: "Revoke the plate's active pass instead of refusing the new one.")
        var replace = false
        @Flag(name: .long, help: "Issue nothing unless every row can be issued.")
        var allOrNothing = false
        @Option(name: .long, help: "Write SERIAL.txt, SERIAL.png, SERIAL.svg and SERIAL.card.svg here.")
        var out: String?
        @Flag(name: .long, help: "One JSON object per row on standard output.")
        var json = false
        @Option(name: .long, help: "Signing threads (default: one per core).")
        var jobs: Int?

        func validate() throws {
            let single = [firm, plate, vehicleClass, driverName, driverID, testAt, purpose, zones]
            if let csv {
                // The file's name goes into every permit.issue entry of the audit log.
                try checkOneLine(csv, "--csv", maxLength: 1_000)
                if single.contains(where: { $0 != nil }) {
                    throw ValidationError("give --csv or the single-vehicle flags, not both")
                }
            } else if single.contains(where: { $0 == nil }) {
                throw ValidationError(
                    "one vehicle needs --firm, --plate, --class, --driver-name, --driver-id, --test-at, --purpose and --zones")
            }
        }

        mutating func run() async throws {
            // Everything that can be refused up front is, before a single permit is issued.
            if let out { try FileWriter.checkFolder(out, flag: "--out") }
            // Policy, registry, key and trust entry must agree before anything is signed.
            let policy = try Policy.load(path: self.policy)
            let store = try await registry.open()
            let (key, entry) = try signing.load(issuer: policy.issuer, role: .passes)
            let engine = try PermitEngine(policy: policy, store: store, key: key)
            // After the set-up: a command refused for its key or policy says only that (one line).
            let context = try registry.auditContext()
            try SigningKeyOptions.checkPassesFit(entry, policy: policy, at: context.effectiveTime)
            var requests: [PermitRequest] = []
            var malformed: [RequestRefusal] = []
            if let csv {
                let rows = try RequestCSV.read(path: csv)
                requests = rows.requests
                malformed = rows.malformed
            } else {
                requests = [PermitRequest(
                    source: "command line", firmID: firm!, plate: plate!, vehicleClass: vehicleClass!,
                    driverName: driverName!, driverID: driverID!, testAt: testAt!, purpose: purpose!, zones: zones!,
                    validFrom: validFrom, validUntil: validUntil)]
            }
            var options = PermitEngine.BatchOptions(context: context)
            options.replace = replace
            options.allOrNothing = allOrNothing
            options.jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
            var output = PassOutput(folder: out)
            output.firmNames = Dictionary(uniqueKeysWithValues: try await engine.store.firms().map { ($0.id, $0.legalName) })
            output.isDemo = entry.isDemo
            let report = IssueReport(json: json, single: csv == nil, output: output)
            let summary = try await report.run {
                try await engine.issue(requests, malformed: malformed, options: options, onCommitted: $0)
            }
            if !json && csv != nil {
                printError("issued \(summary.issued), refused \(summary.refused), already issued \(summary.alreadyIssued)"
                    + (summary.rolledBack ? " — nothing was issued (--all-or-nothing)" : ""))
            }
            if summary.refused > 0 { throw Exit.rejected }
        }
    }
}

/// Reports each row once its chunk has committed, and writes its files.
///
/// Codes and machine output go to standard output; refusals and summaries to standard error. When a file
/// cannot be written (a full disk), every permit already committed is still reported, each marked, and the
/// batch stops: the dispatcher learns exactly which cards to write again (`greenlane show SERIAL --out DIR`).
final class IssueReport {
    let json: Bool
    let single: Bool
    let output: PassOutput
    /// The first file that could not be written, and the committed permits whose files are missing.
    private var failure: FileError?
    private var unwritten: [String] = []

    init(json: Bool, single: Bool, output: PassOutput) {
        self.json = json
        self.single = single
        self.output = output
    }

    /// Runs `issue`, handing it the per-chunk reporter, and turns a failed write into one clear error.
    func run(_ issue: (([PermitEngine.RowResult]) throws -> Void) async throws -> PermitEngine.Summary) async throws
        -> PermitEngine.Summary
    {
        do {
            return try await issue { try self.report($0) }
        } catch {
            guard let failure else { throw error }
            let list = unwritten.count <= 20
                ? unwritten.joined(separator: ", ")
                : unwritten.prefix(20).joined(separator: ", ") + " and \(unwritten.count - 20) more"
            throw FileError(
                .unwritable,
                failure.reason + "; the batch stopped. \(unwritten.count) permit(s) are recorded in the registry "
                    + "but their files were not written: \(list). Write them again with "
                    + "`greenlane show SERIAL --out DIR`", underlying: failure)
        }
    }

    private func report(_ results: [PermitEngine.RowResult]) throws {
        for result in results { print(result) }
        if let failure { throw failure }
    }

    private func print(_ result: PermitEngine.RowResult) {
        switch result {
        case .issued(let record, let replaced):
            var files: [String] = []
            var fileError: FileError?
            if failure == nil {
                do { files = try output.write(record) } catch {
                    failure = error
                    fileError = error
                }
            }
            if output.folder != nil && files.isEmpty {
                unwritten.append(record.serial)
                if fileError == nil { fileError = failure }
            }
            if json {
                var fields: [(String, JSONValue)] = [
                    ("issued", .bool(true)), ("serial", .string(record.serial)), ("plate", .string(record.plate)),
                    ("firm", .string(record.firmID)), ("expiresAt", .string(Timestamp.rfc3339(record.expiresAt))),
                    ("code", .string(record.code)),
                ]
                if let replaced { fields.append(("replaced", .string(replaced))) }
                if !files.isEmpty { fields.append(("files", .array(files.map(JSONValue.string)))) }
                if let fileError { fields.append(("filesNotWritten", .string(fileError.reason))) }
                Swift.print(JSONValue.object(fields).text)
            } else if single {
                Swift.print(record.code)
                printError("issued \(record.serial) for \(record.plate), valid until "
                    + Timestamp.vietnamese(record.expiresAt) + (replaced.map { "; revoked \($0)" } ?? ""))
            } else {
                Swift.print("✔ \(record.serial)  \(record.plate.padding(13)) until "
                    + Timestamp.vietnamese(record.expiresAt) + (replaced.map { "  (replaces \($0))" } ?? "")
                    + (fileError == nil ? "" : "  (recorded; files NOT written)"))
            }
        case .alreadyIssued(let record, let source):
            // Its files again with --out (the first run may have stopped before writing them); its code is not
            // printed again as a new pass.
            var files: [String] = []
            var fileError: FileError?
            if failure == nil {
                do { files = try output.write(record) } catch {
                    failure = error
                    fileError = error
                }
            }
            if output.folder != nil && files.isEmpty {
                unwritten.append(record.serial)
                if fileError == nil { fileError = failure }
            }
            if json {
                var fields: [(String, JSONValue)] = [
                    ("issued", .bool(false)), ("alreadyIssued", .bool(true)), ("source", .string(source)),
                    ("serial", .string(record.serial)), ("plate", .string(record.plate)),
                    ("firm", .string(record.firmID)), ("expiresAt", .string(Timestamp.rfc3339(record.expiresAt))),
                    ("code", .string(record.code)),
                ]
                if !files.isEmpty { fields.append(("files", .array(files.map(JSONValue.string)))) }
                if let fileError { fields.append(("filesNotWritten", .string(fileError.reason))) }
                Swift.print(JSONValue.object(fields).text)
            } else {
                printError("= \(source): already issued as \(record.serial) for \(record.plate), valid until "
                    + Timestamp.vietnamese(record.expiresAt) + " (not issued again"
                    + (files.isEmpty ? ")" : "; files written again)")
                    + (fileError == nil ? "" : "  (files NOT written)"))
            }
        case .refused(let refusal):
            if json {
                Swift.print(JSONValue.object([
                    ("issued", .bool(false)), ("source", .string(refusal.source)),
                    ("reasons", .array(refusal.reasons.map(JSONValue.string))),
                ]).text)
            } else {
                printError("✘ \(refusal.source): " + refusal.reasons.joined(separator: "; "))
            }
        }
    }
}

/// Writes a permit's code, QR symbols and card into a folder, after the permit is committed. Each file is
/// written whole or not at all, with mode 0600: cards carry the driver's name and citizen ID number.
struct PassOutput {
    let folder: String?
    /// Firm legal names for the cards.
    var firmNames: [String: String] = [:]
    /// The signing key is marked demo in a trust file: cards carry the DEMO watermark. The published demo keys
    /// (`DemoKeys`) get it whatever this says.
    var isDemo = false

    /// Whether `record`'s card is a demo card.
    func isDemo(_ record: PermitRecord) -> Bool {
        isDemo || (Hex.decode(record.kid).map(DemoKeys.contains) ?? false)
    }

    func write(_ record: PermitRecord) throws(FileError) -> [String] {
        guard let folder else { return [] }
        let stem = (folder.hasSuffix("/") ? folder : folder + "/") + record.serial
        let qr: QRCode
        let card: String
        do {
            qr = try QRCode(encoding: record.code)
            card = try PassCard.svg(
                claims: try record.claims(), code: record.code, firmName: firmNames[record.firmID], isDemo: isDemo(record))
        } catch {
            throw FileError(.unwritable, "cannot draw the card of \(record.serial): \(error)", underlying: error)
        }
        let png: [UInt8]
        do { png = try qr.png() } catch {
            throw FileError(.unwritable, "cannot draw the QR code of \(record.serial): \(error)", underlying: error)
        }
        try FileWriter.write(Array((record.code + "\n").utf8), to: stem + ".txt")
        try FileWriter.write(png, to: stem + ".png")
        try FileWriter.write(Array(qr.svg().utf8), to: stem + ".svg")
        try FileWriter.write(Array(card.utf8), to: stem + ".card.svg")
        return [stem + ".txt", stem + ".png", stem + ".svg", stem + ".card.svg"]
    }
}
