public import GreenlaneSupport

/// Why bytes or text could not be read as a pass code, a revocation list or a trust entry.
///
/// One error type for the whole module; `layer` says which layer of the pass code failed,
/// `offset` where in that layer's input (when known). Equality is by `code` and `layer`.
public struct FormatError: GreenlaneError {
    /// The layer of a pass code, outermost first.
    public enum Layer: String, Sendable, CaseIterable {
        case prefix, base45, zlib, cbor, cose, claims
    }

    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        // Input size and shape
        public static let tooLong = Code("tooLong")
        public static let missingPrefix = Code("missingPrefix")
        // base45
        public static let invalidCharacter = Code("invalidCharacter")
        public static let invalidLength = Code("invalidLength")
        public static let valueOutOfRange = Code("valueOutOfRange")
        // zlib
        public static let inflatedTooLarge = Code("inflatedTooLarge")
        public static let corruptStream = Code("corruptStream")
        // CBOR
        public static let truncated = Code("truncated")
        public static let trailingBytes = Code("trailingBytes")
        public static let indefiniteLength = Code("indefiniteLength")
        public static let nonCanonical = Code("nonCanonical")
        public static let unsortedMapKeys = Code("unsortedMapKeys")
        public static let duplicateMapKey = Code("duplicateMapKey")
        public static let invalidUTF8 = Code("invalidUTF8")
        public static let tooDeep = Code("tooDeep")
        public static let tooManyItems = Code("tooManyItems")
        public static let reservedValue = Code("reservedValue")
        public static let unexpectedBreak = Code("unexpectedBreak")
        // COSE, CWT and claims
        public static let wrongTag = Code("wrongTag")
        public static let wrongStructure = Code("wrongStructure")
        public static let missingField = Code("missingField")
        public static let wrongType = Code("wrongType")
        public static let invalidValue = Code("invalidValue")
        public static let unknownCriticalHeader = Code("unknownCriticalHeader")
    }

    public let code: Code
    public let layer: Layer
    /// A readable English reason naming what was wrong and where.
    public let reason: String
    /// Byte or character offset within the layer's input, when known.
    public let offset: Int?
    public let file: String
    public let line: Int

    public init(
        _ code: Code, layer: Layer, _ reason: String, offset: Int? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.layer = layer
        self.reason = reason
        self.offset = offset
        self.file = file
        self.line = line
    }

    public var description: String {
        if let offset { return "\(layer): \(reason) (at offset \(offset))" }
        return "\(layer): \(reason)"
    }

    /// A code that cannot be read is malformed input, whatever layer failed.
    public var kind: ErrorKind { .malformed }
    public var underlying: (any Error & Sendable)? { nil }
    public var origin: SourceLocation { SourceLocation(fileID: file, line: line) }
}

extension FormatError: Hashable {
    public static func == (lhs: FormatError, rhs: FormatError) -> Bool {
        lhs.code == rhs.code && lhs.layer == rhs.layer
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(layer)
    }
}
