extension CBOR {
    /// RFC 8949 diagnostic notation, for people reading a code (`greenlane inspect`).
    public var diagnostic: String {
        switch self {
        case .unsigned(let value): return String(value)
        case .negative(let value): return value == UInt64.max ? "-18446744073709551616" : "-" + String(value + 1)
        case .bytes(let bytes): return "h'" + Hex.encode(bytes) + "'"
        case .text(let text):
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += "\\u00" + Hex.encode([UInt8(scalar.value)])
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        case .array(let items): return "[" + items.map(\.diagnostic).joined(separator: ", ") + "]"
        case .map(let map):
            // Deterministic order, the order the bytes carry.
            let entries = map.sorted { $0.key.encoded().lexicographicallyPrecedes($1.key.encoded()) }
            return "{" + entries.map { $0.key.diagnostic + ": " + $0.value.diagnostic }.joined(separator: ", ") + "}"
        case .tagged(let tag, let item): return String(tag) + "(" + item.diagnostic + ")"
        case .simple(let value): return "simple(" + String(value) + ")"
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .undefined: return "undefined"
        case .float(let value):
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
            return String(value)
        }
    }
}
