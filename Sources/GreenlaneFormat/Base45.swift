/// Base45 (RFC 9285): two bytes to three characters of the QR alphanumeric set.
public enum Base45 {
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)

    /// Character value by byte; 0xFF marks bytes outside the alphabet (lower case included, as RFC 9285 says).
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// Characters that `count` bytes encode to: three per pair, two for an odd last byte.
    public static func encodedLength(_ count: Int) -> Int { count / 2 * 3 + count % 2 * 2 }

    public static func encode(_ bytes: [UInt8]) -> String {
        let length = encodedLength(bytes.count)
        return String(unsafeUninitializedCapacity: length) { out in
            alphabet.withUnsafeBufferPointer { alphabet in
                var written = 0
                func put(_ value: Int, digits: Int) {
                    var value = value
                    for _ in 0..<digits {
                        out[written] = alphabet[value % 45]
                        value /= 45
                        written += 1
                    }
                }
                var index = 0
                while index + 1 < bytes.count {
                    put(Int(bytes[index]) << 8 | Int(bytes[index + 1]), digits: 3)
                    index += 2
                }
                if index < bytes.count { put(Int(bytes[index]), digits: 2) }
                return written
            }
        }
    }

    /// Errors (layer .base45): a character outside the 45-character alphabet (lower case included) with
    /// its offset; a length that leaves one trailing character; a triplet > 65535 or a trailing pair > 255.
    /// Offsets count UTF-8 bytes, which equal characters up to the first character outside the alphabet.
    public static func decode(_ text: Substring) throws(FormatError) -> [UInt8] {
        let result = text.utf8.withContiguousStorageIfAvailable { decode(utf8: $0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { decode(utf8: $0) }
        return try result.get()
    }

    public static func decode(_ text: String) throws(FormatError) -> [UInt8] {
        try decode(Substring(text))
    }

    private static func decode(utf8 input: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], FormatError> {
        let count = input.count
        var failure: FormatError?
        // Decoded straight into the result's storage; on failure the array is left empty and discarded.
        let output = [UInt8](unsafeUninitializedCapacity: count / 3 * 2 + count % 3 / 2) { out, initialized in
            values.withUnsafeBufferPointer { values in
                func value(at offset: Int) -> Int? {
                    let value = values[Int(input[offset])]
                    guard value != 0xFF else {
                        failure = invalidCharacter(input[offset], at: offset)
                        return nil
                    }
                    return Int(value)
                }
                var offset = 0
                var written = 0
                while count - offset >= 3 {
                    guard let low = value(at: offset), let middle = value(at: offset + 1),
                        let high = value(at: offset + 2)
                    else { return }
                    let number = low + middle * 45 + high * 45 * 45
                    guard number <= 0xFFFF else {
                        failure = FormatError(
                            .valueOutOfRange, layer: .base45,
                            "three characters decode to \(number), more than 65535", offset: offset)
                        return
                    }
                    out[written] = UInt8(number >> 8)
                    out[written + 1] = UInt8(number & 0xFF)
                    written += 2
                    offset += 3
                }
                switch count - offset {
                case 2:
                    guard let low = value(at: offset), let high = value(at: offset + 1) else { return }
                    let number = low + high * 45
                    guard number <= 0xFF else {
                        failure = FormatError(
                            .valueOutOfRange, layer: .base45,
                            "final two characters decode to \(number), more than 255", offset: offset)
                        return
                    }
                    out[written] = UInt8(number)
                    written += 1
                case 1:
                    guard value(at: offset) != nil else { return }
                    failure = FormatError(
                        .invalidLength, layer: .base45,
                        "\(count) characters leave a single one over (groups are 3 characters, the last may be 2)",
                        offset: offset)
                    return
                default:
                    break
                }
                initialized = written
            }
        }
        if let failure { return .failure(failure) }
        return .success(output)
    }

    private static func invalidCharacter(_ byte: UInt8, at offset: Int) -> FormatError {
        let shown: String
        if byte >= 0x20 && byte < 0x7F {
            let character = Character(Unicode.Scalar(byte))
            shown = "'\(character)'" + (character.isLowercase ? " (lower case)" : "")
        } else {
            shown = "byte 0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
        }
        return FormatError(.invalidCharacter, layer: .base45, "\(shown) is not a base45 character", offset: offset)
    }
}
