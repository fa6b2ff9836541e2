import Hummingbird
import GreenlaneMessages

/// A reason code as the API answers it: the stable code, the engine's own words (`detail`, when there are any),
/// and the catalogue's text: both languages (`vi`, `en`), or only the one `Accept-Language` asked for (`text`).
struct ReasonView: Codable, Sendable, Equatable {
    var code: String
    var detail: String?
    var vi: String?
    var en: String?
    var text: String?

    init(code: String, detail: String? = nil, language: Language?) {
        self.code = code
        self.detail = detail
        let message = RequestReasons.message(code)
        if let language {
            text = message?.template(language) ?? code
        } else {
            vi = message?.vi ?? code
            en = message?.en ?? code
        }
    }
}

extension Request {
    /// The language `Accept-Language` asks for first among Vietnamese and English, or nil for both (no header,
    /// or neither language named). Weights are not ranked: clients name the language they want first.
    var reasonLanguage: Language? {
        guard let header = headers[.acceptLanguage] else { return nil }
        for part in header.split(separator: ",") {
            let tag = part.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            if let language = Language(rawValue: primary) { return language }
        }
        return nil
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var slice = self
        while slice.first == " " || slice.first == "\t" { slice.removeFirst() }
        while slice.last == " " || slice.last == "\t" { slice.removeLast() }
        return slice
    }
}
