public import GreenlaneFormat

/// A licensed postal or telecom firm.
public struct Firm: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable { case postal, telecom }
    public enum Status: String, Sendable, CaseIterable { case active, suspended }

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

}

/// One issued permit, as recorded. The code holds the exact text handed out.
public struct PermitRecord: Sendable, Hashable {
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

    public init(serial: String, firmID: String, plate: String, vehicleClass: Int, driverName: String, driverID: String,
                testAt: Int64, zones: Int64, purpose: Int, windowStart: Int?, windowEnd: Int?, station: String,
                issuer: String, issuedAt: Int64, notBefore: Int64, expiresAt: Int64, kid: String, code: String,
                replaces: String?, renewedFrom: String?, issuedBy: String) {
        self.serial = serial
        self.firmID = firmID
        self.plate = plate
        self.vehicleClass = vehicleClass
        self.driverName = driverName
        self.driverID = driverID
        self.testAt = testAt
        self.zones = zones
        self.purpose = purpose
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.station = station
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.kid = kid
        self.code = code
        self.replaces = replaces
        self.renewedFrom = renewedFrom
        self.issuedBy = issuedBy
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
public struct Revocation: Sendable, Hashable {
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

}

/// One line of the append-only audit log: who did what, when.
public struct AuditEntry: Sendable, Hashable {
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

    public init(id: Int64?, at: Int64, pinnedAt: Int64?, actor: String, onBehalfOf: String?, action: String,
                subject: String?, detail: String?) {
        self.id = id
        self.at = at
        self.pinnedAt = pinnedAt
        self.actor = actor
        self.onBehalfOf = onBehalfOf
        self.action = action
        self.subject = subject
        self.detail = detail
    }

    public init(context: AuditContext, action: String, subject: String?, detail: String? = nil) {
        at = context.recordedAt
        pinnedAt = context.pinnedAt
        actor = context.account
        onBehalfOf = context.onBehalfOf
        self.action = action
        self.subject = subject
        self.detail = detail
    }

}

/// A permit as an auditor sees it: the record and its status at a given time.
public struct PermitListing: Sendable {
    public enum Status: String, Sendable, CaseIterable { case active, pending, expired, revoked }
    public var permit: PermitRecord
    public var firmName: String
    public var revocation: Revocation?
    public var status: Status

    public init(permit: PermitRecord, firmName: String, revocation: Revocation?, status: Status) {
        self.permit = permit
        self.firmName = firmName
        self.revocation = revocation
        self.status = status
    }
}

/// Counts per status, firm, issue day (Vietnam time) and district: `greenlane stats`.
public struct Statistics: Sendable {
    public var total: Int
    public var byStatus: [(String, Int)]
    public var byFirm: [(String, Int)]
    public var byDay: [(String, Int)]
    public var byZone: [(District, Int)]

    public init(total: Int, byStatus: [(String, Int)], byFirm: [(String, Int)], byDay: [(String, Int)],
                byZone: [(District, Int)]) {
        self.total = total
        self.byStatus = byStatus
        self.byFirm = byFirm
        self.byDay = byDay
        self.byZone = byZone
    }
}

/// What a registry holds, to compare a backup with its source.
public struct RegistryCounts: Sendable, Hashable, CustomStringConvertible {
    public var firms = 0, permits = 0, revocations = 0, auditEntries = 0
    public init(firms: Int = 0, permits: Int = 0, revocations: Int = 0, auditEntries: Int = 0) {
        self.firms = firms
        self.permits = permits
        self.revocations = revocations
        self.auditEntries = auditEntries
    }
    public var description: String {
        "\(firms) firms, \(permits) permits, \(revocations) revocations, \(auditEntries) audit entries"
    }
}

/// What a revocation list needs: the revocations of permits not yet expired at a time.
public struct RevocationExport: Sendable {
    public var entries: [RevocationList.Entry]
    /// Serials whose stored reason is free text from before reason codes: exported as `other`.
    public var freeTextReasons: [String]

    public init(entries: [RevocationList.Entry], freeTextReasons: [String]) {
        self.entries = entries
        self.freeTextReasons = freeTextReasons
    }
}
