import GreenlaneFormat
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lines of text as they arrive: from standard input (a USB scanner types a code and Enter), or from a file.
///
/// Standard input is read with read(2), so a line is handed on the moment its end arrives rather than when a
/// stdio buffer fills. A line ends at LF, CR or CRLF: some scanners send CR alone.
package struct CodeLines {
    /// One line, and whether it ended with a carriage return.
    package struct Line: Equatable {
        package var text: String
        package var hadCarriageReturn: Bool
    }

    private enum Source {
        case descriptor(Int32)
        case lines([Line])
    }

    private var source: Source
    private var buffer: [UInt8] = []
    private var index = 0
    private var ended = false
    private var skipLineFeed = false
    private var queued: [Line] = []

    /// Longest line kept: a pass code is at most 2,048 characters; the rest of a longer line is dropped, so a
    /// line without an end cannot fill memory. What is kept is still too long to be read as a code.
    static let maxLine = 8_192

    package init(descriptor: Int32) { source = .descriptor(descriptor) }

    package init(text: String) {
        source = .lines([])
        var lines: [Line] = []
        var parser = CodeLines(descriptor: -1)
        parser.buffer = Array(text.utf8)
        parser.ended = true
        while let line = parser.takeLine() { lines.append(line) }
        source = .lines(lines)
    }

    /// The next line, waiting for it as long as it takes (nil at the end of input).
    package mutating func next() -> Line? { next(waitingAtMost: -1) }

    /// The next line if one arrives within `milliseconds` (-1: wait for ever), else nil (input may go on).
    package mutating func next(waitingAtMost milliseconds: Int32) -> Line? {
        if !queued.isEmpty { return queued.removeFirst() }
        switch source {
        case .lines(var lines):
            guard !lines.isEmpty else { return nil }
            let line = lines.removeFirst()
            source = .lines(lines)
            return line
        case .descriptor(let fd):
            while true {
                if let line = takeLine() { return line }
                if ended { return nil }
                if milliseconds >= 0 {
                    var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    if poll(&poller, 1, milliseconds) <= 0 { return nil }
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    ended = true
                } else {
                    buffer.append(contentsOf: chunk[0..<count])
                }
            }
        }
    }

    /// Puts a line back, to be returned by the next call.
    package mutating func unread(_ line: Line) { queued.insert(line, at: 0) }

    /// A complete line from the buffer (or the last, unterminated one once input has ended).
    private mutating func takeLine() -> Line? {
        if skipLineFeed, index < buffer.count {
            if buffer[index] == UInt8(ascii: "\n") { index += 1 }
            skipLineFeed = false
        }
        var end = index
        while end < buffer.count, buffer[end] != UInt8(ascii: "\n"), buffer[end] != UInt8(ascii: "\r") { end += 1 }
        let text: String
        var carriageReturn = false
        if end < buffer.count {
            carriageReturn = buffer[end] == UInt8(ascii: "\r")
            text = Self.decode(buffer[index..<end])
            index = end + 1
            skipLineFeed = carriageReturn
        } else if ended && index < buffer.count {
            text = Self.decode(buffer[index...])
            index = buffer.count
        } else {
            if end - index > Self.maxLine { buffer.removeSubrange((index + Self.maxLine)...) }
            compact()
            return nil
        }
        compact()
        return Line(text: text, hadCarriageReturn: carriageReturn)
    }

    private mutating func compact() {
        if index > 0 && (index == buffer.count || index > 65_536) {
            buffer.removeSubrange(..<index)
            index = 0
        }
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix(maxLine), as: UTF8.self)
    }
}

/// Noise that scanners, terminals and copy-paste add to a code, none of which can change what a signed pass
/// says: the signature still decides. Each repair is named, so the verdict can say the code was repaired.
package struct CodeRepair: Equatable, Sendable, CustomStringConvertible {
    package let name: String
    package let vietnamese: String
    package let english: String

    package var description: String { name }

    package static let byteOrderMark = CodeRepair(
        name: "byte-order-mark", vietnamese: "bỏ dấu BOM ở đầu", english: "removed a byte-order mark")
    package static let carriageReturn = CodeRepair(
        name: "carriage-return", vietnamese: "bỏ ký tự CR", english: "removed a carriage return")
    package static let nonBreakingSpace = CodeRepair(
        name: "non-breaking-space", vietnamese: "thay dấu cách không ngắt bằng dấu cách",
        english: "replaced non-breaking spaces")
    package static let lowerCase = CodeRepair(
        name: "lower-case", vietnamese: "chuyển chữ thường thành chữ hoa", english: "turned lower case to upper case")
    package static let joinedLines = CodeRepair(
        name: "joined-lines", vietnamese: "nối mã bị ngắt thành hai dòng", english: "joined a code split over two lines")
    package static let joinedLinesWithSpace = CodeRepair(
        name: "joined-lines-with-space", vietnamese: "nối mã bị ngắt thành hai dòng (với một dấu cách)",
        english: "joined a code split over two lines (with one space)")

    /// `text` without the noise, and what was removed. Only characters outside the base45 alphabet are
    /// touched, so a code that was right stays byte for byte the same.
    package static func clean(_ text: String) -> (text: String, repairs: [CodeRepair]) {
        var repairs: [CodeRepair] = []
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" {
            scalars = scalars.dropFirst()
            repairs.append(.byteOrderMark)
        }
        var out = String.UnicodeScalarView()
        var sawSpecialSpace = false, sawLower = false, sawUpper = false
        for scalar in scalars {
            switch scalar {
            case "\u{00A0}", "\u{2007}", "\u{202F}":
                sawSpecialSpace = true
                out.append(" ")
            case "a"..."z": sawLower = true; out.append(scalar)
            case "A"..."Z": sawUpper = true; out.append(scalar)
            default: out.append(scalar)
            }
        }
        if sawSpecialSpace { repairs.append(.nonBreakingSpace) }
        // A whole code in lower case (a scanner typing with caps lock on, a phone's keyboard) is upper-cased;
        // one lower-case letter among upper case is damage, not noise, and stays a malformed code.
        if sawLower && !sawUpper {
            out = String(out).uppercased().unicodeScalars
            repairs.append(.lowerCase)
        }
        let cleaned = String(out).trimmingCharacters(in: \.isWhitespace)
        return (cleaned, repairs)
    }
}
