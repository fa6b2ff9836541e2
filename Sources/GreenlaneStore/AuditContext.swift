import GreenlaneFormat
public import GreenlaneSupport
#if canImport(Glibc)
import Glibc
#endif

/// Who acts and when, as the audit log records it.
///
/// `account` is an identity the caller could not choose: the operating-system account that ran the
/// command line (never `$USER`, which anyone can set), later the identity a service authenticated.
/// `onBehalfOf` is what that account says about whom it acts for, kept apart so nobody mistakes it for
/// the account. `recordedAt` is the real clock, always; `pinnedAt` is the time the command was told to act
/// as of (`--clock`, for demos and drills), which drives validity but never replaces the real time.
public struct AuditContext: Sendable, Hashable {
    public let account: String
    public let onBehalfOf: String?
    public let recordedAt: Int64
    public let pinnedAt: Int64?

    /// Longest `onBehalfOf`, in characters.
    public static let maxOnBehalfOfLength = Limits.onBehalfOf.upperBound

    /// Refuses an `onBehalfOf` that is empty, too long or holds a line break or control character.
    public init(account: String, onBehalfOf: String? = nil, recordedAt: Int64, pinnedAt: Int64? = nil)
        throws(RegistryError)
    {
        try AuditText.check(account, "the account", maxLength: 256)
        if let onBehalfOf {
            try AuditText.check(onBehalfOf, "--actor (on behalf of)", maxLength: Self.maxOnBehalfOfLength)
        }
        self.account = account
        self.onBehalfOf = onBehalfOf
        self.recordedAt = recordedAt
        self.pinnedAt = pinnedAt
    }

    /// The time that decides validity: the pinned clock when there is one, else the real time.
    public var effectiveTime: Int64 { pinnedAt ?? recordedAt }

    /// The operating-system account running this process, from the password database by user id (not from
    /// the environment, which the caller controls); `uid N` when the id has no entry.
    public static func processAccount() -> String {
        let uid = getuid()
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name {
            let text = String(cString: name)
            if AuditText.problem(in: text, maxLength: 256) == nil { return text }
        }
        return "uid \(uid)"
    }
}

/// Free text that the audit log stores (reasons, notes, firm names, details): one line of printable
/// characters, so nothing typed can forge a log line, move the cursor or reverse the text on a terminal.
public enum AuditText {
    /// Why `text` cannot be stored, or nil when it can.
    public static func problem(in text: String, maxLength: Int) -> String? {
        if text.isEmpty { return "is empty" }
        // A text has no more characters than UTF-8 bytes: counting them (grapheme breaking) only when needed.
        if text.utf8.count > maxLength, text.count > maxLength { return "is longer than \(maxLength) characters" }
        if let scalar = text.unicodeScalars.first(where: isUnsafe) {
            let isBreak = scalar == "\n" || scalar == "\r" || isLineSeparator(scalar)
            let what = isBreak ? "a line break" : "a control character"
            return "contains \(what) (U+\(hex(scalar.value)))"
        }
        return nil
    }

    /// Throws `invalidValue` naming `what` when `text` cannot be stored.
    public static func check(_ text: String, _ what: String, maxLength: Int) throws(RegistryError) {
        if let problem = problem(in: text, maxLength: maxLength) {
            throw RegistryError(.invalidValue, "\(what) \(problem); it must be one line of printable text")
        }
    }

    /// `text` escaped for showing rows stored before the audit log refused unsafe text: `SafeText.escaped`.
    public static func escaped(_ text: String) -> String { SafeText.escaped(text) }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool { SafeText.isUnsafe(scalar) }

    private static func isLineSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0x0B
            || scalar.value == 0x0C
    }

    private static func hex(_ value: UInt32) -> String { SafeText.hex(value) }
}
