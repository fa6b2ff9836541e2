extension CBOR {
    /// Strict decoder. Exactly one item; trailing bytes are an error. Never trusts a declared length beyond
    /// the bytes remaining (no allocation from an attacker-controlled length). Recursion bounded by limits.maxDepth;
    /// total items (every array element, map key and value, tag content counts) bounded by limits.maxItems.
    public static func decode(
        _ bytes: [UInt8], limits: CBORLimits = .default, mode: CBORDecodingMode = .deterministic
    ) throws(FormatError) -> CBOR {
        try bytes.withUnsafeBufferPointer { (buffer) throws(FormatError) -> CBOR in
            var decoder = CBORDecoder(buffer, limits: limits, deterministic: mode == .deterministic)
            let item = try decoder.readItem(depth: 1)
            guard decoder.position == buffer.count else {
                throw FormatError(
                    .trailingBytes, layer: .cbor,
                    "\(buffer.count - decoder.position) bytes follow the end of the data item",
                    offset: decoder.position)
            }
            return item
        }
    }
}

/// One pass over borrowed bytes; lives only inside `withUnsafeBufferPointer`.
struct CBORDecoder {
    /// An initial byte and its argument (meaningless when `additional` is 31).
    struct Head {
        var major: UInt8
        var additional: UInt8
        var argument: UInt64
        var offset: Int
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let limits: CBORLimits
    let deterministic: Bool
    private(set) var position = 0
    private var items = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, limits: CBORLimits, deterministic: Bool) {
        self.bytes = bytes
        self.limits = limits
        self.deterministic = deterministic
    }

    private var remaining: Int { bytes.count - position }

    private func failure(
        _ code: FormatError.Code, _ reason: String, at offset: Int, file: String = #fileID, line: Int = #line
    ) -> FormatError {
        FormatError(code, layer: .cbor, reason, offset: offset, file: file, line: line)
    }

    mutating func readItem(depth: Int) throws(FormatError) -> CBOR {
        guard depth <= limits.maxDepth else {
            throw failure(.tooDeep, "data items nest deeper than \(limits.maxDepth) levels", at: position)
        }
        items += 1
        guard items <= limits.maxItems else {
            throw failure(.tooManyItems, "more than \(limits.maxItems) data items", at: position)
        }
        let head = try readHead()
        switch head.major {
        case 0:
            try rejectIndefinite(head, "an unsigned integer")
            return .unsigned(head.argument)
        case 1:
            try rejectIndefinite(head, "a negative integer")
            return .negative(head.argument)
        case 2:
            if head.additional == 31 { return .bytes(try readChunks(head)) }
            return .bytes(Array(UnsafeBufferPointer(rebasing: bytes[try readPayload(head)])))
        case 3:
            if head.additional == 31 { return .text(String(decoding: try readChunks(head), as: UTF8.self)) }
            let payload = try readPayload(head)
            return .text(try makeString(payload))
        case 4:
            return .array(try readArray(head, depth: depth))
        case 5:
            return .map(try readMap(head, depth: depth))
        case 6:
            try rejectIndefinite(head, "a tag")
            return .tagged(head.argument, try readItem(depth: depth + 1))
        default:
            return try readSimpleOrFloat(head)
        }
    }

    private mutating func readHead() throws(FormatError) -> Head {
        let offset = position
        guard position < bytes.count else {
            throw failure(.truncated, "input ends where a data item should start", at: offset)
        }
        let initial = bytes[position]
        position += 1
        var head = Head(major: initial >> 5, additional: initial & 0x1F, argument: 0, offset: offset)
        switch head.additional {
        case 0..<24:
            head.argument = UInt64(head.additional)
        case 24...27:
            let width = 1 << Int(head.additional - 24)
            guard remaining >= width else {
                throw failure(.truncated, "input ends inside a \(width)-byte argument", at: offset)
            }
            for index in position..<position + width { head.argument = head.argument << 8 | UInt64(bytes[index]) }
            position += width
            // Floats and simple values have their own rules (checked where they are read).
            if deterministic && head.major != 7 {
                let minimum: UInt64 = switch head.additional {
                case 24: 24
                case 25: 0x100
                case 26: 0x1_0000
                default: 0x1_0000_0000
                }
                guard head.argument >= minimum else {
                    throw failure(
                        .nonCanonical, "argument \(head.argument) is not in its shortest form (\(width) bytes)",
                        at: offset)
                }
            }
        case 28...30:
            throw failure(.reservedValue, "reserved additional information \(head.additional)", at: offset)
        default:
            break  // 31: indefinite length or break, up to the caller
        }
        return head
    }

    private func rejectIndefinite(_ head: Head, _ what: String) throws(FormatError) {
        guard head.additional == 31 else { return }
        throw failure(.reservedValue, "additional information 31 is not allowed for \(what)", at: head.offset)
    }

    private mutating func readPayload(_ head: Head) throws(FormatError) -> Range<Int> {
        // Compared as UInt64 so a length near 2^64 neither traps nor allocates.
        guard head.argument <= UInt64(remaining) else {
            throw failure(
                .truncated, "string declares \(head.argument) bytes but only \(remaining) remain", at: head.offset)
        }
        let start = position
        position += Int(head.argument)
        return start..<position
    }

    private func makeString(_ range: Range<Int>) throws(FormatError) -> String {
        let utf8 = UnsafeBufferPointer(rebasing: bytes[range])
        // Not String(validating:as:): it is generic and unspecialized here, several times slower on short
        // strings, and needs macOS 15. Once validated, String(decoding:) has nothing to repair.
        guard let bad = UTF8Validation.firstInvalidOffset(utf8) else { return String(decoding: utf8, as: UTF8.self) }
        throw failure(.invalidUTF8, "text string is not valid UTF-8", at: range.lowerBound + bad)
    }

    private func checkDeterministic(_ head: Head, _ what: String) throws(FormatError) {
        guard deterministic && head.additional == 31 else { return }
        throw failure(
            .indefiniteLength, "indefinite-length \(what) is not allowed in deterministic encoding", at: head.offset)
    }

    /// An indefinite-length string: definite-length chunks of the same major type up to a break.
    private mutating func readChunks(_ head: Head) throws(FormatError) -> [UInt8] {
        let what = head.major == 2 ? "byte string" : "text string"
        try checkDeterministic(head, what)
        var joined: [UInt8] = []
        while true {
            guard position < bytes.count else {
                throw failure(.truncated, "input ends inside an indefinite-length \(what)", at: position)
            }
            if bytes[position] == 0xFF {
                position += 1
                return joined
            }
            let chunk = try readHead()
            guard chunk.major == head.major && chunk.additional != 31 else {
                throw failure(
                    .indefiniteLength, "a chunk of an indefinite-length \(what) must be a definite-length \(what)",
                    at: chunk.offset)
            }
            let payload = try readPayload(chunk)
            // Each text chunk must be valid UTF-8 on its own (RFC 8949 3.2.3).
            if head.major == 3 { _ = try makeString(payload) }
            joined.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[payload]))
        }
    }

    /// Checks a definite container count against what could possibly follow, before reserving anything.
    private func checkCount(_ head: Head, itemsEach: UInt64, _ what: String) throws(FormatError) {
        guard head.argument <= UInt64(remaining) / itemsEach else {
            throw failure(
                .truncated, "\(what) declares \(head.argument) entries but only \(remaining) bytes remain",
                at: head.offset)
        }
        guard head.argument * itemsEach <= UInt64(limits.maxItems - items) else {
            throw failure(.tooManyItems, "\(what) of \(head.argument) entries exceeds \(limits.maxItems) items",
                          at: head.offset)
        }
    }

    private mutating func atBreak(_ what: String) throws(FormatError) -> Bool {
        guard position < bytes.count else {
            throw failure(.truncated, "input ends inside an indefinite-length \(what)", at: position)
        }
        guard bytes[position] == 0xFF else { return false }
        position += 1
        return true
    }

    private mutating func readArray(_ head: Head, depth: Int) throws(FormatError) -> [CBOR] {
        var array: [CBOR] = []
        if head.additional == 31 {
            try checkDeterministic(head, "array")
            while try !atBreak("array") { array.append(try readItem(depth: depth + 1)) }
            return array
        }
        try checkCount(head, itemsEach: 1, "array")
        array.reserveCapacity(Int(head.argument))
        for _ in 0..<head.argument { array.append(try readItem(depth: depth + 1)) }
        return array
    }

    private mutating func readMap(_ head: Head, depth: Int) throws(FormatError) -> [CBOR: CBOR] {
        var map: [CBOR: CBOR] = [:]
        var previousKey: Range<Int>?
        if head.additional == 31 {
            try checkDeterministic(head, "map")
            while try !atBreak("map") { try readEntry(into: &map, previousKey: &previousKey, depth: depth) }
            return map
        }
        try checkCount(head, itemsEach: 2, "map")
        map.reserveCapacity(Int(head.argument))
        for _ in 0..<head.argument { try readEntry(into: &map, previousKey: &previousKey, depth: depth) }
        return map
    }

    private mutating func readEntry(
        into map: inout [CBOR: CBOR], previousKey: inout Range<Int>?, depth: Int
    ) throws(FormatError) {
        let keyStart = position
        let key = try readItem(depth: depth + 1)
        let keyRange = keyStart..<position
        if deterministic, let previous = previousKey {
            // Canonical encodings are unique, so equal bytes are the same key.
            switch compare(previous, keyRange) {
            case 0: throw failure(.duplicateMapKey, "map key \(Self.describe(key)) appears twice", at: keyStart)
            case 1:
                throw failure(
                    .unsortedMapKeys, "map key \(Self.describe(key)) is out of bytewise lexicographic order",
                    at: keyStart)
            default: break
            }
        }
        previousKey = keyRange
        // One hash per entry: insert, and learn from the old value whether the key was already there.
        guard map.updateValue(try readItem(depth: depth + 1), forKey: key) == nil else {
            throw failure(.duplicateMapKey, "map key \(Self.describe(key)) appears twice", at: keyStart)
        }
    }

    /// Bytewise lexicographic order of two encodings in the input: -1, 0 or 1.
    private func compare(_ left: Range<Int>, _ right: Range<Int>) -> Int {
        let common = min(left.count, right.count)
        for index in 0..<common where bytes[left.lowerBound + index] != bytes[right.lowerBound + index] {
            return bytes[left.lowerBound + index] < bytes[right.lowerBound + index] ? -1 : 1
        }
        return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
    }

    private func readSimpleOrFloat(_ head: Head) throws(FormatError) -> CBOR {
        switch head.additional {
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22: return .null
        case 23: return .undefined
        case 24:
            // Values below 32 have a one-byte form or are reserved; the two-byte form is not well formed.
            guard head.argument >= 32 else {
                throw failure(
                    .reservedValue, "simple value \(head.argument) must not use the two-byte form", at: head.offset)
            }
            return .simple(UInt8(head.argument))
        case 25:
            let bits = UInt16(truncatingIfNeeded: head.argument)
            let value = CBORFloat.double(halfBits: bits)
            if deterministic && value.isNaN && bits != 0x7E00 {
                throw failure(.nonCanonical, "NaN must be encoded as f97e00", at: head.offset)
            }
            return .float(value)
        case 26:
            let value = Double(Float(bitPattern: UInt32(truncatingIfNeeded: head.argument)))
            try checkShortest(value, head)
            return .float(value)
        case 27:
            let value = Double(bitPattern: head.argument)
            try checkShortest(value, head)
            return .float(value)
        case 31:
            throw failure(.unexpectedBreak, "break (0xff) outside an indefinite-length item", at: head.offset)
        default:
            return .simple(head.additional)
        }
    }

    private func checkShortest(_ value: Double, _ head: Head) throws(FormatError) {
        guard deterministic && CBORFloat.shortest(value).additional != head.additional else { return }
        let what = value.isNaN ? "NaN must be encoded as f97e00" : "float \(value) has a shorter exact encoding"
        throw failure(.nonCanonical, what, at: head.offset)
    }

    /// Names a map key in an error reason without printing an attacker-sized value.
    static func describe(_ key: CBOR) -> String {
        switch key {
        case .unsigned(let value): String(value)
        case .negative(let value): value == .max ? "-18446744073709551616" : "-" + String(value + 1)
        case .text(let text) where text.utf8.count <= 32: "\"" + text + "\""
        case .text: "(a text string)"
        case .bytes(let bytes): "(a byte string of \(bytes.count) bytes)"
        case .array: "(an array)"
        case .map: "(a map)"
        case .tagged(let tag, _): "(tag \(tag))"
        case .float(let value): String(value)
        case .bool(let value): String(value)
        case .simple(let value): "simple(\(value))"
        case .null: "null"
        case .undefined: "undefined"
        }
    }
}
