/// A CBOR data item (RFC 8949).
///
/// Equality is by data-model value: floats compare by bit pattern (so `0.0` and `-0.0` differ, as their
/// encodings do) except that every NaN equals every other NaN, because the deterministic encoder writes all
/// of them as `f97e00`. `.simple` holds values other than false/true/null/undefined (0-19 and 32-255);
/// the encoder writes 20-31 as their bytes say, which decodes to something else or is rejected.
///
/// Only `.tagged` is indirect: arrays and maps already live on the heap, and boxing every scalar
/// would cost a heap allocation per decoded item (most of the decoder's time when measured).
public enum CBOR: Sendable {
    case unsigned(UInt64)
    /// The value is -1 - n (major type 1).
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    case map([CBOR: CBOR])
    indirect case tagged(UInt64, CBOR)
    /// Simple values other than false/true/null/undefined.
    case simple(UInt8)
    case bool(Bool)
    case null
    case undefined
    case float(Double)
}

extension CBOR: Hashable {
    public static func == (lhs: CBOR, rhs: CBOR) -> Bool {
        switch (lhs, rhs) {
        case let (.unsigned(a), .unsigned(b)): a == b
        case let (.negative(a), .negative(b)): a == b
        case let (.bytes(a), .bytes(b)): a == b
        case let (.text(a), .text(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.map(a), .map(b)): a == b
        case let (.tagged(tagA, a), .tagged(tagB, b)): tagA == tagB && a == b
        case let (.simple(a), .simple(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null), (.undefined, .undefined): true
        case let (.float(a), .float(b)): a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .unsigned(let value): hasher.combine(0 as UInt8); hasher.combine(value)
        case .negative(let value): hasher.combine(1 as UInt8); hasher.combine(value)
        case .bytes(let value): hasher.combine(2 as UInt8); hasher.combine(value)
        case .text(let value): hasher.combine(3 as UInt8); hasher.combine(value)
        case .array(let value): hasher.combine(4 as UInt8); hasher.combine(value)
        case .map(let value): hasher.combine(5 as UInt8); hasher.combine(value)
        case .tagged(let tag, let value): hasher.combine(6 as UInt8); hasher.combine(tag); hasher.combine(value)
        case .simple(let value): hasher.combine(7 as UInt8); hasher.combine(value)
        case .bool(let value): hasher.combine(8 as UInt8); hasher.combine(value)
        case .null: hasher.combine(9 as UInt8)
        case .undefined: hasher.combine(10 as UInt8)
        case .float(let value):
            hasher.combine(11 as UInt8)
            // All NaNs are equal, so they must hash alike whatever their payload.
            hasher.combine(value.isNaN ? Double.nan.bitPattern : value.bitPattern)
        }
    }
}

extension CBOR: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByBooleanLiteral
{
    public init(integerLiteral value: Int) { self.init(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(arrayLiteral elements: CBOR...) { self = .array(elements) }
    /// Traps on a repeated key, as a Dictionary literal does.
    public init(dictionaryLiteral elements: (CBOR, CBOR)...) {
        self = .map(Dictionary(uniqueKeysWithValues: elements))
    }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension CBOR {
    /// `.unsigned` for zero and up, `.negative` below.
    public init(_ value: Int) { self.init(Int64(value)) }

    public init(_ value: Int64) {
        // -1 - value never overflows for a negative Int64, and its bit complement is exactly that.
        self = value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(bitPattern: ~value))
    }

    /// The integer, if this is `.unsigned` or `.negative` and it fits an `Int`.
    public var intValue: Int? {
        guard let value = int64Value else { return nil }
        return Int(exactly: value)
    }

    /// The integer, if this is `.unsigned`.
    public var uint64Value: UInt64? {
        if case .unsigned(let value) = self { return value }
        return nil
    }

    /// The integer, if this is `.unsigned` or `.negative` and it fits an `Int64`.
    public var int64Value: Int64? {
        switch self {
        case .unsigned(let value): return Int64(exactly: value)
        case .negative(let value): return value <= UInt64(Int64.max) ? ~Int64(value) : nil
        default: return nil
        }
    }

    public var textValue: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    public var bytesValue: [UInt8]? {
        if case .bytes(let value) = self { return value }
        return nil
    }

    public var arrayValue: [CBOR]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var mapValue: [CBOR: CBOR]? {
        if case .map(let value) = self { return value }
        return nil
    }

    /// Map lookup by integer key (COSE headers and CWT claims are keyed so); nil if this is not a map.
    public subscript(key: Int) -> CBOR? {
        guard case .map(let map) = self else { return nil }
        return map[CBOR(key)]
    }
}
