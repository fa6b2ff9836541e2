package import GreenlaneFormat
package import GreenlaneMessages
package import GreenlaneVerifier
import GreenlaneSupport

/// How the verdict banner is drawn: plain text between rules (pipes, files, `NO_COLOR`), or a full-width
/// coloured bar on a terminal.
package enum BannerStyle: Sendable, Equatable {
    case plain
    /// Background colour across the whole line (`width` columns, then erase-to-end-of-line for the rest).
    case colour(width: Int)
}

/// Turns a verification result into what an officer reads (big and plain) or a JSON line.
///
/// What the officer reads comes from the message catalogue; every value from the code, the trust file or the
/// revocation list is escaped (`SafeText`), and the fields of a code whose signature did not verify appear
/// only inside the "NOT verified" block.
package struct ResultRenderer {
    let language: Language
    let training: Bool
    let style: BannerStyle
    /// What the authority says to do when a pass cannot be confirmed (the trust file's `cannotConfirm`).
    let instruction: AuthorityInstruction?

    package init(
        language: Language, training: Bool = false, style: BannerStyle = .plain,
        instruction: AuthorityInstruction? = nil
    ) {
        self.language = language
        self.training = training
        self.style = style
        self.instruction = instruction
    }

    /// The authority's instruction in the officer's language, or the catalogue's default.
    package var cannotConfirmInstruction: String {
        guard let instruction else { return Catalogue.cannotConfirmDefaultInstruction.text(language) }
        return Catalogue.authorityInstruction.text(language, language == .vi ? instruction.vi : instruction.en)
    }

    package func human(_ result: VerificationResult, context: CheckpointContext, batchIndex: Int? = nil) -> String {
        var lines: [String] = []
        let verdict = result.verdict(training: training)
        if let batchIndex { lines.append("#\(batchIndex)") }
        lines.append(contentsOf: banner(verdict, ageing: result.warnings.contains(where: \.isAgeingData)))
        switch verdict {
        case .cannotRead: lines.append(Catalogue.cannotReadHint.text(language))
        case .notGreenlaneCode: lines.append(Catalogue.notGreenlaneHint.text(language))
        case .cannotConfirm:
            lines.append(Catalogue.cannotConfirmHint.text(language))
            lines.append(cannotConfirmInstruction)
        case .demo: lines.append(Catalogue.demoHint.text(language, result.signer?.label ?? "?"))
        default: break
        }
        if result.isDemo && verdict != .demo {
            lines.append(Catalogue.demoNote.text(language))
        }
        if !result.failures.isEmpty {
            lines.append(Catalogue.reasons.text(language))
            for failure in result.failures {
                lines.append("  • \(failure.message(language))  [\(failure.check)]")
            }
        }
        let notes = result.warnings.filter { !$0.isDemoKey }
        if !notes.isEmpty {
            lines.append(Catalogue.notes.text(language))
            for warning in notes { lines.append("  ! \(warning.message(language))  [\(warning.check)]") }
        }
        if let claims = result.pass?.claims {
            if result.signatureVerified, let signer = result.signer {
                lines.append((verdict == .valid ? Catalogue.signedBy : Catalogue.signedButNotValid)
                    .text(language, signer.label))
                lines.append(contentsOf: describe(claims))
            } else {
                lines.append(Catalogue.notVerified.text(language))
                lines.append(contentsOf: describe(claims))
                lines.append(Catalogue.endOfNotVerified.text(language))
            }
        }
        let time = language == .vi ? Timestamp.vietnamese(context.time) : Timestamp.english(context.time)
        let place = context.district.map { " · " + (language == .vi ? $0.vietnameseName : $0.englishName) } ?? ""
        lines.append(Catalogue.checkedAt.text(language, time + place))
        return lines.joined(separator: "\n")
    }

    /// The verdict's title: between rules, or as a coloured bar (green, amber, red) three lines high.
    /// `ageing`: the list is in its grace, so a valid verdict is amber and says to sync.
    package func banner(_ verdict: Verdict, ageing: Bool = false) -> [String] {
        let title: Message
        let colour: String
        switch verdict {
        case .valid where ageing: (title, colour) = (Catalogue.validAgeing, "1;30;43")
        case .valid: (title, colour) = (Catalogue.valid, "1;97;42")
        case .notValid: (title, colour) = (Catalogue.notValid, "1;97;41")
        case .notGreenlaneCode: (title, colour) = (Catalogue.notGreenlaneCode, "1;30;43")
        case .cannotConfirm: (title, colour) = (Catalogue.cannotConfirm, "1;30;43")
        case .demo: (title, colour) = (Catalogue.demo, "1;30;43")
        default: (title, colour) = (Catalogue.cannotRead, "1;30;43")
        }
        let text = "  " + title.text(language)
        switch style {
        case .plain:
            let rule = String(repeating: "═", count: 48)
            return [rule, text, rule]
        case .colour(let width):
            func bar(_ content: String) -> String {
                let padded = content.count < width - 1 ? content.padding(width - 1) : content
                return "\u{1B}[\(colour)m" + padded + "\u{1B}[K\u{1B}[0m"
            }
            return [bar(""), bar(text), bar("")]
        }
    }

    /// The pass's fields, one per line, every value escaped.
    package func describe(_ claims: PassClaims) -> [String] {
        let permit = claims.permit
        let vi = language == .vi
        let time = vi ? Timestamp.vietnamese : Timestamp.english
        let safe = SafeText.escaped
        var rows: [(Message, String)] = [
            (Catalogue.plate, safe(permit.plate.text)),
            (Catalogue.vehicle, vi ? permit.vehicleClass.vietnameseName : permit.vehicleClass.englishName),
            (Catalogue.firm, safe(permit.firmID)),
            (Catalogue.driver, Catalogue.driverValue.text(language, permit.driverName, permit.driverID.digits)),
            (Catalogue.zones, Failure.zones(permit.zones, language)),
            (Catalogue.purpose, vi ? permit.purpose.vietnameseName : permit.purpose.englishName),
        ]
        if let window = permit.window {
            rows.append((Catalogue.hours, Catalogue.hoursValue.text(language, window.description)))
        }
        rows.append((Catalogue.validity, time(claims.notBefore) + " → " + time(claims.expiresAt)))
        rows.append((Catalogue.serial, Catalogue.serialValue.text(language, permit.serial, permit.station)))
        rows.append((Catalogue.issuer, safe(claims.issuer)))
        let width = rows.map { $0.0.text(language).count }.max() ?? 0
        return rows.map { row in "  " + row.0.text(language).padding(width) + "  " + row.1 }
    }

    package func json(_ result: VerificationResult, context: CheckpointContext) -> String {
        let verdict = result.verdict(training: training)
        var object: [(String, JSONValue)] = [
            ("verdict", .string(verdict.name)),
            ("exit", .number(Int64(verdict.exitCode))),
            ("accepted", .bool(result.isAccepted)),
            ("signatureVerified", .bool(result.signatureVerified)),
            ("demo", .bool(result.isDemo)),
            ("training", .bool(training)),
            ("checkedAt", .string(Timestamp.rfc3339(context.time))),
            ("failures", .array(result.failures.map { failure in
                var fields: [(String, JSONValue)] = [
                    ("check", .string(failure.check)), ("message", .string(failure.message(language))),
                ]
                if let detail = failure.detail { fields.append(("detail", .string(detail))) }
                return .object(fields)
            })),
            ("warnings", .array(result.warnings.map { warning in
                .object([("check", .string(warning.check)), ("message", .string(warning.message(language)))])
            })),
        ]
        if verdict == .cannotConfirm { object.append(("instruction", .string(cannotConfirmInstruction))) }
        if let district = context.district { object.append(("zone", .string(district.slug))) }
        if let signer = result.signer {
            object.append(("kid", .string(signer.keyIDHex)))
            object.append(("keyLabel", .string(signer.label)))
        }
        if let claims = result.pass?.claims {
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
            case _ where SafeText.isUnsafe(scalar):
                // Controls, DEL, C1, bidi and zero-width characters as \u escapes: the JSON keeps the value
                // exactly, and a terminal showing the line is not fooled by it.
                if scalar.value > 0xFFFF {
                    let value = scalar.value - 0x10000
                    out += "\\u" + SafeText.hex(0xD800 + (value >> 10)) + "\\u" + SafeText.hex(0xDC00 + (value & 0x3FF))
                } else {
                    out += "\\u" + SafeText.hex(scalar.value)
                }
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
