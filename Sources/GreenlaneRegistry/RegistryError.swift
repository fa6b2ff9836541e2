/// Why the registry could not do what was asked.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let cannotOpen = Code("cannotOpen")
        public static let database = Code("database")
        public static let firmExists = Code("firmExists")
        public static let unknownFirm = Code("unknownFirm")
        public static let unknownPermit = Code("unknownPermit")
        public static let alreadyRevoked = Code("alreadyRevoked")
        public static let invalidValue = Code("invalidValue")
    }

    public let code: Code
    public let reason: String
    public let underlying: (any Error & Sendable)?
    public let file: String
    public let line: Int

    public init(
        _ code: Code, _ reason: String, underlying: (any Error & Sendable)? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
        self.file = file
        self.line = line
    }

    public var description: String { reason }
}

extension RegistryError: Equatable {
    public static func == (lhs: RegistryError, rhs: RegistryError) -> Bool { lhs.code == rhs.code }
}
