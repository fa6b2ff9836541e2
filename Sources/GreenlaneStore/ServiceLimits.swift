/// What the service keeps in the registry so that its safety holds across instances sharing one registry:
/// idempotency keys with the answers they gave, token buckets, and failed authentications per source and minute.

/// A client's `Idempotency-Key` as one instance claims it before doing the work. `scope` is who may reuse it
/// (a credential id); `fingerprint` is the SHA-256 of what was asked (method, path and body), 32 bytes.
public struct IdempotencyClaim: Sendable, Hashable {
    public var scope: String
    public var key: String
    public var fingerprint: [UInt8]
    public var claimedAt: Int64

    public init(scope: String, key: String, fingerprint: [UInt8], claimedAt: Int64) {
        self.scope = scope
        self.key = key
        self.fingerprint = fingerprint
        self.claimedAt = claimedAt
    }
}

/// The answer a finished idempotent call gave, kept to be given again. `body` is nil when the answer carried
/// a secret shown once (a token, an enrolment code): the registry keeps hashes of secrets, never the secrets.
public struct IdempotentAnswer: Sendable, Hashable {
    public var status: Int
    public var contentType: String?
    public var body: [UInt8]?

    public init(status: Int, contentType: String?, body: [UInt8]?) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// What claiming a key found.
public enum IdempotencyState: Sendable, Hashable {
    /// Nobody had it (or a claim older than the lease was taken over): the caller does the work, then finishes
    /// or releases the key.
    case claimed
    /// Already done with the same fingerprint: give this answer again.
    case finished(IdempotentAnswer)
    /// Claimed with the same fingerprint by a call still under way (here or on another instance).
    case inProgress
    /// Claimed or finished with another fingerprint: the key was reused for something else.
    case mismatch
}

/// One token bucket: `capacity` tokens, refilled at `capacity` per `period` seconds, one taken per call.
public struct RateBucket: Sendable, Hashable {
    /// `credential:cr-…` or `firm:VNPOST`: what is limited.
    public var name: String
    public var capacity: Int
    public var period: Int

    public init(name: String, capacity: Int, period: Int = 60) {
        self.name = name
        self.capacity = capacity
        self.period = period
    }
}

/// A bucket that had no token left, and how long until it has one.
public struct RateRefusal: Sendable, Hashable {
    public var bucket: String
    public var retryAfter: Int

    public init(bucket: String, retryAfter: Int) {
        self.bucket = bucket
        self.retryAfter = retryAfter
    }
}

/// Failed authentications from one source in one minute (Unix time / 60): one row, counted up.
public struct AuthFailureCount: Sendable, Hashable {
    public var source: String
    public var minute: Int64
    public var count: Int

    public init(source: String, minute: Int64, count: Int) {
        self.source = source
        self.minute = minute
        self.count = count
    }
}
