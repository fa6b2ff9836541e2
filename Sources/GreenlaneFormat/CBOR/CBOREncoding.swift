extension CBOR {
    /// Deterministic encoding, RFC 8949 section 4.2.1 (core deterministic): shortest argument,
    /// definite lengths only, map keys sorted by the bytewise lexicographic order of their encodings,
    /// floats in the shortest of half/single/double that preserves the value exactly (NaN as f97e00).
    public func encoded() -> [UInt8] {
        var buffer: [UInt8] = []
        encode(into: &buffer)
        return buffer
    }

    /// Appends the deterministic encoding of this item to `buffer`.
    public func encode(into buffer: inout [UInt8]) {
        switch self {
        case .unsigned(let value): Self.appendHead(0, value, to: &buffer)
        case .negative(let value): Self.appendHead(1, value, to: &buffer)
        case .bytes(let bytes):
            Self.appendHead(2, UInt64(bytes.count), to: &buffer)
            buffer.append(contentsOf: bytes)
        case .text(let text):
            let utf8 = text.utf8
            Self.appendHead(3, UInt64(utf8.count), to: &buffer)
            buffer.append(contentsOf: utf8)
        case .array(let items):
            Self.appendHead(4, UInt64(items.count), to: &buffer)
            for item in items { item.encode(into: &buffer) }
        case .map(let map):
            Self.appendHead(5, UInt64(map.count), to: &buffer)
            if map.count == 1, let (key, value) = map.first {
                key.encode(into: &buffer)
                value.encode(into: &buffer)
                return
            }
            // Integer keys (every map of a pass): the order of their shortest encodings is the order of
            // (major type, argument), so they sort without being encoded first.
            if let entries = Self.integerKeyed(map) {
                for entry in entries {
                    entry.key.encode(into: &buffer)
                    entry.value.encode(into: &buffer)
                }
                return
            }
            // Order is by the keys' encoded bytes, so encode each key once and sort those.
            let entries = map.map { (key: $0.key.encoded(), value: $0.value) }
                .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            for entry in entries {
                buffer.append(contentsOf: entry.key)
                entry.value.encode(into: &buffer)
            }
        case .tagged(let tag, let item):
            Self.appendHead(6, tag, to: &buffer)
            item.encode(into: &buffer)
        case .simple(let value):
            if value < 24 {
                buffer.append(0xE0 | value)
            } else {
                buffer.append(0xF8)
                buffer.append(value)
            }
        case .bool(let value): buffer.append(value ? 0xF5 : 0xF4)
        case .null: buffer.append(0xF6)
        case .undefined: buffer.append(0xF7)
        case .float(let value):
            let (additional, bits) = CBORFloat.shortest(value)
            buffer.append(0xE0 | additional)
            Self.appendBigEndian(bits, byteCount: 1 << (additional - 24), to: &buffer)
        }
    }

    /// The entries sorted in deterministic order when every key is an integer; nil otherwise.
    static func integerKeyed(_ map: [CBOR: CBOR]) -> [(key: CBOR, value: CBOR)]? {
        var entries: [(major: UInt8, argument: UInt64, key: CBOR, value: CBOR)] = []
        entries.reserveCapacity(map.count)
        for (key, value) in map {
            switch key {
            case .unsigned(let argument): entries.append((0, argument, key, value))
            case .negative(let argument): entries.append((1, argument, key, value))
            default: return nil
            }
        }
        entries.sort { ($0.major, $0.argument) < ($1.major, $1.argument) }
        return entries.map { ($0.key, $0.value) }
    }

    /// Writes a major type with the shortest argument (RFC 8949 4.2.1).
    static func appendHead(_ major: UInt8, _ argument: UInt64, to buffer: inout [UInt8]) {
        let type = major << 5
        switch argument {
        case 0..<24: buffer.append(type | UInt8(argument))
        case 24...0xFF: buffer.append(type | 24); buffer.append(UInt8(argument))
        case 0x100...0xFFFF: buffer.append(type | 25); appendBigEndian(argument, byteCount: 2, to: &buffer)
        case 0x1_0000...0xFFFF_FFFF: buffer.append(type | 26); appendBigEndian(argument, byteCount: 4, to: &buffer)
        default: buffer.append(type | 27); appendBigEndian(argument, byteCount: 8, to: &buffer)
        }
    }

    static func appendBigEndian(_ value: UInt64, byteCount: Int, to buffer: inout [UInt8]) {
        var shift = (byteCount - 1) * 8
        while shift >= 0 {
            buffer.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            shift -= 8
        }
    }
}
