public import GreenlaneFormat
import GRDB

/// A permit the engine has checked against policy, waiting for a serial and a signature.
public struct PermitDraft: Sendable {
    /// Where the request came from, for reports (`requests.csv row 12`).
    public var source: String
    public var firmID: String
    public var plate: Plate
    public var vehicleClass: VehicleClass
    public var driverName: String
    public var driverID: CitizenID
    public var testAt: Int64
    public var zones: Zones
    public var purpose: Purpose
    public var window: DailyWindow?
    public var notBefore: Int64
    public var expiresAt: Int64
    /// For renewals: the permit this one extends.
    public var renewedFrom: String?

    public init(
        source: String, firmID: String, plate: Plate, vehicleClass: VehicleClass, driverName: String,
        driverID: CitizenID, testAt: Int64, zones: Zones, purpose: Purpose, window: DailyWindow?, notBefore: Int64,
        expiresAt: Int64, renewedFrom: String? = nil
    ) {
        self.source = source
        self.firmID = firmID
        self.plate = plate
        self.vehicleClass = vehicleClass
        self.driverName = driverName
        self.driverID = driverID
        self.testAt = testAt
        self.zones = zones
        self.purpose = purpose
        self.window = window
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.renewedFrom = renewedFrom
    }
}

public struct IssueOptions: Sendable {
    public var issuer: String
    public var station: String
    /// Serials are `PREFIX-000123`.
    public var serialPrefix: String
    /// Revoke the plate's active permit (reason `replaced`) instead of refusing the new one.
    public var replace: Bool
    /// Commit nothing unless every draft can be issued.
    public var allOrNothing: Bool
    public var actor: String
    public var now: Int64

    public init(issuer: String, station: String, serialPrefix: String, replace: Bool = false,
                allOrNothing: Bool = false, actor: String, now: Int64) {
        self.issuer = issuer
        self.station = station
        self.serialPrefix = serialPrefix
        self.replace = replace
        self.allOrNothing = allOrNothing
        self.actor = actor
        self.now = now
    }
}

/// What happened to one draft.
public enum IssueOutcome: Sendable {
    case issued(PermitRecord, replaced: String?)
    case refused(source: String, reason: String)

    public var record: PermitRecord? {
        if case .issued(let record, _) = self { return record }
        return nil
    }
}

/// Signs the claims the registry has just given a serial; returns the code and the signing key's kid (hex).
public typealias PermitSigner = @Sendable (PassClaims) throws -> (code: String, kid: String)

extension Registry {
    /// Issues drafts in one transaction: serials are allocated, codes signed and permits recorded
    /// together, so a code exists only once the registry has committed it.
    ///
    /// A draft refused here (firm not active, plate already holding an active pass, plate registered to
    /// another firm) is reported and skipped; with `allOrNothing`, any refusal rolls back every draft and
    /// `committed` is false.
    public func issue(_ drafts: [PermitDraft], options: IssueOptions, sign: PermitSigner)
        throws(RegistryError) -> (outcomes: [IssueOutcome], committed: Bool)
    {
        do {
            return try writer.writeWithoutTransaction { db in
                var outcomes: [IssueOutcome] = []
                var committed = false
                try db.inTransaction(Database.TransactionKind.immediate) {
                    outcomes = try drafts.map { draft in try issueOne(db, draft, options: options, sign: sign) }
                    let refused = outcomes.contains { $0.record == nil }
                    committed = !(options.allOrNothing && refused)
                    return committed ? Database.TransactionCompletion.commit : .rollback
                }
                return (outcomes, committed)
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.database, Registry.describe(error), underlying: error)
        }
    }

    private func issueOne(_ db: Database, _ draft: PermitDraft, options: IssueOptions, sign: PermitSigner) throws
        -> IssueOutcome
    {
        func refuse(_ reason: String) -> IssueOutcome { .refused(source: draft.source, reason: reason) }

        guard let firm = try Firm.fetchOne(db, key: draft.firmID) else {
            return refuse("firm \(draft.firmID) is not registered")
        }
        guard firm.status == .active else { return refuse("firm \(firm.id) is suspended: no new passes") }
        if let owner = try String.fetchOne(db, sql: "SELECT firm_id FROM vehicle WHERE plate = ?",
                                           arguments: [draft.plate.text]), owner != firm.id {
            return refuse("plate \(draft.plate.text) is registered to firm \(owner)")
        }
        let active = try String.fetchOne(db, sql: """
            SELECT p.serial FROM permit p
            WHERE p.plate = ? AND p.expires_at > ? AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = p.serial)
            ORDER BY p.expires_at DESC LIMIT 1
            """, arguments: [draft.plate.text, options.now])
        if let active, draft.renewedFrom != active, !options.replace {
            return refuse("plate \(draft.plate.text) already has an active pass \(active); use --replace to revoke it")
        }

        // A savepoint per draft: a failure below undoes this draft only.
        var outcome: IssueOutcome?
        try db.inSavepoint {
            let replaced = active
            if let replaced {
                let reason = draft.renewedFrom == replaced ? "renewed" : "replaced"
                try Registry.revoke(db, serial: replaced, reason: reason, actor: options.actor, at: options.now)
            }
            try db.execute(sql: """
                INSERT INTO vehicle (plate, firm_id, vehicle_class, first_seen) VALUES (?, ?, ?, ?)
                ON CONFLICT(plate) DO UPDATE SET vehicle_class = excluded.vehicle_class
                """, arguments: [draft.plate.text, firm.id, draft.vehicleClass.rawValue, options.now])
            let serial = try nextSerial(db, prefix: options.serialPrefix)
            let permit = Permit(
                serial: serial, firmID: firm.id, plate: draft.plate, vehicleClass: draft.vehicleClass,
                driverName: draft.driverName, driverID: draft.driverID, zones: draft.zones, purpose: draft.purpose,
                window: draft.window, station: options.station)
            let claims = PassClaims(
                issuer: options.issuer, issuedAt: options.now, notBefore: draft.notBefore,
                expiresAt: draft.expiresAt, permit: permit)
            let signed = try sign(claims)
            let record = PermitRecord(
                claims: claims, testAt: draft.testAt, kid: signed.kid, code: signed.code, issuedBy: options.actor,
                replaces: draft.renewedFrom == nil ? replaced : nil, renewedFrom: draft.renewedFrom)
            try record.insert(db)
            try Registry.audit(db, at: options.now, actor: options.actor, "permit.issue", serial,
                               "\(draft.plate.text) · \(firm.id) · \(draft.source)")
            outcome = .issued(record, replaced: replaced)
            return .commit
        }
        return outcome!
    }

    private func nextSerial(_ db: Database, prefix: String) throws -> String {
        try db.execute(sql: "INSERT INTO serial_counter (prefix, next) VALUES (?, 1) ON CONFLICT(prefix) DO NOTHING",
                       arguments: [prefix])
        guard let number = try Int64.fetchOne(db, sql: """
            UPDATE serial_counter SET next = next + 1 WHERE prefix = ? RETURNING next - 1
            """, arguments: [prefix])
        else { throw RegistryError(.database, "could not allocate a serial for prefix \(prefix)") }
        let digits = String(number)
        return prefix + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
