/// Decisions on service requests (endorse, approve, refuse), one request or a whole list in one transaction,
/// and the summaries the officers' queue and the firms' lists are made of. Plain records: who may decide what is
/// the service's rule, handed to the store as `check` and run on the facts read in the transaction.

/// One decision, applied to every request of a list.
public struct ServiceDecision: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable, Codable { case endorse, approve, refuse }

    public var kind: Kind
    /// A refusal's stable code (one of `refusalCodes`); nil for the other kinds.
    public var reason: String?
    /// Free text beside it, one printable line (at most 500 characters).
    public var note: String?

    public init(_ kind: Kind, reason: String? = nil, note: String? = nil) {
        self.kind = kind
        self.reason = reason
        self.note = note
    }

    /// The codes a request can be refused with. Never renamed or reused (clients and reports switch on them);
    /// the text in both languages is in GreenlaneMessages (`RequestReasons`).
    public static let refusalCodes: [String] = [
        "refusal.notEssential", "refusal.documentsMissing", "refusal.documentsInvalid", "refusal.duplicate",
        "refusal.firmNotEligible", "refusal.quotaReached", "refusal.sectorObjects", "refusal.other",
    ]

    /// `invalidValue` unless a refusal has one of `refusalCodes` (and only a refusal has a code) and the note is
    /// one printable line: what every store checks before it reads anything.
    public func validate() throws(RegistryError) {
        if kind == .refuse {
            guard let reason, Self.refusalCodes.contains(reason) else {
                throw RegistryError(.invalidValue, "a refusal needs a reason code, one of "
                    + Self.refusalCodes.joined(separator: ", "))
            }
        } else if reason != nil {
            throw RegistryError(.invalidValue, "only a refusal has a reason code")
        }
        if let note { try AuditText.check(note, "the note", maxLength: 500) }
    }
}

extension ServiceDecision.Kind {
    /// Why this decision cannot be applied to a request at its status and stage, or nil.
    public func problem(with summary: ServiceRequestSummary) -> RegistryError? {
        guard summary.status == .pending else {
            return RegistryError(.alreadyDecided, "request \(summary.id) was already \(summary.status.rawValue)")
        }
        switch (self, summary.stage) {
        case (.endorse, .approval?):
            return RegistryError(.notAwaitingEndorsement, "request \(summary.id) is not waiting for endorsement")
        case (.approve, .endorsement?):
            return RegistryError(.awaitingEndorsement, "request \(summary.id) is waiting for its sector's endorsement")
        default: return nil
        }
    }
}

/// What a decision's `check` sees of a request, read in the deciding transaction.
public struct ServiceRequestFacts: Sendable, Hashable {
    public var id: String
    public var firmID: String
    /// The firm's sector (nil only for a firm that is not registered any more, which cannot happen today).
    public var sector: Firm.Kind?
    public var status: ServiceRequest.Status
    public var stage: ServiceRequest.Stage?

    public init(id: String, firmID: String, sector: Firm.Kind?, status: ServiceRequest.Status,
                stage: ServiceRequest.Stage?) {
        self.id = id
        self.firmID = firmID
        self.sector = sector
        self.status = status
        self.stage = stage
    }
}

/// A request without its rows' payloads: what lists and the queue show.
public struct ServiceRequestSummary: Sendable, Hashable {
    public var id: String
    public var firmID: String
    public var sector: Firm.Kind?
    public var status: ServiceRequest.Status
    public var stage: ServiceRequest.Stage?
    public var createdAt: Int64
    public var decidedAt: Int64?
    public var endorsedAt: Int64?
    public var refusalReason: String?
    public var rows: Int
    public var acceptedRows: Int
    public var issuedRows: Int

    public init(id: String, firmID: String, sector: Firm.Kind?, status: ServiceRequest.Status,
                stage: ServiceRequest.Stage?, createdAt: Int64, decidedAt: Int64?, endorsedAt: Int64?,
                refusalReason: String?, rows: Int, acceptedRows: Int, issuedRows: Int) {
        self.id = id
        self.firmID = firmID
        self.sector = sector
        self.status = status
        self.stage = stage
        self.createdAt = createdAt
        self.decidedAt = decidedAt
        self.endorsedAt = endorsedAt
        self.refusalReason = refusalReason
        self.rows = rows
        self.acceptedRows = acceptedRows
        self.issuedRows = issuedRows
    }
}

/// What one request of a list came to.
public struct ServiceDecisionResult: Sendable {
    public enum Outcome: Sendable {
        /// Decided: the request as it is now (an endorsed request is still pending, awaiting approval).
        case decided(ServiceRequestSummary)
        /// Not decided: unknown, already decided, at the wrong stage, or refused by `check`.
        case refused(RegistryError)
    }
    public var id: String
    public var outcome: Outcome

    public init(id: String, outcome: Outcome) {
        self.id = id
        self.outcome = outcome
    }
}

/// Which pending requests the queue lists: one stage, optionally one sector (an endorser's), oldest first,
/// `limit` at most, after the request `after` (the last of the previous page).
public struct ServiceQueueQuery: Sendable, Hashable {
    public var stage: ServiceRequest.Stage
    public var sector: Firm.Kind?
    public var after: String?
    public var limit: Int

    public init(stage: ServiceRequest.Stage, sector: Firm.Kind? = nil, after: String? = nil, limit: Int = 100) {
        self.stage = stage
        self.sector = sector
        self.after = after
        self.limit = limit
    }
}
