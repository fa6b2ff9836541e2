public import Foundation
import GreenlaneFormat
public import GreenlaneEngine
#if canImport(Glibc)
import Glibc
#endif

/// How much CSV the office reads (fleet requests, firms): the numbers are `Limits`'s, in GreenlaneFormat.
///
/// A larger file, record or field is refused with the file, row and column, in constant memory: the bytes are
/// counted as they are read, before the CSV library keeps any of them.
public enum CSVInputLimits {
    /// A larger file is refused before it is read: a million rows of about 500 bytes (a typical row has 150).
    public static let maxFileBytes: Int64 = Limits.csvFileBytes
    /// One row, as written in the file between line ends (quoted line breaks included).
    public static let maxRecordBytes = Limits.csvRecordBytes
    /// One field, as written in the file between commas (quotes included). The longest real field, `zones`
    /// naming all 30 districts by slug, has about 330 bytes.
    public static let maxFieldBytes = Limits.csvFieldBytes
    /// A batch with more data rows is refused before any row is issued.
    public static let maxRows = Limits.csvRows
}

/// A CSV file opened for reading in bounded memory: an `InputStream` for CSV.swift that counts every byte
/// through an RFC 4180 state machine before handing it on, and stops at the first limit broken.
///
/// Only regular files are read: a character device (`/dev/zero`), a FIFO or a socket never ends or
/// cannot be measured first. When a limit is broken, `read` fails and `violation` says what and where;
/// callers check it before any error CSV.swift reports.
public final class BoundedCSVInput: InputStream {
    public let path: String
    /// Why reading stopped early: a limit broken, or a read error.
    public private(set) var violation: EngineError?
    private var descriptor: Int32
    private var scanner: CSVScanner
    private var status: Stream.Status = .notOpen

    /// Opens `path`, refusing anything but a regular file of at most `CSVInputLimits.maxFileBytes`, and a file
    /// that starts with a UTF-16 or UTF-32 byte order mark.
    public init(path: String) throws(EngineError) {
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        let descriptor = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw EngineError(.csv, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw EngineError(.csv, "cannot read \(path): \(reason)")
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            Glibc.close(descriptor)
            let what = [S_IFCHR: "a character device", S_IFIFO: "a FIFO (named pipe)", S_IFSOCK: "a socket",
                        S_IFBLK: "a block device", S_IFDIR: "a folder"][kind] ?? "not a file"
            throw EngineError(.csv, "\(path) is \(what), not a regular file: give a CSV file")
        }
        guard Int64(info.st_size) <= CSVInputLimits.maxFileBytes else {
            Glibc.close(descriptor)
            throw EngineError(.csv, "\(path) has \(info.st_size) bytes, more than the limit of "
                + "\(CSVInputLimits.maxFileBytes) (\(CSVInputLimits.maxFileBytes >> 20) MiB); split the batch")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        var start = [UInt8](repeating: 0, count: 4)
        let count = pread(descriptor, &start, 4, 0)
        let head = Array(start.prefix(max(count, 0)))
        // CSV.swift strips these marks and then decodes UTF-8 anyway; refuse them rather than scan differently.
        if head.starts(with: [0xFE, 0xFF]) || head.starts(with: [0xFF, 0xFE]) || head == [0, 0, 0xFE, 0xFF] {
            Glibc.close(descriptor)
            throw EngineError(.csv, "\(path) is UTF-16 or UTF-32 text; save it as UTF-8 CSV")
        }
        self.path = path
        self.descriptor = descriptor
        scanner = CSVScanner(skipping: head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0)
        super.init(data: Data())
    }

    /// Reads the whole file through the limits, keeping nothing: for a caller that must know the file is
    /// acceptable before it acts on its first row.
    public static func check(path: String) throws(EngineError) {
        let input = try BoundedCSVInput(path: path)
        input.open()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while input.read(&buffer, maxLength: buffer.count) > 0 {}
        input.close()
        if let violation = input.violation { throw violation }
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    public override func open() {
        if status == .notOpen { status = .open }
    }

    public override func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
        status = .closed
    }

    public override var streamStatus: Stream.Status { status }
    public override var streamError: (any Error)? { violation }
    public override var hasBytesAvailable: Bool { status == .open }

    /// The next run of whole records, at least `minimumBytes` long unless the file ends there: what CSV.swift is
    /// given as a string (`RequestCSV`), so it reads decoded text instead of decoding the stream a scalar at a
    /// time. `trimmed` is false when no field in the run has white space at either end (outside its quotes): then
    /// CSV.swift's `trimFields` would change nothing, and the reader can skip its per-field Foundation trimming.
    /// `firstRow` is the file's row number of the run's first record (the header is row 1). Nil after the end;
    /// the first call returns a run (maybe empty) even for an empty file. Breaking a limit throws `violation`.
    func nextRecords(minimumBytes: Int = 1 << 20) throws(EngineError) -> Records? {
        if finished { return nil }
        open()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let cut = Int(scanner.cut - carriedFrom)
            if cut >= max(minimumBytes, 1) { return takeRecords(upTo: cut, trimmed: scanner.takeTrimmed()) }
            let count = chunk.withUnsafeMutableBufferPointer { read($0.baseAddress!, maxLength: $0.count) }
            if count < 0 { throw violation ?? EngineError(.csv, "cannot read \(path)") }
            if count == 0 {
                finished = true
                scanner.finish()
                return takeRecords(upTo: carry.count, trimmed: scanner.takeTrimmed(all: true))
            }
            carry += chunk[0..<count]
        }
    }

    public struct Records: Sendable {
        public var bytes: ArraySlice<UInt8>
        public var trimmed: Bool
        public var firstRow: Int
    }

    private var carry: [UInt8] = []
    /// The file offset of `carry`'s first byte.
    private var carriedFrom: Int64 = 0
    private var finished = false
    private var nextFirstRow = 1

    private func takeRecords(upTo cut: Int, trimmed: Bool) -> Records {
        // A byte order mark is the stream's, not the text's (CSV.swift's stream reader drops it too).
        let start = carriedFrom == 0 ? min(scanner.skipped, cut) : 0
        let records = Records(bytes: carry[start..<cut], trimmed: trimmed, firstRow: nextFirstRow)
        carry.removeFirst(cut)
        carriedFrom += Int64(cut)
        nextFirstRow = scanner.rowAtCut
        return records
    }

    public override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength length: Int) -> Int {
        guard status == .open else { return status == .atEnd ? 0 : -1 }
        var count: Int
        repeat { count = Glibc.read(descriptor, buffer, length) } while count < 0 && errno == EINTR
        if count < 0 {
            violation = EngineError(.csv, "cannot read \(path): \(String(cString: strerror(errno)))")
            status = .error
            return -1
        }
        if count == 0 {
            status = .atEnd
            return 0
        }
        for index in 0..<count {
            if let broken = scanner.feed(buffer[index]) {
                violation = EngineError(.csv, "\(path): \(scanner.describe(broken))")
                status = .error
                return -1
            }
        }
        return count
    }
}

/// Follows CSV.swift's reading of RFC 4180 (with `trimFields`) byte by byte, keeping only counters and the
/// header's names, so that it agrees on where every row and field ends whatever the quoting.
struct CSVScanner {
    enum Broken: Equatable {
        case file
        case record(row: Int)
        case field(row: Int, column: Int)
    }

    private enum State {
        case fieldStart  // leading white space is skipped; a quote here opens a quoted field
        case unquoted
        case quoted
        case afterQuote  // a quote inside a quoted field: a second one is a quote, a comma or line end ends it
    }

    private var state = State.fieldStart
    private var skip: Int
    private var total: Int64 = 0
    private var row = 1
    private var column = 0
    private var fieldBytes = 0
    private var recordBytes = 0
    private var swallowLF = false
    /// A UTF-8 sequence being read where white space matters (CSV.swift trims Unicode white space there).
    private var scalar: UInt32 = 0
    private var scalarRemaining = 0
    private var headerField: [UInt8] = []
    private(set) var header: [String] = []
    /// The byte order mark's bytes, skipped.
    let skipped: Int
    /// The file offset just after the last whole record, and the row number of the record after it.
    private(set) var cut: Int64 = 0
    private(set) var rowAtCut = 1
    /// The last bytes of the current field, to tell whether it ends in white space.
    private var tail: UInt32 = 0
    /// Whether a field has (or may have) white space at one of its ends, since the last cut; and before it.
    private var edgeSpace = false
    private var edgeSpaceBeforeCut = false

    init(skipping skip: Int) {
        self.skip = skip
        skipped = skip
    }

    /// Whether the records up to the cut (or, with `all`, every byte fed) need CSV.swift's trimming; starts over.
    mutating func takeTrimmed(all: Bool = false) -> Bool {
        let trimmed = edgeSpaceBeforeCut || (all && edgeSpace)
        edgeSpaceBeforeCut = false
        if all { edgeSpace = false }
        return trimmed
    }

    /// The end of the file: a last unquoted field may end in white space without a line end after it.
    mutating func finish() {
        if state == .unquoted && tailIsSpace { edgeSpace = true }
    }

    private mutating func markCut(at offset: Int64) {
        cut = offset
        rowAtCut = row
        edgeSpaceBeforeCut = edgeSpaceBeforeCut || edgeSpace
        edgeSpace = false
    }

    /// Whether the field's last character is (or may be) white space as CharacterSet.whitespaces has it: ASCII
    /// space, tab or another control character, or a scalar in a block holding Unicode's spaces (U+00A0, U+1680,
    /// U+180E, U+2000-U+205F, U+3000). Erring towards yes only costs the trimming this avoids.
    private var tailIsSpace: Bool {
        let last = tail & 0xFF
        if last <= 0x20 { return tail != 0 }
        if tail & 0xFFFF == 0xC2A0 { return true }
        switch (tail >> 8) & 0xFFFF {
        case 0xE19A, 0xE1A0, 0xE280, 0xE281, 0xE380: return true
        default: return false
        }
    }

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"),
        lf = UInt8(ascii: "\n")

    mutating func feed(_ byte: UInt8) -> Broken? {
        total += 1
        if total > CSVInputLimits.maxFileBytes { return .file }
        if skip > 0 {
            skip -= 1
            return nil
        }
        if swallowLF {
            swallowLF = false
            if byte == Self.lf {
                markCut(at: total)
                return nil
            }
            markCut(at: total - 1)
        }
        switch state {
        case .unquoted:
            if byte == Self.comma { return endField() }
            if byte == Self.cr || byte == Self.lf { return endRecord(byte) }
        case .quoted:
            if byte == Self.quote { state = .afterQuote }
        case .fieldStart, .afterQuote:
            if byte >= 0x80 || scalarRemaining > 0 { return multibyte(byte) }
            if byte == Self.comma { return endField() }
            if byte == Self.cr || byte == Self.lf { return endRecord(byte) }
            if byte <= 0x20 { edgeSpace = true }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { break }
            if byte == Self.quote {
                state = .quoted
            } else {
                state = state == .fieldStart ? .unquoted : .quoted  // CSV.swift keeps reading the quoted field
            }
        }
        return count(byte)
    }

    private mutating func count(_ byte: UInt8) -> Broken? {
        tail = tail << 8 | UInt32(byte)
        fieldBytes += 1
        recordBytes += 1
        if row == 1 && fieldBytes <= CSVInputLimits.maxFieldBytes { headerField.append(byte) }
        if fieldBytes > CSVInputLimits.maxFieldBytes { return .field(row: row, column: column) }
        if recordBytes > CSVInputLimits.maxRecordBytes { return .record(row: row) }
        return nil
    }

    private mutating func multibyte(_ byte: UInt8) -> Broken? {
        if scalarRemaining > 0 {
            guard byte & 0xC0 == 0x80 else {
                leaveWhiteSpace()
                return feedAgain(byte)
            }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
            scalarRemaining -= 1
            if scalarRemaining == 0 {
                let space = Unicode.Scalar(scalar).map { CharacterSet.whitespaces.contains($0) } ?? false
                if space { edgeSpace = true } else { leaveWhiteSpace() }
            }
        } else {
            switch byte {
            case 0xC2...0xDF: (scalar, scalarRemaining) = (UInt32(byte & 0x1F), 1)
            case 0xE0...0xEF: (scalar, scalarRemaining) = (UInt32(byte & 0x0F), 2)
            case 0xF0...0xF4: (scalar, scalarRemaining) = (UInt32(byte & 0x07), 3)
            default: leaveWhiteSpace()  // not UTF-8: CSV.swift stops there, and the file is refused
            }
        }
        return count(byte)
    }

    /// Feeds a byte that ended a UTF-8 sequence early, in the state that sequence left.
    private mutating func feedAgain(_ byte: UInt8) -> Broken? {
        total -= 1
        return feed(byte)
    }

    private mutating func leaveWhiteSpace() {
        scalarRemaining = 0
        state = state == .fieldStart ? .unquoted : .quoted
    }

    private mutating func endField() -> Broken? {
        if state == .unquoted && tailIsSpace { edgeSpace = true }
        tail = 0
        if row == 1 { keepHeaderName() }
        column += 1
        fieldBytes = 0
        state = .fieldStart
        scalarRemaining = 0
        return nil
    }

    private mutating func endRecord(_ byte: UInt8) -> Broken? {
        if state == .unquoted && tailIsSpace { edgeSpace = true }
        tail = 0
        if row == 1 { keepHeaderName() }
        swallowLF = byte == Self.cr
        row += 1
        column = 0
        fieldBytes = 0
        recordBytes = 0
        state = .fieldStart
        scalarRemaining = 0
        if byte == Self.lf { markCut(at: total) }
        return nil
    }

    private mutating func keepHeaderName() {
        var name = String(decoding: headerField, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        if name.count >= 2 && name.hasPrefix("\"") && name.hasSuffix("\"") {
            name = String(name.dropFirst().dropLast())
        }
        header.append(name.lowercased())
        headerField = []
    }

    /// Says what was too long and where: the row as a spreadsheet numbers it (the header is row 1) and the
    /// column by its header name when there is one.
    func describe(_ broken: Broken) -> String {
        switch broken {
        case .file:
            return "more than \(CSVInputLimits.maxFileBytes) bytes (the file grew while it was read); split the batch"
        case .record(let row):
            return "row \(row) is longer than \(CSVInputLimits.maxRecordBytes) bytes, the limit for one row"
        case .field(let row, let column):
            let name = row > 1 && column < header.count && !header[column].isEmpty
                ? "column \(header[column])" : "column \(column + 1)"
            return "row \(row), \(name): field longer than \(CSVInputLimits.maxFieldBytes) bytes, "
                + "the limit for one field"
        }
    }
}
