public import GreenlaneFormat

/// Where and when a pass is being checked. The verifier never reads the clock: the caller says the time.
public struct CheckpointContext: Sendable {
    /// The instant of the check, unix seconds.
    public var time: Int64
    /// The checkpoint's district; nil skips the zone check (and says so in the result).
    public var district: District?
    /// How far the checkpoint's clock may be off from the issuer's, in seconds, applied to nbf and exp.
    public var clockSkew: Int64
    /// A revocation list older than this (seconds) is reported as stale.
    public var maxRevocationAge: Int64

    public init(time: Int64, district: District? = nil, clockSkew: Int64 = 300, maxRevocationAge: Int64 = 86_400) {
        self.time = time
        self.district = district
        self.clockSkew = clockSkew
        self.maxRevocationAge = maxRevocationAge
    }
}
