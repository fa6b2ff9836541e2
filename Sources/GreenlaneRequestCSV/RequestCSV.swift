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
        try read(path: path, blockBytes: 1 << 20)
    }

    /// Reads the file a block of whole records at a time (about `blockBytes`; the tests make it tiny): each
    /// block is checked against the limits and for UTF-8 as it is read, then handed to CSV.swift as a string,
    /// without its trimming when no field in the block has white space at its ends (`BoundedCSVInput.Records`).
    /// Memory stays bounded by the block, not the file; CSV.swift's stream reader decoded one scalar at a time
    /// through three iterators and trimmed every field with Foundation (BENCHMARKS.md, issue 13).
    static func read(path: String, blockBytes: Int) throws(EngineError) -> Rows {
        let name = URL(fileURLWithPath: path).lastPathComponent
        // Bounded: a file, row or field above CSVInputLimits stops the reading, in constant memory.
        let input = try BoundedCSVInput(path: path)
        defer { input.close() }
        var header: [String] = []
        var headerIndex: [String: Int] = [:]
        var rows = Rows(requests: [], malformed: [])
        var number = 1  // the header is row 1, as a spreadsheet numbers it
        var first = true
        while let block = try input.nextRecords(minimumBytes: blockBytes) {
            let text = try Self.text(of: block, path: path)
            let reader: CSVReader
            do {
                reader = try CSVReader(string: text, hasHeaderRow: first, trimFields: block.trimmed)
            } catch {
                throw EngineError(
                    .csv, "\(path): cannot read the header row (is the file UTF-8 CSV?)",
                    underlying: CSVReadFailure(description: "\(error)"))
            }
            if first {
                header = (reader.headerRow ?? []).map { $0.trimmed.lowercased() }
                headerIndex = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
                let missing = requiredColumns.filter { headerIndex[$0] == nil }
                guard missing.isEmpty else {
                    throw EngineError(.csv, "\(path): missing column(s) \(missing.joined(separator: ", ")); "
                        + "the header must name \((requiredColumns + optionalColumns).joined(separator: ","))")
                }
                let unknown = header.filter { !requiredColumns.contains($0) && !optionalColumns.contains($0) }
                guard unknown.isEmpty else {
                    throw EngineError(.csv, "\(path): unknown column(s) \(unknown.joined(separator: ", "))")
                }
            }
            let columns = requiredColumns.map { headerIndex[$0]! }
            let validFrom = headerIndex["valid_from"], validUntil = headerIndex["valid_until"]
            while let fields = reader.next() {
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
                rows.requests.append(PermitRequest(
                    source: source, firmID: fields[columns[0]], plate: fields[columns[1]],
                    vehicleClass: fields[columns[2]], driverName: fields[columns[3]], driverID: fields[columns[4]],
                    testAt: fields[columns[5]], purpose: fields[columns[6]], zones: fields[columns[7]],
                    validFrom: validFrom.map { fields[$0] } ?? "", validUntil: validUntil.map { fields[$0] } ?? ""))
            }
            first = false
        }
        return rows
    }

    /// The block as text; bytes that are not UTF-8 refuse the whole file, naming their row.
    static func text(of block: BoundedCSVInput.Records, path: String) throws(EngineError) -> String {
        if let text = String(validating: block.bytes, as: UTF8.self) { return text }
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = block.bytes.makeIterator()
        var valid = 0
        parsing: while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let scalar): valid += scalar.count
            case .emptyInput, .error: break parsing
            }
        }
        let before = block.bytes.prefix(valid)
        var row = block.firstRow
        // Line ends outside quotes before the bad byte: CSV.swift's rows, as BoundedCSVInput counts them.
        var quoted = false
        for byte in before {
            if byte == UInt8(ascii: "\"") { quoted.toggle() } else if byte == UInt8(ascii: "\n") && !quoted { row += 1 }
        }
        throw EngineError(.csv, "\(path): stopped near row \(row): the text cannot be read (is the file UTF-8 CSV?)")
    }
}

/// What CSV.swift reported, kept for `GREENLANE_DEBUG` (its errors are not Sendable).
struct CSVReadFailure: Error, Sendable, CustomStringConvertible {
    let description: String
}
