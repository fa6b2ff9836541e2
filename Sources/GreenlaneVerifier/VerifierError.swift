/// Why a trust file or a revocation list could not be used.
///
/// Passes are never thrown at: a bad pass is a `VerificationResult` with failures. This error is for
/// the checkpoint's own inputs, which must be right before any pass can be judged.
public struct VerifierError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let unreadableFile = Code("unreadableFile")
        public static let invalidTrustFile = Code("invalidTrustFile")
        public static let keyIDMismatch = Code("keyIDMismatch")
        public static let duplicateKeyID = Code("duplicateKeyID")
        public static let emptyTrustSet = Code("emptyTrustSet")
        public static let invalidRevocationList = Code("invalidRevocationList")
        public static let revocationListNotTrusted = Code("revocationListNotTrusted")
        public static let revocationListBadSignature = Code("revocationListBadSignature")
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

extension VerifierError: Equatable {
    public static func == (lhs: VerifierError, rhs: VerifierError) -> Bool { lhs.code == rhs.code }
}
