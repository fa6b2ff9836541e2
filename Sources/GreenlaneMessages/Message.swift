import GreenlaneSupport

/// One text people read, in every language, under a stable id. `{1}`, `{2}`… stand for values the caller
/// fills in; values are escaped (`SafeText`) on the way in, so a message never carries a control character.
public struct Message: Sendable, Hashable {
    public let id: String
    public let vi: String
    public let en: String

    public init(_ id: String, vi: String, en: String) {
        self.id = id
        self.vi = vi
        self.en = en
    }

    /// The template in `language`, placeholders not filled in.
    public func template(_ language: Language) -> String {
        switch language {
        case .vi: vi
        case .en: en
        }
    }

    /// The text in `language` with `{1}`, `{2}`… replaced by `values`, each escaped.
    public func text(_ language: Language, _ values: String...) -> String {
        fill(template(language), values)
    }

    /// The placeholder numbers the template uses (the catalogue test compares them across languages).
    public func placeholders(_ language: Language) -> Set<Int> {
        var numbers: Set<Int> = []
        let scalars = Array(template(language).unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "{", let close = scalars[index...].firstIndex(of: "}"),
                let number = Int(String(String.UnicodeScalarView(scalars[(index + 1)..<close])))
            {
                numbers.insert(number)
                index = close
            }
            index += 1
        }
        return numbers
    }

    private func fill(_ template: String, _ values: [String]) -> String {
        guard !values.isEmpty else { return template }
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let number = Int(after[..<close]),
                (1...values.count).contains(number)
            {
                out += SafeText.escaped(values[number - 1])
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        return out + rest
    }
}

/// An error as an officer reads it: what went wrong and what to do about it, in every language.
public struct ErrorMessage: Sendable, Hashable {
    /// The error's stable key, `Domain.code` (`VerifierDomain.unreadableFile`): `GreenlaneError.catalogueKey`.
    public let key: String
    public let problem: Message
    public let remedy: Message

    public init(_ key: String, problem: (vi: String, en: String), remedy: (vi: String, en: String)) {
        self.key = key
        self.problem = Message("error.\(key)", vi: problem.vi, en: problem.en)
        self.remedy = Message("remedy.\(key)", vi: remedy.vi, en: remedy.en)
    }
}
