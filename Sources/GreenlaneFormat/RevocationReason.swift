/// Why a permit was revoked: a code from a small, fixed set, each with Vietnamese and English text.
///
/// The revocation list carries only the code (`lost`), never free text: what a checkpoint shows an officer
/// is either the text below or, for a code a newer issuer added, the code itself. A struct with static
/// members rather than an enum, so a new code is not a breaking change for apps that switch over them.
/// The table is in docs/FORMAT.md §4.1; codes are never renamed or reused.
public struct RevocationReason: Hashable, Sendable, CustomStringConvertible {
    /// The stable code the list and the registry store: 1-32 of `a-z`, `0-9` and `-`.
    public let code: String
    /// Text in Vietnamese and English; nil for a code this version does not know.
    private let names: (vietnamese: String, english: String)?

    private init(_ code: String, _ vietnamese: String, _ english: String) {
        self.code = code
        names = (vietnamese, english)
    }

    public static let lost = RevocationReason("lost", "Mất thẻ", "Pass lost")
    public static let stolen = RevocationReason("stolen", "Thẻ bị đánh cắp", "Pass stolen")
    public static let misuse = RevocationReason("misuse", "Sử dụng sai mục đích", "Misused")
    public static let falseDeclaration = RevocationReason(
        "false-declaration", "Khai báo không trung thực", "False declaration")
    public static let firmSuspended = RevocationReason(
        "firm-suspended", "Doanh nghiệp bị đình chỉ", "Firm suspended")
    public static let offDuty = RevocationReason(
        "off-duty", "Xe hoặc lái xe thôi làm nhiệm vụ", "No longer on duty")
    public static let issuedInError = RevocationReason("issued-in-error", "Cấp nhầm", "Issued in error")
    /// Set by the engine when `issue --replace` gives the plate a new pass.
    public static let replaced = RevocationReason("replaced", "Đã thay bằng thẻ mới", "Replaced by a new pass")
    /// Set by the engine when `renew` extends the permit with a new pass.
    public static let renewed = RevocationReason(
        "renewed", "Đã gia hạn bằng thẻ mới", "Renewed with a new pass")
    public static let other = RevocationReason("other", "Lý do khác", "Other reason")

    /// Every code this version knows, in the order help and docs list them.
    public static let known: [RevocationReason] = [
        .lost, .stolen, .misuse, .falseDeclaration, .firmSuspended, .offDuty, .issuedInError, .replaced, .renewed,
        .other,
    ]

    /// Codes only the engine sets: each one names a successor permit that the engine itself issued.
    public static let engineOnly: Set<RevocationReason> = [.replaced, .renewed]

    /// Codes a person may give to `revoke`: every known code but the engine's own.
    public static var manual: [RevocationReason] { known.filter { !engineOnly.contains($0) } }

    /// Longest code accepted, in bytes.
    public static let maxCodeBytes = Limits.revocationReason.upperBound

    /// A known code's reason, or nil.
    public init?(known code: String) {
        guard let match = Self.known.first(where: { $0.code == code }) else { return nil }
        self = match
    }

    /// Any well-formed code (1-32 of `a-z`, `0-9`, `-`), known or not: what a revocation list may carry.
    /// A code from a newer issuer is kept and shown as the code; anything else (free text, upper case,
    /// spaces, control characters) is nil, so no free text ever reaches an officer.
    public init?(code: String) {
        if let match = RevocationReason(known: code) {
            self = match
            return
        }
        guard Self.isWellFormed(code) else { return nil }
        self.code = code
        names = nil
    }

    public static func isWellFormed(_ code: String) -> Bool {
        (1...maxCodeBytes).contains(code.utf8.count)
            && code.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    /// Whether this version has text for the code.
    public var isKnown: Bool { names != nil }

    /// The reason in Vietnamese; a code this version does not know is shown as the code.
    public var vietnameseName: String { names?.vietnamese ?? code }
    public var englishName: String { names?.english ?? code }

    public var description: String { code }

    public static func == (lhs: RevocationReason, rhs: RevocationReason) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
