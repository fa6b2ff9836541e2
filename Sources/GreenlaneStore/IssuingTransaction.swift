public import GreenlaneFormat

/// One chunk of drafts to issue in one transaction: what the store must read for the engine's rules.
public struct IssueBatch: Sendable {
    public struct Item: Sendable {
        public var firmID: String
        /// The vehicle (`VehicleKey.compact`).
        public var compactPlate: String
        /// For a renewal: the permit it extends.
        public var renewedFrom: String?

        public init(firmID: String, compactPlate: String, renewedFrom: String?) {
            self.firmID = firmID
            self.compactPlate = compactPlate
            self.renewedFrom = renewedFrom
        }
    }

    public var items: [Item]
    /// The registry's serial prefix; a store refuses any other.
    public var serialPrefix: String
    /// The renewal run issuing these drafts (`renewalRun`), nil for ordinary issuing.
    public var renewalRun: Int64?
    /// Commit nothing unless every item is accepted.
    public var allOrNothing: Bool
    /// Who issues, and when (`effectiveTime` decides validity).
    public var context: AuditContext
    /// When the items are rows of an approved service request: the store refuses the batch unless the request
    /// is approved and every row is still `accepted`, and records each row's outcome (issued with its serial,
    /// or not-issued with `detail` of the rules' refusal) in the transaction that records the permits.
    public var requestRows: RequestRows?

    public struct RequestRows: Sendable {
        public var requestID: String
        /// The row index of each item, in order.
        public var indexes: [Int]
        public var detail: @Sendable (String) -> String

        public init(requestID: String, indexes: [Int], detail: @escaping @Sendable (String) -> String) {
            self.requestID = requestID
            self.indexes = indexes
            self.detail = detail
        }
    }

    public init(items: [Item], serialPrefix: String, renewalRun: Int64?, allOrNothing: Bool, context: AuditContext) {
        self.items = items
        self.serialPrefix = serialPrefix
        self.renewalRun = renewalRun
        self.allOrNothing = allOrNothing
        self.context = context
    }
}

/// What the store read inside the issuing transaction, for the engine's rules to decide on.
public struct IssueFacts: Sendable {
    /// The firms the items name (absent: not registered).
    public var firms: [String: Firm]
    /// Per vehicle (compact plate): its owner and its live-pass row.
    public var vehicles: [String: VehicleFacts]
    /// Per permit a renewal extends (absent: no such permit).
    public var renewals: [String: RenewalFacts]

    public init(firms: [String: Firm], vehicles: [String: VehicleFacts], renewals: [String: RenewalFacts]) {
        self.firms = firms
        self.vehicles = vehicles
        self.renewals = renewals
    }
}

/// A vehicle's owner and its row in `live_pass` (which may have expired since: the rules compare times).
public struct VehicleFacts: Sendable, Hashable {
    public var owner: String?
    public var livePass: LivePass?

    public struct LivePass: Sendable, Hashable {
        public var serial: String
        public var expiresAt: Int64
        /// The permit itself, when the store read the facts for issuing (`IssueFacts`) and the pass had not
        /// expired: the rules compare it with what a row asks to tell a rerun's row that was already issued
        /// from one that wants another pass. Nil elsewhere.
        public var permit: PermitRecord?
        public init(serial: String, expiresAt: Int64, permit: PermitRecord? = nil) {
            self.serial = serial
            self.expiresAt = expiresAt
            self.permit = permit
        }
    }

    public init(owner: String?, livePass: LivePass?) {
        self.owner = owner
        self.livePass = livePass
    }
}

/// The permit a renewal would extend, as it is now.
public struct RenewalFacts: Sendable, Hashable {
    public var expiresAt: Int64
    /// The renewal run that issued it, if any.
    public var renewalRun: Int64?
    /// Its revocation's reason, if it is revoked.
    public var revocationReason: String?
    /// The permit that already renews it, if any.
    public var renewedAs: String?

    public init(expiresAt: Int64, renewalRun: Int64?, revocationReason: String?, renewedAs: String?) {
        self.expiresAt = expiresAt
        self.renewalRun = renewalRun
        self.revocationReason = revocationReason
        self.renewedAs = renewedAs
    }
}

/// What the engine's rules decided for one item.
public enum IssueDecision: Sendable {
    case refuse(String)
    case accept(Acceptance)
    /// The vehicle's live pass `serial` is already what the item asks for (a rerun of a batch that stopped):
    /// nothing is written for it, and it is no refusal (`allOrNothing` still commits).
    case alreadyIssued(serial: String)

    public var acceptance: Acceptance? {
        if case .accept(let acceptance) = self { return acceptance }
        return nil
    }

    public var isRefusal: Bool {
        if case .refuse = self { return true }
        return false
    }
}

/// What the store writes for an accepted item before it is signed.
public struct Acceptance: Sendable {
    /// The plate as written on the pass, its declared class, and the firm the vehicle is recorded for.
    public var plate: String
    public var vehicleClass: Int
    public var firmID: String
    public var compactPlate: String
    /// The vehicle's live pass to revoke in this transaction (replacement or renewal), with its reason.
    public var revokes: (serial: String, reason: RevocationReason)?
    /// A live-pass row that has expired: removed so the new pass can take the vehicle's one row.
    public var expiredLivePass: String?

    public init(plate: String, vehicleClass: Int, firmID: String, compactPlate: String,
                revokes: (serial: String, reason: RevocationReason)?, expiredLivePass: String?) {
        self.plate = plate
        self.vehicleClass = vehicleClass
        self.firmID = firmID
        self.compactPlate = compactPlate
        self.revokes = revokes
        self.expiredLivePass = expiredLivePass
    }
}

/// A signed permit ready to record, with the detail of its `permit.issue` audit entry.
public struct IssuedPermit: Sendable {
    public var record: PermitRecord
    public var auditDetail: String
    /// `PermitCodeHash` of the code, from the COSE bytes the signer had in hand (computed on the signing
    /// thread); nil: the store computes it from the code.
    public var codeHash: [UInt8]?

    public init(record: PermitRecord, auditDetail: String, codeHash: [UInt8]? = nil) {
        self.record = record
        self.auditDetail = auditDetail
        self.codeHash = codeHash
    }

    /// The hash the store keys the permit by; nil when the code is not a pass code's wrapping.
    public var keyHash: [UInt8]? {
        if let codeHash { return codeHash.count == 16 ? codeHash : nil }
        return PermitCodeHash.of(record.code)
    }
}

/// Signed permits in order, a slice at a time, so a store can record one slice while the next is signed on
/// another core. `next()` may block until the slice is signed; nil after the last.
public protocol SignedPermits: AnyObject {
    func next() throws -> [IssuedPermit]?
}

/// The engine's side of an issuing transaction: its rules, and its signer.
///
/// A store calls `decide` once it has read the facts inside its transaction, then allocates a serial for
/// each accepted item (in order, without gaps), calls `sign` and records what it yields, all before it
/// commits. Both are free of side effects outside their results, so a store that retries its transaction
/// (PostgreSQL under SERIALIZABLE) calls them again from fresh facts.
public protocol IssuingRules: Sendable {
    func decide(_ facts: IssueFacts) -> [IssueDecision]
    /// `accepted` are the indexes of the accepted items, `serials` their serials.
    func sign(accepted: [Int], serials: [String]) throws -> any SignedPermits
}

/// What one issuing transaction did.
public struct IssueCommit: Sendable {
    /// One per item, in order.
    public var decisions: [IssueDecision]
    /// The permits recorded, in order of the accepted items; empty when nothing was committed.
    public var permits: [IssuedPermit]
    /// False when `allOrNothing` rolled back because an item was refused.
    public var committed: Bool

    public init(decisions: [IssueDecision], permits: [IssuedPermit], committed: Bool) {
        self.decisions = decisions
        self.permits = permits
        self.committed = committed
    }
}
