/// Text and numbers as they go into SVG.
enum XML {
    /// Escapes text for element content and quoted attributes. Characters XML 1.0 forbids (most C0
    /// controls, unpaired surrogates cannot occur in a Swift String) become U+FFFD so the file still parses.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                let allowed = value >= 0x20 && value != 0xFFFE && value != 0xFFFF
                out.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return out
    }

    /// A number with at most two decimals and no exponent (`45`, `45.5`, `0.75`), as SVG lengths need.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = hundredths.magnitude
        let whole = String(magnitude / 100)
        let fraction = magnitude % 100
        if fraction == 0 { return sign + whole }
        if fraction % 10 == 0 { return sign + whole + "." + String(fraction / 10) }
        return sign + whole + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}
