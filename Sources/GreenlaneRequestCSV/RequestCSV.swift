import CSV
public import GreenlaneEngine
import Foundation

/// Reads a fleet's requests from CSV (UTF-8, header row, comma-separated, RFC 4180 quoting).
///
/// Columns: firm, plate, vehicle_class, driver_name, driver_id, test_at, purpose, zones, and optionally
/// valid_from, valid_until. Problems with the file as a whole (unreadable, missing column, not UTF-8, larger
/// than `CSVInputLimits`) throw; a problem with one row becomes that row's refusal, so the other rows can still
/// be issued.
public enum RequestCSV {
    public static let requiredColumns = [
        "firm", "plate", "vehicle_class", "driver_name", "driver_id", "test_at", "purpose", "zones",
    ]
    public static let optionalColumns = ["valid_from", "valid_until"]
    /// A batch larger than this is refused before any row is issued.
    public static let maxRows = CSVInputLimits.maxRows

    public struct Rows {
        public var requests: [PermitRequest]
        public var malformed: [RequestRefusal]
    }

    public static func read(path: String) throws(EngineError) -> Rows {
        let name = URL(fileURLWithPath: path).lastPathComponent
        // Bounded: a file, row or field above CSVInputLimits stops the stream, in constant memory.
        let stream = try BoundedCSVInput(path: path)
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: true, trimFields: true)
        } catch {
            if let violation = stream.violation { throw violation }
            throw EngineError(
                .csv, "\(path): cannot read the header row (is the file UTF-8 CSV?)",
                underlying: CSVReadFailure(description: "\(error)"))
        }
        let header = (reader.headerRow ?? []).map { $0.trimmed.lowercased() }
        let headerIndex = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let missing = requiredColumns.filter { headerIndex[$0] == nil }
        guard missing.isEmpty else {
            throw EngineError(.csv, "\(path): missing column(s) \(missing.joined(separator: ", ")); "
                + "the header must name \((requiredColumns + optionalColumns).joined(separator: ","))")
        }
        let unknown = header.filter { !requiredColumns.contains($0) && !optionalColumns.contains($0) }
        guard unknown.isEmpty else {
            throw EngineError(.csv, "\(path): unknown column(s) \(unknown.joined(separator: ", "))")
        }
        var rows = Rows(requests: [], malformed: [])
        var number = 1  // the header is row 1, as a spreadsheet numbers it
        while let fields = reader.next() {
            if let violation = stream.violation { throw violation }
            // Checked on every row: CSV.swift reports bytes that are not UTF-8 by cutting the row short and
            // recording the error, and by the end of the file its end-of-input error has overwritten that one.
            if let error = reader.error, !Self.isEndOfInput(error) {
                throw EngineError(
                    .csv, "\(path): stopped near row \(number + 1): the text cannot be read (is the file UTF-8 CSV?)",
                    underlying: CSVReadFailure(description: "\(error)"))
            }
            number += 1
            guard number - 1 <= maxRows else {
                throw EngineError(.csv, "\(path): more than \(maxRows) rows; split the batch")
            }
            let source = "\(name) row \(number)"
            if fields.count == 1 && fields[0].isEmpty { continue }  // blank line
            guard fields.count == header.count else {
                rows.malformed.append(RequestRefusal(
                    source: source, reasons: ["has \(fields.count) fields; the header has \(header.count)"]))
                continue
            }
            func value(_ column: String) -> String { headerIndex[column].map { fields[$0] } ?? "" }
            rows.requests.append(PermitRequest(
                source: source, firmID: value("firm"), plate: value("plate"), vehicleClass: value("vehicle_class"),
                driverName: value("driver_name"), driverID: value("driver_id"), testAt: value("test_at"),
                purpose: value("purpose"), zones: value("zones"), validFrom: value("valid_from"),
                validUntil: value("valid_until")))
        }
        if let violation = stream.violation { throw violation }
        // CSV.swift reports the end of a Linux InputStream as `cannotReadFile`: that is the end, not a fault.
        if let error = reader.error, !Self.isEndOfInput(error) {
            throw EngineError(
                    .csv, "\(path): stopped near row \(number + 1): the text cannot be read (is the file UTF-8 CSV?)",
                    underlying: CSVReadFailure(description: "\(error)"))
        }
        return rows
    }

    static func isEndOfInput(_ error: any Error) -> Bool {
        if case CSVError.cannotReadFile = error { return true }
        return false
    }
}

/// What CSV.swift reported, kept for `GREENLANE_DEBUG` (its errors are not Sendable).
struct CSVReadFailure: Error, Sendable, CustomStringConvertible {
    let description: String
}
