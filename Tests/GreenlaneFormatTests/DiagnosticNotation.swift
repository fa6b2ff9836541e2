import GreenlaneFormat

/// Reads JSON, and the parts of RFC 8949 diagnostic notation (section 8) that appendix A uses, into CBOR.
///
/// Written for the tests, independently of the library, so the vectors are checked against values rather
/// than against the library's own printing. Numbers keep their literal text: integers beyond 64 bits become
/// bignums (tags 2/3, RFC 8949 3.4.3), numbers with a point or exponent become floats. JSON objects
/// become maps with text keys.
struct DiagnosticNotation {
    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    private let text: [UInt8]
    private var index = 0

    static func parse(_ text: String) throws -> CBOR {
        var parser = DiagnosticNotation(text: Array(text.utf8))
        let value = try parser.value()
        parser.skipSpace()
        guard parser.index == parser.text.count else { throw parser.error("trailing text") }
        return value
    }

    private init(text: [UInt8]) { self.text = text }

    private func error(_ what: String) -> ParseError { ParseError(description: "\(what) at \(index)") }

    private var peek: UInt8? { index < text.count ? text[index] : nil }

    private mutating func skipSpace() {
        while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { index += 1 }
    }

    private mutating func expect(_ literal: String) throws {
        skipSpace()
        for byte in literal.utf8 {
            guard peek == byte else { throw error("expected \(literal)") }
            index += 1
        }
    }

    private mutating func take(_ literal: String) -> Bool {
        let bytes = Array(literal.utf8)
        guard text.count - index >= bytes.count, Array(text[index..<index + bytes.count]) == bytes else {
            return false
        }
        index += bytes.count
        return true
    }

    private mutating func list(until close: String) throws -> [CBOR] {
        var items: [CBOR] = []
        skipSpace()
        if take(close) { return items }
        while true {
            items.append(try value())
            skipSpace()
            if take(close) { return items }
            try expect(",")
        }
    }

    mutating func value() throws -> CBOR {
        skipSpace()
        guard let c = peek else { throw error("unexpected end") }
        switch c {
        case UInt8(ascii: "["):
            index += 1
            return .array(try list(until: "]"))
        case UInt8(ascii: "{"):
            index += 1
            var map: [CBOR: CBOR] = [:]
            skipSpace()
            if take("}") { return .map(map) }
            while true {
                let key = try value()
                try expect(":")
                guard map.updateValue(try value(), forKey: key) == nil else { throw error("duplicate key") }
                skipSpace()
                if take("}") { return .map(map) }
                try expect(",")
            }
        case UInt8(ascii: "\""):
            return .text(try string())
        case UInt8(ascii: "("):
            // (_ chunk, chunk, ...): an indefinite-length string, which decodes to its chunks joined.
            index += 1
            try expect("_")
            let chunks = try list(until: ")")
            let texts = chunks.compactMap(\.textValue)
            if !chunks.isEmpty && texts.count == chunks.count { return .text(texts.joined()) }
            let bytes = chunks.compactMap(\.bytesValue)
            guard bytes.count == chunks.count else { throw error("mixed chunks") }
            return .bytes(bytes.flatMap { $0 })
        default:
            if take("h'") { return .bytes(try hex()) }
            if take("true") { return .bool(true) }
            if take("false") { return .bool(false) }
            if take("null") { return .null }
            if take("undefined") { return .undefined }
            if take("Infinity") { return .float(.infinity) }
            if take("-Infinity") { return .float(-.infinity) }
            if take("NaN") { return .float(.nan) }
            if take("simple(") {
                let number = try self.number()
                try expect(")")
                guard let value = number.uint64Value, let simple = UInt8(exactly: value) else {
                    throw error("bad simple value")
                }
                return .simple(simple)
            }
            let number = try self.number()
            if take("(") {
                guard let tag = number.uint64Value else { throw error("bad tag") }
                let content = try value()
                try expect(")")
                return .tagged(tag, content)
            }
            return number
        }
    }

    private mutating func hex() throws -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8?
        while let c = peek, c != UInt8(ascii: "'") {
            index += 1
            guard let nibble = UInt8(String(UnicodeScalar(c)), radix: 16) else { throw error("bad hex") }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { throw error("odd hex") }
        try expect("'")
        return bytes
    }

    private mutating func string() throws -> String {
        try expect("\"")
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll()
        }
        while true {
            guard let c = peek else { throw error("unterminated string") }
            index += 1
            if c == UInt8(ascii: "\"") { break }
            guard c == UInt8(ascii: "\\") else {
                raw.append(c)
                continue
            }
            flush()
            guard let escape = peek else { throw error("unterminated escape") }
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(UnicodeScalar(escape))
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "u"):
                var unit = try hex4()
                if (0xD800..<0xDC00).contains(unit) {
                    guard take("\\u") else { throw error("lone surrogate") }
                    let low = try hex4()
                    unit = 0x10000 + (unit - 0xD800) << 10 + (low - 0xDC00)
                }
                guard let scalar = UnicodeScalar(unit) else { throw error("bad \\u escape") }
                scalars.append(scalar)
            default: throw error("bad escape")
            }
        }
        flush()
        return String(scalars)
    }

    private mutating func hex4() throws -> UInt32 {
        guard text.count - index >= 4,
            let value = UInt32(String(decoding: text[index..<index + 4], as: UTF8.self), radix: 16)
        else { throw error("bad \\u escape") }
        index += 4
        return value
    }

    private mutating func number() throws -> CBOR {
        skipSpace()
        let start = index
        while let c = peek, (0x30...0x39).contains(c) || "-+.eE".utf8.contains(c) { index += 1 }
        let literal = String(decoding: text[start..<index], as: UTF8.self)
        guard !literal.isEmpty else { throw error("expected a value") }
        if literal.contains(where: { ".eE".contains($0) }) {
            guard let value = Double(literal) else { throw error("bad float \(literal)") }
            return .float(value)
        }
        let negative = literal.hasPrefix("-")
        var magnitude: [UInt8] = [0]  // big-endian, arbitrary length
        for digit in literal.utf8.dropFirst(negative ? 1 : 0) {
            guard (0x30...0x39).contains(digit) else { throw error("bad integer \(literal)") }
            var carry = Int(digit - 0x30)
            for position in magnitude.indices.reversed() {
                let product = Int(magnitude[position]) * 10 + carry
                magnitude[position] = UInt8(product & 0xFF)
                carry = product >> 8
            }
            while carry > 0 {
                magnitude.insert(UInt8(carry & 0xFF), at: 0)
                carry >>= 8
            }
        }
        if negative {
            // CBOR stores -1 - n, so the argument is the magnitude minus one.
            var position = magnitude.count - 1
            while magnitude[position] == 0 {
                magnitude[position] = 0xFF
                position -= 1
            }
            magnitude[position] -= 1
        }
        while magnitude.count > 1 && magnitude[0] == 0 { magnitude.removeFirst() }
        if magnitude.count <= 8 {
            let value = magnitude.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return negative ? .negative(value) : .unsigned(value)
        }
        return .tagged(negative ? 3 : 2, .bytes(magnitude))
    }
}

extension Array where Element == UInt8 {
    init(hex: String) {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
        }
        self = bytes
    }

    var hex: String { map { ($0 < 0x10 ? "0" : "") + String($0, radix: 16) }.joined() }
}
