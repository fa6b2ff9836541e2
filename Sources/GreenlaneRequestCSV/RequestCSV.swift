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

    public struct Rows: Sendable {
        public var requests: [PermitRequest]
        public var malformed: [RequestRefusal]
    }

    public static func read(path: String) throws(EngineError) -> Rows {
        try read(path: path, blockBytes: 1 << 20)
    }

    /// Reads the file a block of whole records at a time (about `blockBytes`; the tests make it tiny): each
    /// block is checked against the limits and for UTF-8 as it is read, then handed to CSV.swift as a string,
    /// without its trimming when no field in the block has white space at its ends (`BoundedCSVInput.Records`).
    /// CSV.swift's stream reader decoded one scalar at a time through three iterators and trimmed every field
    /// with Foundation (BENCHMARKS.md, issue 13).
    ///
    /// After the header's block, up to `lanes` blocks are parsed at once, each on a thread, while this one reads
    /// the next: CSV.swift's parsing was most of a large batch's reading, and the blocks are independent (each
    /// knows its first row's number). Results are taken in file order, so the first problem in the file is the
    /// one reported, and memory stays bounded by the blocks in flight, not the file.
    static func read(path: String, blockBytes: Int, lanes: Int = defaultLanes) throws(EngineError) -> Rows {
        let name = URL(fileURLWithPath: path).lastPathComponent
        // Bounded: a file, row or field above CSVInputLimits stops the reading, in constant memory.
        let input = try BoundedCSVInput(path: path)
        defer { input.close() }
        guard let first = try input.nextRecords(minimumBytes: blockBytes) else { return Rows(requests: [], malformed: []) }
        let text = try Self.text(of: first, path: path)
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: first.trimmed)
        } catch {
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
        let layout = Layout(
            name: name, width: header.count, columns: requiredColumns.map { headerIndex[$0]! },
            validFrom: headerIndex["valid_from"], validUntil: headerIndex["valid_until"])

        var rows = Rows(requests: [], malformed: [])
        // The row number the next block must start at: each block's count is checked against the next's start.
        var expectedRow = first.firstRow + 1
        func take(_ block: Block) throws(EngineError) {
            guard block.firstRow == expectedRow else {
                throw EngineError(.csv, "\(path): lost count of rows near row \(expectedRow) (the blocks disagree)")
            }
            expectedRow = block.firstRow + block.records
            rows.requests += block.rows.requests
            rows.malformed += block.rows.malformed
            guard expectedRow - 2 <= maxRows else {
                throw EngineError(.csv, "\(path): more than \(maxRows) rows; split the batch")
            }
        }
        try take(Block(parsing: reader, firstRow: first.firstRow + 1, layout: layout))

        var inFlight: [Block.Pending] = []
        while true {
            let block: BoundedCSVInput.Records?
            do { block = try input.nextRecords(minimumBytes: blockBytes) } catch {
                // What was read before the problem comes first: its blocks may hold an earlier one.
                for pending in inFlight { try take(pending.wait()) }
                throw error
            }
            guard let block else { break }
            if inFlight.count >= max(lanes, 1) { try take(inFlight.removeFirst().wait()) }
            let pending = Block.Pending()
            // A thread of its own: this thread waits on the blocks in flight, and a dispatch queue's worker
            // waiting so would hold one of the pool's (as many as cores) threads that the parsing needs.
            Thread {
                let result = Result<Block, EngineError> { () throws(EngineError) -> Block in
                    let text = try Self.text(of: block, path: path)
                    // Only the header can fail CSV.swift's set-up, and no later block has one.
                    guard let reader = try? CSVReader(string: text, hasHeaderRow: false, trimFields: block.trimmed) else {
                        throw EngineError(.csv, "\(path): cannot read the rows from row \(block.firstRow)")
                    }
                    return Block(parsing: reader, firstRow: block.firstRow, layout: layout)
                }
                pending.finish(result)
            }.start()
            inFlight.append(pending)
        }
        for pending in inFlight { try take(pending.wait()) }
        return rows
    }

    /// Blocks parsed at once beside the reading thread.
    static let defaultLanes = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))

    /// Where each request column is, and how rows are named.
    struct Layout: Sendable {
        let name: String
        let width: Int
        let columns: [Int]
        let validFrom: Int?
        let validUntil: Int?
    }

    /// One block's requests and malformed rows, numbered from `firstRow`.
    struct Block: Sendable {
        let firstRow: Int
        /// Records read, blank lines included: where the next block starts.
        let records: Int
        let rows: Rows

        init(parsing reader: CSVReader, firstRow: Int, layout: Layout) {
            var rows = Rows(requests: [], malformed: [])
            var number = firstRow - 1
            let columns = layout.columns
            while let fields = reader.next() {
                number += 1
                // Past the limit nothing more is parsed; `take` refuses the file.
                if number - 1 > RequestCSV.maxRows { break }
                let source = "\(layout.name) row \(number)"
                if fields.count == 1 && fields[0].isEmpty { continue }  // blank line
                guard fields.count == layout.width else {
                    rows.malformed.append(RequestRefusal(
                        source: source, reasons: ["has \(fields.count) fields; the header has \(layout.width)"]))
                    continue
                }
                rows.requests.append(PermitRequest(
                    source: source, firmID: fields[columns[0]], plate: fields[columns[1]],
                    vehicleClass: fields[columns[2]], driverName: fields[columns[3]], driverID: fields[columns[4]],
                    testAt: fields[columns[5]], purpose: fields[columns[6]], zones: fields[columns[7]],
                    validFrom: layout.validFrom.map { fields[$0] } ?? "",
                    validUntil: layout.validUntil.map { fields[$0] } ?? ""))
            }
            self.firstRow = firstRow
            records = number - firstRow + 1
            self.rows = rows
        }

        /// A block being parsed on another thread.
        final class Pending: @unchecked Sendable {
            private let done = DispatchSemaphore(value: 0)
            // Written once before `done` is signalled, read after waiting on it.
            private var block: Block?
            private var failure: EngineError?

            func finish(_ result: Result<Block, EngineError>) {
                switch result {
                case .success(let block): self.block = block
                case .failure(let error): failure = error
                }
                done.signal()
            }

            func wait() throws(EngineError) -> Block {
                done.wait()
                if let failure { throw failure }
                return block!
            }
        }
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
