/// UTF-8 well-formedness per the Unicode standard (table 3-7): no overlong forms, no surrogates,
/// nothing above U+10FFFF. Returns where the input went wrong, which `String(validating:as:)` does not say.
enum UTF8Validation {
    /// The offset of the first byte that does not start a well-formed sequence, or nil if all are well formed.
    static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let count = bytes.count
        var index = 0
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            var length = 3
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: break
            case 0xED: upper = 0x9F  // would be a surrogate
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return index
            }
            guard count - index >= length else { return index }
            let second = bytes[index + 1]
            guard second >= lower && second <= upper else { return index }
            var next = index + 2
            while next < index + length {
                guard bytes[next] & 0xC0 == 0x80 else { return index }
                next += 1
            }
            index += length
        }
        return nil
    }
}
