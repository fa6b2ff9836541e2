/// Why the permit engine could not do what was asked (policy, request or key problems).
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let policy = Code("policy")
        public static let request = Code("request")
        public static let csv = Code("csv")
        public static let signing = Code("signing")
    }

    public let code: Code
    public let reason: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { reason }
}

extension EngineError: Equatable {
    public static func == (lhs: EngineError, rhs: EngineError) -> Bool { lhs.code == rhs.code }
}
