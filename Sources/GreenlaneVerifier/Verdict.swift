/// What the checkpoint tells the officer about one code, and the exit code that goes with it.
///
/// A struct with static members, like `Failure`, so a verdict can be added without breaking apps. For one code
/// the first that applies wins: cannot read (or not a green-lane code), not valid when the signature did not
/// verify, demo (outside training mode), not valid, cannot confirm, valid. A batch exits with the most severe
/// of its codes, in `severity` order: not valid (1), demo (5), cannot confirm (4), cannot read (2), valid (0).
public struct Verdict: Sendable, Hashable, CustomStringConvertible {
    /// Stable name, for `--json` and logs: `valid`, `not-valid`, `cannot-read`, `not-greenlane`, `demo`,
    /// `cannot-confirm`.
    public let name: String
    /// The process exit code of `greenlane verify` for this verdict.
    public let exitCode: Int32
    /// Higher is more severe: a batch exits with the verdict of highest severity.
    public let severity: Int

    private init(_ name: String, exitCode: Int32, severity: Int) {
        self.name = name
        self.exitCode = exitCode
        self.severity = severity
    }

    public var description: String { name }

    /// Every check passed: the vehicle may pass (exit 0).
    public static let valid = Verdict("valid", exitCode: 0, severity: 0)
    /// The code was read and a check failed: a forgery when its signature did not verify, otherwise a genuine
    /// pass that is not valid here and now (exit 1).
    public static let notValid = Verdict("not-valid", exitCode: 1, severity: 4)
    /// The code could not be decoded: scan again. Never shown as a forgery (exit 2).
    public static let cannotRead = Verdict("cannot-read", exitCode: 2, severity: 1)
    /// Some other QR code (a link, a health declaration): no green-lane prefix (exit 2).
    public static let notGreenlaneCode = Verdict("not-greenlane", exitCode: 2, severity: 1)
    /// The pass is fine but the checkpoint's own data are not fit to decide on (exit 4).
    public static let cannotConfirm = Verdict("cannot-confirm", exitCode: 4, severity: 2)
    /// Genuinely signed by a published or flagged demo key, outside training mode (exit 5).
    public static let demo = Verdict("demo", exitCode: 5, severity: 3)

    public static let all: [Verdict] = [valid, notValid, cannotRead, notGreenlaneCode, cannotConfirm, demo]

    /// The more severe of two verdicts (the first on a tie).
    public func worse(_ other: Verdict) -> Verdict { other.severity > severity ? other : self }
}
