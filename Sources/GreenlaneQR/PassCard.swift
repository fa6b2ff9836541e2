public import GreenlaneFormat

/// A printable pass: the card a driver keeps behind the windscreen or in a pocket.
public struct PassCard {
    /// An A6 portrait (105 x 148 mm) SVG card, Vietnamese first and English second: title, the plate in
    /// large type, firm (name and id), driver, vehicle class, zones, purpose, validity in Vietnam time
    /// (Asia/Ho_Chi_Minh, UTC+7), serial, issuing station, and the QR symbol (52 mm with its quiet zone,
    /// so the symbol itself is at least 45 mm wide). `isDemo` adds a banner and a diagonal watermark; the
    /// watermark passes under the QR symbol so specimen cards still scan. Throws when `code` cannot be
    /// encoded as a QR symbol.
    public static func svg(claims: PassClaims, code: String, firmName: String?, isDemo: Bool) throws(QRError)
        -> String
    {
        let symbol = try QRCode(encoding: code)
        var card = CardCanvas()
        let permit = claims.permit
        card.header()
        if isDemo { card.demoBanner() }

        card.plate(permit.plate.text)

        var firm = permit.firmID
        if let firmName, !firmName.isEmpty { firm = firmName + " (" + permit.firmID + ")" }
        var y = 47.0
        y = card.field(y, "Đơn vị", "Firm", vietnamese: firm, english: nil)
        y = card.field(y, "Lái xe", "Driver", vietnamese: permit.driverName, english: "ID " + permit.driverID.masked)
        y = card.field(
            y, "Loại xe", "Vehicle", vietnamese: permit.vehicleClass.vietnameseName,
            english: permit.vehicleClass.englishName, maxLines: 1)
        let zones = permit.zones
        let zoneNames =
            zones.isAll ? "Toàn thành phố Hà Nội" : zones.districts.map(\.shortName).joined(separator: ", ")
        let zoneCount = zones.count == 1 ? "1 district of Hanoi" : "\(zones.count) districts of Hanoi"
        y = card.field(
            y, "Khu vực", "Zones", vietnamese: zoneNames, english: zones.isAll ? "All of Hanoi" : zoneCount,
            maxLines: 4)
        _ = card.field(
            y, "Mục đích", "Purpose", vietnamese: permit.purpose.vietnameseName, english: permit.purpose.englishName)

        card.validity(claims: claims)
        if isDemo { card.watermark() }
        card.symbol(symbol)
        return card.finish()
    }
}

/// Builds the card's SVG; lengths are millimetres (the viewBox is the A6 page).
private struct CardCanvas {
    static let width = 105.0
    static let height = 148.0
    static let green = "#17803d"
    static let red = "#c62828"
    static let grey = "#555"
    static let demoText = "MẪU – DEMO – KHÔNG CÓ GIÁ TRỊ"
    /// Fonts with Vietnamese glyphs first; the generic family last so something always renders.
    static let fonts = "'DejaVu Sans', 'Noto Sans', 'Liberation Sans', Arial, Helvetica, sans-serif"

    private var body = ""

    /// Value column of the field table; labels sit to its left.
    private let valueX = 27.0
    private var valueWidth: Double { Self.width - valueX - 5 }

    mutating func header() {
        body += "<rect x=\"0\" y=\"0\" width=\"105\" height=\"18\" fill=\"\(Self.green)\"/>\n"
        text(52.5, 6.6, 3.3, "THẺ NHẬN DIỆN PHƯƠNG TIỆN ƯU TIÊN – LUỒNG XANH", bold: true, fill: "#fff",
            anchor: "middle", maxWidth: 97)
        text(52.5, 11.4, 2.9, "PRIORITY VEHICLE PASS – GREEN LANE", bold: true, fill: "#fff", anchor: "middle",
            maxWidth: 97)
        text(52.5, 15.6, 2.2, "Thành phố Hà Nội · Hanoi City", fill: "#fff", anchor: "middle", maxWidth: 97)
    }

    mutating func demoBanner() {
        body += "<rect x=\"0\" y=\"18\" width=\"105\" height=\"6\" fill=\"\(Self.red)\"/>\n"
        text(52.5, 22.2, 2.7, Self.demoText + " · SPECIMEN – NOT VALID", bold: true, fill: "#fff",
            anchor: "middle", maxWidth: 97)
    }

    mutating func plate(_ plate: String) {
        text(52.5, 28.2, 2.2, "BIỂN KIỂM SOÁT · PLATE", bold: true, fill: Self.grey, anchor: "middle", maxWidth: 95)
        body += "<rect x=\"10\" y=\"29.5\" width=\"85\" height=\"15\" rx=\"1.5\" fill=\"#fff\" stroke=\"#000\""
        body += " stroke-width=\"0.6\"/>\n"
        text(52.5, 40.9, 10.5, plate, bold: true, anchor: "middle", maxWidth: 81)
    }

    /// One row of the table: bilingual label on the left, Vietnamese value and English gloss on the right.
    /// Long values wrap, at a smaller size if need be, up to `maxLines`. Returns the top of the next row.
    mutating func field(
        _ top: Double, _ labelVietnamese: String, _ labelEnglish: String, vietnamese: String, english: String?,
        maxLines: Int = 2
    ) -> Double {
        text(5, top + 2.4, 2.3, labelVietnamese, bold: true, fill: Self.green, maxWidth: valueX - 6)
        text(5, top + 4.9, 2.0, labelEnglish, fill: Self.grey, maxWidth: valueX - 6)
        let (size, lines) = Self.wrap(vietnamese, width: valueWidth, sizes: [2.8, 2.5, 2.2, 1.9], maxLines: maxLines)
        var y = top + 2.4
        for (index, line) in lines.enumerated() {
            if index > 0 { y += size * 1.15 }
            text(valueX, y, size, line, bold: true, maxWidth: valueWidth)
        }
        if let english {
            let (englishSize, englishLines) = Self.wrap(english, width: valueWidth, sizes: [2.1, 1.9], maxLines: 1)
            y += 2.5
            text(valueX, y, englishSize, englishLines[0], fill: Self.grey, maxWidth: valueWidth)
        }
        // Room for descenders, then the gap between rows.
        return max(y, top + 4.9) + 2.2
    }

    /// The column left of the QR symbol: when the pass is valid, and who issued it.
    mutating func validity(claims: PassClaims) {
        let x = 5.0, width = 44.0
        var y = 98.0
        func label(_ vietnamese: String, _ english: String) {
            text(x, y, 2.1, vietnamese + " · " + english, bold: true, fill: Self.green, maxWidth: width)
            y += 3.1
        }
        func value(_ vietnamese: String, _ english: String?, size: Double = 2.7) {
            text(x, y, size, vietnamese, bold: true, maxWidth: width)
            y += size * 1.15
            if let english {
                text(x, y, 2.0, english, fill: Self.grey, maxWidth: width)
                y += 2.6
            }
            y += 1.2
        }
        label("Hiệu lực từ", "Valid from")
        value(Timestamp.vietnamese(claims.notBefore), Timestamp.english(claims.notBefore))
        label("Đến hết", "Until")
        value(Timestamp.vietnamese(claims.expiresAt), Timestamp.english(claims.expiresAt))
        label("Khung giờ", "Daily hours")
        if let window = claims.permit.window {
            value(window.description + " (giờ Hà Nội)", "Hanoi time, UTC+7")
        } else {
            value("Cả ngày", "All day")
        }
        label("Số thẻ", "Serial")
        value(claims.permit.serial, nil, size: 3.4)
        label("Nơi cấp", "Issued by")
        value(claims.permit.station, claims.issuer)
    }

    /// A diagonal stamp across the whole card, under the QR symbol.
    mutating func watermark() {
        let angle = -54.6  // the card's diagonal: atan(148 / 105)
        body += "<g transform=\"rotate(\(XML.number(angle)) 52.5 74)\" opacity=\"0.3\">\n"
        text(52.5, 77, 8, Self.demoText, bold: true, fill: Self.red, anchor: "middle", maxWidth: 150)
        body += "</g>\n"
    }

    /// The QR symbol, bottom right, 52 mm including a 4-module quiet zone.
    mutating func symbol(_ code: QRCode) {
        let side = 52.0
        let quiet = 4
        let modules = code.size + 2 * quiet
        let x = Self.width - 2 - side, y = Self.height - 2 - side
        body += "<svg x=\"\(XML.number(x))\" y=\"\(XML.number(y))\" width=\"\(XML.number(side))\""
        body += " height=\"\(XML.number(side))\" viewBox=\"0 0 \(modules) \(modules)\""
        body += " shape-rendering=\"crispEdges\">\n"
        body += "<rect width=\"\(modules)\" height=\"\(modules)\" fill=\"#fff\"/>\n"
        body += "<path fill=\"#000\" d=\"\(code.pathData(offset: quiet))\"/>\n"
        body += "</svg>\n"
    }

    func finish() -> String {
        var svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"105mm\" height=\"148mm\""
        svg += " viewBox=\"0 0 105 148\" font-family=\"\(Self.fonts)\">\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"105\" height=\"148\" fill=\"#fff\"/>\n"
        svg += body
        // Cutting guide.
        svg += "<rect x=\"0.2\" y=\"0.2\" width=\"104.6\" height=\"147.6\" fill=\"none\" stroke=\"#999\""
        svg += " stroke-width=\"0.3\"/>\n"
        svg += "</svg>\n"
        return svg
    }

    /// One line of text. When the estimated width exceeds `maxWidth`, `textLength` squeezes it to fit:
    /// better narrow glyphs than a plate or name running off the card.
    private mutating func text(
        _ x: Double, _ y: Double, _ size: Double, _ content: String, bold: Bool = false, fill: String = "#000",
        anchor: String = "start", maxWidth: Double
    ) {
        body += "<text x=\"\(XML.number(x))\" y=\"\(XML.number(y))\" font-size=\"\(XML.number(size))\""
        if bold { body += " font-weight=\"bold\"" }
        if fill != "#000" { body += " fill=\"\(fill)\"" }
        if anchor != "start" { body += " text-anchor=\"\(anchor)\"" }
        if Self.estimatedWidth(content, size: size) > maxWidth {
            body += " textLength=\"\(XML.number(maxWidth))\" lengthAdjust=\"spacingAndGlyphs\""
        }
        body += ">" + XML.escape(content) + "</text>\n"
    }

    /// A generous guess at the rendered width in DejaVu Sans (a wide face), in millimetres.
    static func estimatedWidth(_ text: String, size: Double) -> Double {
        var ems = 0.0
        for character in text {
            if character == " " {
                ems += 0.32
            } else if character.isUppercase {
                ems += 0.74
            } else if character.isNumber {
                ems += 0.64
            } else if character.isLetter {
                ems += 0.6
            } else {
                ems += 0.45
            }
        }
        return ems * size
    }

    /// Word-wraps `text` at the largest size for which it takes at most `maxLines` lines; at the smallest
    /// size the overflow is cut with an ellipsis (the QR code still carries everything).
    static func wrap(_ text: String, width: Double, sizes: [Double], maxLines: Int) -> (Double, [String]) {
        var result: (Double, [String]) = (sizes.last ?? 2, [text])
        for size in sizes {
            var lines: [String] = []
            var line = ""
            for word in text.split(separator: " ") {
                let candidate = line.isEmpty ? String(word) : line + " " + word
                if line.isEmpty || estimatedWidth(candidate, size: size) <= width {
                    line = candidate
                } else {
                    lines.append(line)
                    line = String(word)
                }
            }
            if !line.isEmpty || lines.isEmpty { lines.append(line) }
            result = (size, lines)
            if lines.count <= maxLines { return result }
        }
        var lines = Array(result.1.prefix(maxLines))
        if let last = lines.last { lines[lines.count - 1] = last + " …" }
        return (result.0, lines)
    }
}
