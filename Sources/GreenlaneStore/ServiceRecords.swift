/// What the issuing service (greenlane-server, docs/SERVICE.md) keeps beside the permits: who may call it, and
/// the requests firms submit. Plain records; the service decides, the store keeps them and audits each change.

/// What a credential may do. A dispatcher belongs to one firm and sees only that firm's requests; the others
/// belong to the authority.
public enum ServiceRole: String, Sendable, CaseIterable, Codable {
    case dispatcher, officer, auditor, admin
}

/// An API token's record. The token itself is never stored: only its SHA-256 (`tokenHash`, 32 bytes), so a
/// copy of the registry gives nobody a working credential.
public struct ServiceCredential: Sendable, Hashable {
    /// Public, short, in logs and audit entries (`cr-…`); not a secret.
    public var id: String
    public var tokenHash: [UInt8]
    /// The firm a dispatcher acts for; nil for the authority's roles.
    public var firmID: String?
    public var role: ServiceRole
    /// Who holds it, as the administrator or the enrolment named them.
    public var label: String
    public var createdAt: Int64
    public var revokedAt: Int64?

    public init(id: String, tokenHash: [UInt8], firmID: String?, role: ServiceRole, label: String, createdAt: Int64,
                revokedAt: Int64? = nil) {
        self.id = id
        self.tokenHash = tokenHash
        self.firmID = firmID
        self.role = role
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A one-time code an administrator hands a firm out of band, exchanged once for the firm's first dispatcher
/// token. Stored as its SHA-256 only.
public struct ServiceEnrolment: Sendable, Hashable {
    public var codeHash: [UInt8]
    public var firmID: String
    public var expiresAt: Int64
    public var createdAt: Int64

    public init(codeHash: [UInt8], firmID: String, expiresAt: Int64, createdAt: Int64) {
        self.codeHash = codeHash
        self.firmID = firmID
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}

/// A firm's request for passes: one vehicle or a fleet, as submitted, with what became of each row.
public struct ServiceRequest: Sendable, Hashable {
    public enum Status: String, Sendable, CaseIterable, Codable { case pending, approved, refused }

    public struct Row: Sendable, Hashable {
        public enum Status: String, Sendable, CaseIterable, Codable {
            /// Checked at submission, waiting for the decision.
            case accepted
            /// Refused at submission (the policy or the registry); never signed.
            case refused
            /// Signed and recorded: `serial` names the permit.
            case issued
            /// Approved, but the registry's rules refused it when it was issued (`detail` says why).
            case notIssued = "not-issued"
        }
        /// 0-based, in the order submitted.
        public var index: Int
        /// The row as submitted, in the service's own encoding (JSON); the store keeps it as text.
        public var payload: String
        public var status: Status
        /// Why it was refused, in the service's encoding (JSON); nil when nothing was refused.
        public var detail: String?
        public var serial: String?

        public init(index: Int, payload: String, status: Status, detail: String? = nil, serial: String? = nil) {
            self.index = index
            self.payload = payload
            self.status = status
            self.detail = detail
            self.serial = serial
        }
    }

    public var id: String
    /// From the credential that submitted it, never from the body.
    public var firmID: String
    public var credentialID: String
    /// The client's `Idempotency-Key`, unique per credential, with the SHA-256 of the body it came with.
    public var idempotencyKey: String?
    public var bodyHash: [UInt8]
    public var status: Status
    public var createdAt: Int64
    public var decidedBy: String?
    public var decidedAt: Int64?
    public var rows: [Row]

    public init(id: String, firmID: String, credentialID: String, idempotencyKey: String?, bodyHash: [UInt8],
                status: Status = .pending, createdAt: Int64, decidedBy: String? = nil, decidedAt: Int64? = nil,
                rows: [Row]) {
        self.id = id
        self.firmID = firmID
        self.credentialID = credentialID
        self.idempotencyKey = idempotencyKey
        self.bodyHash = bodyHash
        self.status = status
        self.createdAt = createdAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.rows = rows
    }
}

/// What issuing an approved row came to: its permit, or why the registry refused it then.
public struct ServiceRowOutcome: Sendable, Hashable {
    public var index: Int
    public var serial: String?
    public var detail: String?

    public init(index: Int, serial: String?, detail: String?) {
        self.index = index
        self.serial = serial
        self.detail = detail
    }
}
