/// What kind of failure an error is. The command root maps each kind to an exit code in one place
/// (`Exit` in GreenlaneCheckpointCLI); libraries only say what happened.
public struct ErrorKind: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    private init(_ name: String) { self.name = name }
    public var description: String { name }

    /// A check said no: a refused request, a permit that cannot be revoked twice (exit 1).
    public static let rejected = ErrorKind("rejected")
    /// Input that could not be read at all: not a pass code, not a PNG (exit 2).
    public static let malformed = ErrorKind("malformed")
    /// Something the command was given cannot be used: a key, trust file, policy, registry path (exit 3).
    public static let setup = ErrorKind("setup")
    /// The machine failed: the database, the disk, a write, a missing library (exit 3).
    public static let runtime = ErrorKind("runtime")
    /// Wrong flags or arguments (exit 64).
    public static let usage = ErrorKind("usage")
}

/// Where in greenlane's own source an error was made (`#fileID`, `#line`).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public let fileID: String
    public let line: Int
    public init(fileID: String, line: Int) {
        self.fileID = fileID
        self.line = line
    }
    public var description: String { "\(fileID):\(line)" }
}

/// The one error shape of greenlane: a kind, a reason for people, the error it wraps, and where it was made.
///
/// `reason` is what users read: one line that says what was wrong and where, in words. It never holds a
/// Swift dump or a library's own message (SQLite's, OpenSSL's): those stay in `underlying`, which
/// `diagnostic` shows for logs and for `GREENLANE_DEBUG=1`.
public protocol GreenlaneError: Error, Sendable, CustomStringConvertible {
    var kind: ErrorKind { get }
    var reason: String { get }
    var underlying: (any Error & Sendable)? { get }
    var origin: SourceLocation { get }
    /// The stable key of the error's code, `Domain.code` (`VerifierDomain.unreadableFile`), under which the
    /// message catalogue keeps what people read and what they can do about it.
    var catalogueKey: String? { get }
}

extension GreenlaneError {
    public var description: String { reason }
    public var catalogueKey: String? { nil }

    /// The reason, then each wrapped error with where it was made: for logs, never for the main screen.
    public var diagnostic: String {
        var lines = ["\(reason) [\(kind), \(origin)]"]
        var next = underlying
        var depth = 0
        while let error = next, depth < 8 {
            if let inner = error as? any GreenlaneError {
                lines.append("  caused by: \(inner.reason) [\(inner.kind), \(inner.origin)]")
                next = inner.underlying
            } else {
                lines.append("  caused by: \(String(reflecting: error))")
                next = nil
            }
            depth += 1
        }
        return lines.joined(separator: "\n")
    }
}

/// Marks a module's error domain: `typealias RegistryError = CodedError<RegistryDomain>`.
public protocol ErrorDomain: Sendable {}

/// A module's error: a code from its domain (which can grow without breaking anyone's `switch`), a reason,
/// the underlying error and its origin. Equal when the codes are equal: the rest is diagnosis, not identity.
public struct CodedError<Domain: ErrorDomain>: GreenlaneError, Equatable {
    /// A struct with static members rather than an enum, so a domain can add codes without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public let kind: ErrorKind
        public init(_ name: String, kind: ErrorKind) {
            self.name = name
            self.kind = kind
        }
        public var description: String { name }
        public static func == (lhs: Code, rhs: Code) -> Bool { lhs.name == rhs.name }
        public func hash(into hasher: inout Hasher) { hasher.combine(name) }
    }

    public let code: Code
    public let reason: String
    public let underlying: (any Error & Sendable)?
    public let origin: SourceLocation

    public init(
        _ code: Code, _ reason: String, underlying: (any Error & Sendable)? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
        self.origin = SourceLocation(fileID: file, line: line)
    }

    public var kind: ErrorKind { code.kind }
    public var catalogueKey: String? { "\(Domain.self).\(code.name)" }

    /// The same error with context in front of its reason (`"policy p.json: " + reason`); code, underlying
    /// error and origin are kept.
    public func prefixed(_ context: String) -> Self {
        Self(code, context + reason, underlying: underlying, origin: origin)
    }

    private init(_ code: Code, _ reason: String, underlying: (any Error & Sendable)?, origin: SourceLocation) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
        self.origin = origin
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
}
