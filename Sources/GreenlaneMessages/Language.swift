/// Languages for people-facing text.
public enum Language: String, Sendable, CaseIterable {
    case vi, en

    /// From `LC_ALL`, `LC_MESSAGES` or `LANG` values: English when they say `en`, Vietnamese otherwise,
    /// since the officers at checkpoints read Vietnamese.
    public static func fromLocale(_ values: [String?]) -> Language {
        for case let value? in values where !value.isEmpty {
            return value.lowercased().hasPrefix("en") ? .en : .vi
        }
        return .vi
    }
}
