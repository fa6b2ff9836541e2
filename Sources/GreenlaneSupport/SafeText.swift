/// The one escaping function for text that greenlane did not write itself: a pass code's fields, a list's
/// reasons, a trust file's labels, the registry's stored text, a library's message. Every binary runs such
/// text through `SafeText.escaped` before it reaches a terminal, so a value cannot move the cursor, clear
/// the screen, reverse the line or hide characters, whatever its source.
public enum SafeText {
    /// `text` with every unsafe scalar written as `\u{XXXX}` (line breaks and tabs as `\n`, `\r`, `\t`), and
    /// every backslash as `\\` once anything is escaped, so an escaped text cannot be mistaken for a clean one.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            case _ where isUnsafe(scalar): out += "\\u{\(hex(scalar.value))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Control characters (C0, DEL, C1: category Cc), format characters (Cf: bidirectional embeddings,
    /// overrides and isolates, zero-width space and joiners, the byte-order mark), line and paragraph
    /// separators, private-use, surrogate and unassigned code points.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        // ASCII without the property table (which every issued permit's audit text went through): C0 and DEL
        // are Cc, everything else printable. `SafeTextTests` checks this agrees with the table.
        if scalar.value < 0x80 { return scalar.value < 0x20 || scalar.value == 0x7F }
        return switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned: true
        default: false
        }
    }

    /// Whether `text` holds nothing `escaped` would change.
    public static func isSafe(_ text: String) -> Bool { !text.unicodeScalars.contains(where: isUnsafe) }

    /// At least four upper-case hexadecimal digits.
    public static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
