import GreenlaneSupport
/// A Vietnamese registration plate, validated and kept in its canonical printed form.
///
/// Cars and trucks: province code, a series of one or two letters, then four or five digits
/// (`29C-1234`, `29C-123.45`, `29LD-123.45`). Motorbikes: province code, a series of a letter and a
/// letter or digit, then four or five digits (`29-B1 1234`, `29-B1 123.45`). Input may use any mix of
/// spaces, dots and dashes, and any letter case; `30E-12345` becomes `30E-123.45`.
public struct Plate: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Canonical printed form, as carried in the pass.
    public let text: String
    public var description: String { text }
    public static func < (lhs: Plate, rhs: Plate) -> Bool { lhs.text < rhs.text }

    /// The plate's letters and digits only (`29C12345`): what the pass carries, and what look-ups compare.
    public var compact: String {
        // `text` is ASCII (built from upper-case letters, digits and separators), so bytes suffice.
        String(decoding: text.utf8.filter { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }, as: UTF8.self)
    }

    public init(parsing input: String, vehicleClass: VehicleClass) throws(FormatError) {
        var compact: [UInt8] = []
        for scalar in input.unicodeScalars {
            switch scalar {
            case "0"..."9", "A"..."Z": compact.append(UInt8(scalar.value))
            case "a"..."z": compact.append(UInt8(scalar.value) - 32)
            case " ", "-", ".", "\t": continue
            default:
                throw Plate.error(input, "character '\(Plate.shown(String(scalar)))' is not allowed in a plate")
            }
        }
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        func isLetter(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }

        guard compact.count >= 2, isDigit(compact[0]), isDigit(compact[1]) else {
            throw Plate.error(input, "a plate starts with a two-digit province code, e.g. 29C-123.45")
        }
        let province = Int(compact[0] - 0x30) * 10 + Int(compact[1] - 0x30)
        guard province >= 11 else {
            throw Plate.error(input, "province code \(province) does not exist (codes run from 11 to 99)")
        }
        var index = 2
        var series: [UInt8] = []
        if vehicleClass == .motorbike {
            // `29C-123.45` is a car plate even though `29C12345` could be read as motorbike 29-C1 2345:
            // a separator right after the series letter says so.
            let raw = Array(input.unicodeScalars)
            if let letter = raw.firstIndex(where: { $0.properties.isAlphabetic }), letter + 1 < raw.count,
                [" ", "-", ".", "\t"].contains(raw[letter + 1]) {
                throw Plate.error(input, "a motorbike plate has a two-character series such as B1 (29-B1 123.45)")
            }
            guard compact.count > 3, isLetter(compact[2]), isLetter(compact[3]) || isDigit(compact[3]) else {
                throw Plate.error(input, "a motorbike plate has a series such as B1 or AA after the province code")
            }
            series = [compact[2], compact[3]]
            index = 4
            if isDigit(series[1]), series[1] == 0x30 {
                throw Plate.error(input, "a motorbike series is a letter and a digit 1-9 (29-B1), never 0")
            }
        } else {
            while index < compact.count, isLetter(compact[index]), series.count < 3 {
                series.append(compact[index])
                index += 1
            }
            guard (1...2).contains(series.count) else {
                throw Plate.error(input, "a \(vehicleClass.englishName.lowercased()) plate has a series of one or two letters after the province code")
            }
        }
        if let letter = series.first(where: { isLetter($0) && !Plate.seriesLetters.contains($0) }) {
            let shown = String(decoding: [letter], as: UTF8.self)
            throw Plate.error(input, "series letter \(shown) is never issued (Circular 58/2020/TT-BCA uses "
                + "A-Z without I, J, O, Q, W; R only for trailers): \(Plate.lookAlike[letter] ?? "check the plate")")
        }
        let number = Array(compact[index...])
        guard (4...5).contains(number.count), number.allSatisfy(isDigit) else {
            throw Plate.error(input, "the registration number must be 4 or 5 digits")
        }
        guard number.contains(where: { $0 != 0x30 }) else {
            throw Plate.error(input, "the registration number cannot be all zeros")
        }
        let numberText: String
        let digits = String(decoding: number, as: UTF8.self)
        if number.count == 5 {
            numberText = String(digits.prefix(3)) + "." + String(digits.suffix(2))
        } else {
            numberText = digits
        }
        let provinceText = String(decoding: compact[0..<2], as: UTF8.self)
        let seriesText = String(decoding: series, as: UTF8.self)
        if vehicleClass == .motorbike {
            text = provinceText + "-" + seriesText + " " + numberText
        } else {
            text = provinceText + seriesText + "-" + numberText
        }
    }

    /// Series letters Circular 58/2020/TT-BCA (Ministry of Public Security, vehicle registration, in force
    /// 1 August 2020, so in July 2021) issues: the 20 letters A B C D E F G H K L M N P S T U V X Y Z, and R,
    /// which marks trailers and semi-trailers. Never I, J, O, Q or W: I and O read as 1 and 0, Q as O. See
    /// docs/POLICY.md, "Plates".
    static let seriesLetters: Set<UInt8> = Set("ABCDEFGHKLMNPRSTUVXYZ".utf8)

    /// What a refused letter is usually a misreading of.
    static let lookAlike: [UInt8: String] = [
        UInt8(ascii: "I"): "I reads as the digit 1", UInt8(ascii: "O"): "O reads as the digit 0",
        UInt8(ascii: "Q"): "Q reads as O or 0", UInt8(ascii: "J"): "J is not in the Vietnamese alphabet",
        UInt8(ascii: "W"): "W is not in the Vietnamese alphabet",
    ]

    private static func error(_ input: String, _ why: String) -> FormatError {
        FormatError(.invalidValue, layer: .claims, "plate '\(shown(input))': \(why)")
    }

    /// Control characters escaped: a carriage return from a CSV field must not overwrite the report line.
    private static func shown(_ text: String) -> String { SafeText.escaped(text) }
}
