public import GreenlaneFormat

/// Where and when a pass is being checked. The verifier never reads the clock: the caller says the time.
public struct CheckpointContext: Sendable {
    /// The instant of the check, unix seconds.
    public var time: Int64
    /// The checkpoint's district; nil means none was configured or given, and a pass limited to some districts
    /// gets "cannot confirm (zone)".
    public var district: District?
    /// How far the checkpoint's clock may be off from the issuer's, in seconds, applied to every time check
    /// (validity, daily window, the lists' freshness). At most `maxClockSkew`: a larger value is treated as it.
    public var clockSkew: Int64
    /// Shortens the lists' own freshness (seconds after a list's issue; nil: the list's `nextUpdate` alone).
    /// It can only shorten: a list is never used past its `nextUpdate` plus its grace.
    public var maxRevocationAge: Int64?
    /// The officer has no revocation list and says so (`verify --waive-revocations`): "no list" is then named on
    /// the verdict instead of preventing confirmation.
    public var revocationCheckWaived: Bool

    /// The largest clock skew the verifier applies: 15 minutes.
    public static let maxClockSkew: Int64 = 900

    public init(
        time: Int64, district: District? = nil, clockSkew: Int64 = 300, maxRevocationAge: Int64? = nil,
        revocationCheckWaived: Bool = false
    ) {
        self.time = time
        self.district = district
        self.clockSkew = clockSkew
        self.maxRevocationAge = maxRevocationAge
        self.revocationCheckWaived = revocationCheckWaived
    }

    /// The skew as applied: between 0 and `maxClockSkew`.
    public var effectiveSkew: Int64 { min(max(clockSkew, 0), Self.maxClockSkew) }
}
