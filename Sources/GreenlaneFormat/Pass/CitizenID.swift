/// A 12-digit Vietnamese citizen identity number (căn cước công dân).
///
/// Digits 1-3 are the province of birth registration (001-096), digit 4 encodes sex and century,
/// digits 5-6 the year of birth, the rest a serial. The pass carries it as an unsigned integer
/// (9 bytes in CBOR instead of 13 as text); leading zeros are restored by printing 12 digits.
public struct CitizenID: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public var digits: String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 12 - text.count)) + text
    }
    public var description: String { digits }

    /// The ID with all but the last four digits hidden, for logs and lists.
    public var masked: String { String(repeating: "•", count: 8) + String(digits.suffix(4)) }

    public init(parsing input: String) throws(FormatError) {
        let trimmed = input.filter { $0 != " " }
        guard trimmed.count == 12, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(trimmed)
        else {
            throw FormatError(
                .invalidValue, layer: .claims, "driver ID '\(input)' must be exactly 12 digits (citizen ID number)")
        }
        try self.init(value: value)
    }

    public init(value: UInt64) throws(FormatError) {
        guard value <= 999_999_999_999 else {
            throw FormatError(.invalidValue, layer: .claims, "driver ID \(value) has more than 12 digits")
        }
        let province = value / 1_000_000_000
        guard (1...96).contains(province) else {
            throw FormatError(
                .invalidValue, layer: .claims,
                "driver ID \(String(value)): province code \(province) is not between 001 and 096")
        }
        self.value = value
    }
}
