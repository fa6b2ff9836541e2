package import GreenlaneFormat
package import GreenlaneVerifier

/// Turns a verification result into what an officer reads (big and plain) or a JSON line.
package struct ResultRenderer {
    let language: Language

    package init(language: Language) { self.language = language }
    private var vi: Bool { language == .vi }

    package func human(_ result: VerificationResult, context: CheckpointContext, batchIndex: Int? = nil) -> String {
        var lines: [String] = []
        let rule = String(repeating: "═", count: 48)
        if let batchIndex { lines.append("#\(batchIndex)") }
        lines.append(rule)
        if result.isAccepted {
            lines.append(vi ? "  ✔  HỢP LỆ — ĐƯỢC QUA CHỐT" : "  ✔  VALID — MAY PASS")
        } else {
            lines.append(vi ? "  ✘  KHÔNG HỢP LỆ — KHÔNG ĐƯỢC QUA" : "  ✘  NOT VALID — DO NOT LET PASS")
        }
        lines.append(rule)
        if result.isDemo {
            lines.append(vi ? "  ⚠  THẺ MẪU (DEMO) — KHÔNG PHẢI THẺ THẬT" : "  ⚠  DEMO PASS — NOT A REAL PASS")
        }
        if !result.failures.isEmpty {
            lines.append(vi ? "Lý do:" : "Why:")
            for failure in result.failures {
                lines.append("  • \(failure.message(language))  [\(failure.check)]")
            }
        }
        let notes = result.warnings.filter { !$0.isDemoKey }
        if !notes.isEmpty {
            lines.append(vi ? "Lưu ý:" : "Note:")
            for warning in notes { lines.append("  ! \(warning.message(language))") }
        }
        if let claims = result.pass?.claims {
            if !result.isAccepted {
                lines.append(
                    vi ? "Nội dung ghi trên mã (CHƯA được xác thực):" : "What the code says (NOT verified):")
            }
            lines.append(contentsOf: describe(claims))
        }
        lines.append(
            (vi ? "Kiểm tra lúc: " : "Checked at: ")
                + (vi ? Timestamp.vietnamese(context.time) : Timestamp.english(context.time))
                + (context.district.map { " · " + (vi ? $0.vietnameseName : $0.englishName) } ?? ""))
        return lines.joined(separator: "\n")
    }

    package func describe(_ claims: PassClaims) -> [String] {
        let permit = claims.permit
        let time = vi ? Timestamp.vietnamese : Timestamp.english
        var rows: [(String, String, String)] = [
            ("Biển số", "Plate", permit.plate.text),
            ("Loại xe", "Vehicle", vi ? permit.vehicleClass.vietnameseName : permit.vehicleClass.englishName),
            ("Doanh nghiệp", "Firm", permit.firmID),
            ("Lái xe", "Driver", "\(permit.driverName) (CCCD \(permit.driverID.digits))"),
            ("Khu vực", "Zones", vi ? Failure.vietnameseZones(permit.zones) : Failure.englishZones(permit.zones)),
            ("Mục đích", "Purpose", vi ? permit.purpose.vietnameseName : permit.purpose.englishName),
        ]
        if let window = permit.window {
            rows.append(("Khung giờ", "Hours", "\(window)" + (vi ? " hằng ngày" : " daily")))
        }
        rows.append(("Hiệu lực", "Valid", time(claims.notBefore) + " → " + time(claims.expiresAt)))
        rows.append(("Số thẻ", "Serial", permit.serial + (vi ? " · trạm cấp " : " · station ") + permit.station))
        let width = rows.map { (vi ? $0.0 : $0.1).count }.max() ?? 0
        return rows.map { row in "  " + (vi ? row.0 : row.1).padding(width) + "  " + row.2 }
    }

    package func json(_ result: VerificationResult, context: CheckpointContext) -> String {
        var object: [(String, JSONValue)] = [
            ("accepted", .bool(result.isAccepted)),
            ("demo", .bool(result.isDemo)),
            ("checkedAt", .string(Timestamp.rfc3339(context.time))),
            ("failures", .array(result.failures.map { failure in
                .object([("check", .string(failure.check)), ("message", .string(failure.message(language)))])
            })),
            ("warnings", .array(result.warnings.map { warning in
                .object([("check", .string(warning.check)), ("message", .string(warning.message(language)))])
            })),
        ]
        if let district = context.district { object.append(("zone", .string(district.slug))) }
        if let signer = result.signer {
            object.append(("kid", .string(signer.keyIDHex)))
            object.append(("keyLabel", .string(signer.label)))
        }
        if let claims = result.pass?.claims {
            object.append(("verified", .bool(result.isAccepted)))
            object.append(("pass", claimsJSON(claims)))
        }
        return JSONValue.object(object).text
    }

    package func claimsJSON(_ claims: PassClaims) -> JSONValue {
        let permit = claims.permit
        var fields: [(String, JSONValue)] = [
            ("serial", .string(permit.serial)),
            ("issuer", .string(claims.issuer)),
            ("issuedAt", .string(Timestamp.rfc3339(claims.issuedAt))),
            ("notBefore", .string(Timestamp.rfc3339(claims.notBefore))),
            ("expiresAt", .string(Timestamp.rfc3339(claims.expiresAt))),
            ("firm", .string(permit.firmID)),
            ("plate", .string(permit.plate.text)),
            ("vehicleClass", .string(permit.vehicleClass.slug)),
            ("driverName", .string(permit.driverName)),
            ("driverID", .string(permit.driverID.digits)),
            ("zones", .array(permit.zones.districts.map { .string($0.slug) })),
            ("purpose", .string(permit.purpose.slug)),
            ("station", .string(permit.station)),
        ]
        if let window = permit.window { fields.append(("window", .string(window.description))) }
        return .object(fields)
    }
}

/// A small JSON writer: ordered keys and no Foundation, so output is stable for tests and scripts.
package indirect enum JSONValue {
    case string(String)
    case number(Int64)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    package var text: String {
        var out = ""
        write(into: &out)
        return out
    }

    package func write(into out: inout String) {
        switch self {
        case .string(let value): JSONValue.quote(value, into: &out)
        case .number(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out += "," }
                JSONValue.quote(key, into: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        }
    }

    package static func quote(_ string: String, into out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = Hex.encode([UInt8(scalar.value)])
                out += "\\u00" + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
