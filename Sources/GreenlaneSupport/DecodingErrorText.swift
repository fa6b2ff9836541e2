/// What a `Decodable` failure means, for people: which field, what was wrong. Never a Swift dump.
public enum DecodingErrorText {
    public static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing field '\(key.stringValue)' at \(path(context))"
        case DecodingError.typeMismatch(let type, let context):
            "wrong type at \(path(context)) (expected \(typeName(type)))"
        case DecodingError.valueNotFound(let type, let context):
            "missing value at \(path(context)) (expected \(typeName(type)))"
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty:
            "not valid JSON"
        case DecodingError.dataCorrupted(let context):
            "invalid value at \(path(context))"
        default:
            "not valid JSON"
        }
    }

    static func path(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? "top level" : String(path.drop { $0 == "." })
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        default: type is any Collection.Type ? "a list" : "an object"
        }
    }
}
