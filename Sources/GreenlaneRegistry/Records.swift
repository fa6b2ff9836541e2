public import GreenlaneFormat
public import GRDB

/// A licensed postal or telecom firm.
public struct Firm: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public enum Kind: String, Codable, Sendable, CaseIterable { case postal, telecom }
    public enum Status: String, Codable, Sendable, CaseIterable { case active, suspended }

    public var id: String
    public var legalName: String
    public var kind: Kind
    public var licence: String
    public var status: Status
    public var createdAt: Int64

    public init(id: String, legalName: String, kind: Kind, licence: String, status: Status = .active, createdAt: Int64) {
        self.id = id
        self.legalName = legalName
        self.kind = kind
        self.licence = licence
        self.status = status
        self.createdAt = createdAt
    }

    public static let databaseTableName = "firm"
    enum CodingKeys: String, CodingKey {
        case id, kind, licence, status
        case legalName = "legal_name"
        case createdAt = "created_at"
    }
}

/// One issued permit, as recorded. The code column holds the exact text handed out.
public struct PermitRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public var serial: String
    public var firmID: String
    public var plate: String
    public var vehicleClass: Int
    public var driverName: String
    public var driverID: String
    public var testAt: Int64
    public var zones: Int64
    public var purpose: Int
    public var windowStart: Int?
    public var windowEnd: Int?
    public var station: String
    public var issuer: String
    public var issuedAt: Int64
    public var notBefore: Int64
    public var expiresAt: Int64
    public var kid: String
    public var code: String
    public var replaces: String?
    public var renewedFrom: String?
    public var issuedBy: String

    public static let databaseTableName = "permit"
    enum CodingKeys: String, CodingKey {
        case serial, plate, zones, purpose, station, issuer, kid, code, replaces
        case firmID = "firm_id"
        case vehicleClass = "vehicle_class"
        case driverName = "driver_name"
        case driverID = "driver_id"
        case testAt = "test_at"
        case windowStart = "window_start"
        case windowEnd = "window_end"
        case issuedAt = "issued_at"
        case notBefore = "not_before"
        case expiresAt = "expires_at"
        case renewedFrom = "renewed_from"
        case issuedBy = "issued_by"
    }

    /// Inserts the permit through one cached statement: GRDB's generic record insertion (building the
    /// column list and the statement for every row) cost about as much per permit as its signature.
    func insertFast(_ db: Database, renewalRun: Int64? = nil) throws {
        try db.cachedStatement(sql: """
            INSERT INTO permit (serial, firm_id, plate, vehicle_class, driver_name, driver_id, test_at, zones,
                purpose, window_start, window_end, station, issuer, issued_at, not_before, expires_at, kid, code,
                replaces, renewed_from, issued_by, renewal_run)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                serial, firmID, plate, vehicleClass, driverName, driverID, testAt, zones, purpose, windowStart,
                windowEnd, station, issuer, issuedAt, notBefore, expiresAt, kid, code, replaces, renewedFrom,
                issuedBy, renewalRun,
            ])
    }

    public init(claims: PassClaims, testAt: Int64, kid: String, code: String, issuedBy: String,
                replaces: String? = nil, renewedFrom: String? = nil) {
        let permit = claims.permit
        serial = permit.serial
        firmID = permit.firmID
        plate = permit.plate.text
        vehicleClass = permit.vehicleClass.rawValue
        driverName = permit.driverName
        driverID = permit.driverID.digits
        self.testAt = testAt
        zones = Int64(permit.zones.mask)
        purpose = permit.purpose.rawValue
        windowStart = permit.window?.startMinute
        windowEnd = permit.window?.endMinute
        station = permit.station
        issuer = claims.issuer
        issuedAt = claims.issuedAt
        notBefore = claims.notBefore
        expiresAt = claims.expiresAt
        self.kid = kid
        self.code = code
        self.replaces = replaces
        self.renewedFrom = renewedFrom
        self.issuedBy = issuedBy
    }

    /// The claims the permit's code carries, rebuilt from the row.
    public func claims() throws(FormatError) -> PassClaims {
        guard let vehicleClass = VehicleClass(rawValue: vehicleClass), let purpose = Purpose(rawValue: purpose),
            let zones = Zones(mask: UInt32(truncatingIfNeeded: zones))
        else {
            throw FormatError(.invalidValue, layer: .claims, "permit \(serial): stored values are out of range")
        }
        var window: DailyWindow?
        if let windowStart, let windowEnd { window = try DailyWindow(startMinute: windowStart, endMinute: windowEnd) }
        let permit = Permit(
            serial: serial, firmID: firmID, plate: try Plate(parsing: plate, vehicleClass: vehicleClass),
            vehicleClass: vehicleClass, driverName: driverName, driverID: try CitizenID(parsing: driverID),
            zones: zones, purpose: purpose, window: window, station: station)
        return PassClaims(issuer: issuer, issuedAt: issuedAt, notBefore: notBefore, expiresAt: expiresAt, permit: permit)
    }
}

/// A withdrawn permit.
public struct Revocation: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public var serial: String
    /// The effective time of the revocation (the pinned clock when there was one): it decides validity.
    public var revokedAt: Int64
    /// A reason code (`RevocationReason.code`); rows from before reason codes may hold free text.
    public var reason: String
    /// The operating-system account (or authenticated identity) that revoked it.
    public var revokedBy: String
    /// Free text for the registry only: never exported in a revocation list.
    public var note: String?

    public init(serial: String, revokedAt: Int64, reason: String, revokedBy: String, note: String? = nil) {
        self.serial = serial
        self.revokedAt = revokedAt
        self.reason = reason
        self.revokedBy = revokedBy
        self.note = note
    }

    /// The reason as a known code; nil for free text stored before reason codes.
    public var code: RevocationReason? { RevocationReason(known: reason) }

    public static let databaseTableName = "revocation"
    enum CodingKeys: String, CodingKey {
        case serial, reason, note
        case revokedAt = "revoked_at"
        case revokedBy = "revoked_by"
    }
}

/// One line of the append-only audit log: who did what, when.
public struct AuditEntry: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public var id: Int64?
    /// The real time (from `v3-audit-truth` on; before it, whatever clock the command was given).
    public var at: Int64
    /// The pinned clock the command acted as of, or nil when it was not pinned.
    public var pinnedAt: Int64?
    /// The operating-system account (or authenticated identity).
    public var actor: String
    /// Whom the account said it acted for (`--actor`); nil when it did not say.
    public var onBehalfOf: String?
    public var action: String
    public var subject: String?
    public var detail: String?

    public init(context: AuditContext, action: String, subject: String?, detail: String? = nil) {
        at = context.recordedAt
        pinnedAt = context.pinnedAt
        actor = context.account
        onBehalfOf = context.onBehalfOf
        self.action = action
        self.subject = subject
        self.detail = detail
    }

    public static let databaseTableName = "audit_log"
    enum CodingKeys: String, CodingKey {
        case id, at, actor, action, subject, detail
        case pinnedAt = "pinned_at"
        case onBehalfOf = "on_behalf_of"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A permit as an auditor sees it: the record and its status at a given time.
public struct PermitListing: Sendable {
    public enum Status: String, Sendable, CaseIterable { case active, pending, expired, revoked }
    public var permit: PermitRecord
    public var firmName: String
    public var revocation: Revocation?
    public var status: Status
}
