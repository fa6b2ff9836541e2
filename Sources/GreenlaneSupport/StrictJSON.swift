/// A JSON document read strictly, for configuration files (policies): Foundation's decoder keeps the first
/// (or last) of two members with one name and ignores members it does not know, so a policy file with a
/// typo or a pasted duplicate would be read as something its author did not write.
///
/// `StrictJSON.parse` refuses duplicate member names (naming the path) and anything that is not RFC 8259
/// JSON; `unknownMembers` lists the members a reader does not know. The typed decoding stays with
/// `JSONDecoder`, on the same bytes.
public indirect enum StrictJSON: Sendable, Equatable {
    case object([(String, StrictJSON)])
    case array([StrictJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    public static func == (lhs: StrictJSON, rhs: StrictJSON) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.array(let a), .array(let b)): a == b
        case (.string(let a), .string(let b)), (.number(let a), .number(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses `bytes` (UTF-8), refusing duplicate member names in any object.
    public static func parse(_ bytes: [UInt8]) throws(Problem) -> StrictJSON {
        var parser = Parser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(path: "$", depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.problem("text after the JSON value") }
        return value
    }

    /// The member `name` of an object, or nil.
    public subscript(name: String) -> StrictJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == name }?.1
    }

    /// Paths of members whose names are not in `known` (this object only).
    public func unknownMembers(_ known: Set<String>, at path: String) -> [String] {
        guard case .object(let members) = self else { return [] }
        return members.map(\.0).filter { !known.contains($0) }.map { path.isEmpty ? $0 : path + "." + $0 }
    }

    struct Parser {
        let bytes: [UInt8]
        var index = 0

        func problem(_ what: String) -> Problem { Problem(description: "\(what) at byte \(index)") }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func expect(_ literal: String) throws(Problem) {
            for byte in literal.utf8 {
                guard index < bytes.count, bytes[index] == byte else { throw problem("expected '\(literal)'") }
                index += 1
            }
        }

        mutating func value(path: String, depth: Int) throws(Problem) -> StrictJSON {
            guard depth < 64 else { throw problem("nested too deeply") }
            guard index < bytes.count else { throw problem("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [(String, StrictJSON)] = []
                var names = Set<String>()
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object([]) }
                while true {
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw problem("expected a member name") }
                    let name = try string()
                    let memberPath = path == "$" ? name : path + "." + name
                    guard names.insert(name).inserted else {
                        throw Problem(description: "member '\(memberPath)' appears twice")
                    }
                    skipSpace()
                    try expect(":")
                    skipSpace()
                    members.append((name, try value(path: memberPath, depth: depth + 1)))
                    skipSpace()
                    guard index < bytes.count else { throw problem("unexpected end") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    try expect("}")
                    return .object(members)
                }
            case UInt8(ascii: "["):
                index += 1
                var items: [StrictJSON] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array([]) }
                while true {
                    skipSpace()
                    items.append(try value(path: path + "[\(items.count)]", depth: depth + 1))
                    skipSpace()
                    guard index < bytes.count else { throw problem("unexpected end") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    try expect("]")
                    return .array(items)
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            default:
                let start = index
                while index < bytes.count, "+-.eE0123456789".utf8.contains(bytes[index]) { index += 1 }
                guard index > start else { throw problem("unexpected character") }
                return .number(String(decoding: bytes[start..<index], as: UTF8.self))
            }
        }

        /// A string, escapes decoded; the opening quote is at `index`.
        mutating func string() throws(Problem) -> String {
            index += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll()
            }
            while true {
                guard index < bytes.count else { throw problem("unterminated string") }
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw problem("unterminated string") }
                    let escape = bytes[index]
                    index += 1
                    let simple: [UInt8: UInt8] = [0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C,
                                                  0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09]
                    if let mapped = simple[escape] { raw.append(mapped); continue }
                    guard escape == UInt8(ascii: "u") else { throw problem("bad escape") }
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw problem("bad surrogate pair") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw problem("bad \\u escape") }
                    flush()
                    scalars.append(scalar)
                default:
                    guard byte >= 0x20 else { throw problem("control character in a string") }
                    raw.append(byte)
                }
            }
        }

        mutating func hex4() throws(Problem) -> UInt32 {
            guard index + 4 <= bytes.count,
                let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else { throw problem("bad \\u escape") }
            index += 4
            return value
        }
    }
}
