import ArgumentParser
import GreenlaneSupport
import GreenlaneCheckpointCLI
import GreenlaneFormat
import GreenlaneStore
import GreenlaneSQLiteStore

extension Greenlane {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List issued permits, filtered, as a table, CSV or JSON lines (streamed).")

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, jsonl }

        @Option(name: .long, help: "Only this firm.") var firm: String?
        @Option(name: .long, help: "Only this plate (punctuation and case ignored).") var plate: String?
        @Option(name: .long, help: "active, pending, expired or revoked (at --clock time).")
        var status: PermitListing.Status?
        @Option(name: .long, help: "Only permits valid in this district.") var zone: String?
        @Option(name: .long, help: "essential-goods, public-postal or telecom-repair.") var purpose: String?
        @Option(name: .long, help: "Issued at or after this time.") var issuedFrom: String?
        @Option(name: .long, help: "Issued before this time.") var issuedUntil: String?
        @Option(name: .long, help: "Valid at this time (started, not expired, not revoked).") var validAt: String?
        @Option(name: .long, help: "At most this many permits.") var limit: Int?
        @Option(name: .long, help: "table, csv or jsonl.") var format: Format = .table
        @OptionGroup var registry: RegistryOptions

        func validate() throws {
            if let zone, District(zone) == nil { throw ValidationError("--zone '\(zone)' is not a Hanoi district") }
            if let purpose, Purpose(slug: purpose) == nil {
                throw ValidationError("--purpose '\(purpose)' is not essential-goods, public-postal or telecom-repair")
            }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        mutating func run() async throws {
            var filter = PermitFilter(now: try registry.now())
            filter.firmID = firm
            filter.plate = plate
            filter.status = status
            filter.zone = zone.flatMap(District.init)
            filter.purpose = purpose.flatMap(Purpose.init(slug:))
            filter.issuedFrom = try issuedFrom.map { try parseTime($0, flag: "--issued-from") }
            filter.issuedUntil = try issuedUntil.map { try parseTime($0, flag: "--issued-until") }
            filter.validAt = try validAt.map { try parseTime($0, flag: "--valid-at") }
            filter.limit = limit
            let store = try await registry.open(readOnly: true)
            var writer = ListingWriter(format: format)
            writer.header()
            for try await listing in store.permits(matching: filter) { writer.row(listing) }
            writer.footer()
        }
    }
}

/// Writes listings one at a time, flushing as it goes, so a million rows stream with flat memory.
struct ListingWriter {
    let format: Greenlane.List.Format
    private var count = 0
    private var buffer = ""

    init(format: Greenlane.List.Format) { self.format = format }

    static let columns = ["serial", "status", "firm", "plate", "vehicle_class", "driver_name", "driver_id", "zones",
                          "purpose", "window", "not_before", "expires_at", "issued_at", "revoked_at", "revoke_reason",
                          "replaces", "renewed_from"]

    mutating func header() {
        switch format {
        case .table:
            emit("SERIAL      STATUS   FIRM      PLATE          CLASS        VALID UNTIL        DRIVER")
        case .csv: emit(Self.columns.joined(separator: ","))
        case .jsonl: break
        }
    }

    mutating func row(_ listing: PermitListing) {
        let permit = listing.permit
        let zones = Zones(mask: UInt32(truncatingIfNeeded: permit.zones)).map { $0.isAll ? "all" : $0.description } ?? ""
        let vehicleClass = VehicleClass(rawValue: permit.vehicleClass)?.slug ?? String(permit.vehicleClass)
        let window = permit.windowStart.flatMap { start in
            permit.windowEnd.flatMap { try? DailyWindow(startMinute: start, endMinute: $0).description }
        } ?? ""
        count += 1
        switch format {
        case .table:
            // A table is for a terminal: stored text escaped (CSV and JSON Lines keep it exact, for programs).
            let safe = SafeText.escaped
            emit("\(safe(permit.serial).padding(11)) \(listing.status.rawValue.padding(8)) \(safe(permit.firmID).padding(9)) "
                 + "\(safe(permit.plate).padding(14)) \(vehicleClass.padding(12)) "
                 + "\(Timestamp.vietnamese(permit.expiresAt).padding(18)) \(safe(permit.driverName))")
        case .csv:
            let values = [
                permit.serial, listing.status.rawValue, permit.firmID, permit.plate, vehicleClass, permit.driverName,
                permit.driverID, zones, Purpose(rawValue: permit.purpose)?.slug ?? "", window,
                Timestamp.rfc3339(permit.notBefore), Timestamp.rfc3339(permit.expiresAt),
                Timestamp.rfc3339(permit.issuedAt), listing.revocation.map { Timestamp.rfc3339($0.revokedAt) } ?? "",
                listing.revocation?.reason ?? "", permit.replaces ?? "", permit.renewedFrom ?? "",
            ]
            emit(values.map(SpreadsheetSafeCSV.field).joined(separator: ","))
        case .jsonl:
            var fields: [(String, JSONValue)] = [
                ("serial", .string(permit.serial)), ("status", .string(listing.status.rawValue)),
                ("firm", .string(permit.firmID)), ("firmName", .string(listing.firmName)),
                ("plate", .string(permit.plate)), ("vehicleClass", .string(vehicleClass)),
                ("driverName", .string(permit.driverName)), ("driverID", .string(permit.driverID)),
                ("zones", .string(zones)), ("purpose", .string(Purpose(rawValue: permit.purpose)?.slug ?? "")),
                ("notBefore", .string(Timestamp.rfc3339(permit.notBefore))),
                ("expiresAt", .string(Timestamp.rfc3339(permit.expiresAt))),
                ("issuedAt", .string(Timestamp.rfc3339(permit.issuedAt))), ("kid", .string(permit.kid)),
            ]
            if !window.isEmpty { fields.append(("window", .string(window))) }
            if let revocation = listing.revocation {
                fields.append(("revokedAt", .string(Timestamp.rfc3339(revocation.revokedAt))))
                fields.append(("revokeReason", .string(revocation.reason)))
            }
            if let replaces = permit.replaces { fields.append(("replaces", .string(replaces))) }
            if let renewed = permit.renewedFrom { fields.append(("renewedFrom", .string(renewed))) }
            emit(JSONValue.object(fields).text)
        }
    }

    mutating func footer() {
        if format == .table { emit("(\(count) permits)") }
        flush()
    }

    private mutating func emit(_ line: String) {
        buffer += line
        buffer += "\n"
        if buffer.utf8.count > 1 << 16 { flush() }
    }

    private mutating func flush() {
        fputsStdout(buffer)
        buffer = ""
    }
}

/// CSV that spreadsheets cannot execute: RFC 4180 quoting, and any field that a spreadsheet would read as
/// a formula (starting with = + - @, tab or carriage return) is prefixed with an apostrophe (OWASP).
enum SpreadsheetSafeCSV {
    static func field(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            value = "'" + value
        }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
