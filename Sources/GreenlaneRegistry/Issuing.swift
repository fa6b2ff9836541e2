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
    /// The renewal run issuing these drafts (`Registry.renewalRun`), nil for ordinary issuing.
    public var renewalRun: Int64?
    /// Who issues, and when: permits are issued as of `context.effectiveTime`.
    public var context: AuditContext
    public var now: Int64 { context.effectiveTime }

    public init(issuer: String, station: String, serialPrefix: String, replace: Bool = false,
                allOrNothing: Bool = false, context: AuditContext) {
        self.issuer = issuer
        self.station = station
        self.serialPrefix = serialPrefix
        self.replace = replace
        self.allOrNothing = allOrNothing
        self.context = context
    }

    /// The issuer, station and serial prefix a registry records: the only ones it issues with.
    public init(settings: RegistrySettings, replace: Bool = false, allOrNothing: Bool = false, context: AuditContext) {
        self.init(issuer: settings.issuer, station: settings.station, serialPrefix: settings.serialPrefix,
                  replace: replace, allOrNothing: allOrNothing, context: context)
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

/// Signs the claims the registry has just given serials; returns each code and the signing key's kid (hex),
/// in the same order. Called once per chunk, so it may sign on several cores.
public typealias PermitSigner = @Sendable ([PassClaims]) throws -> [(code: String, kid: String)]

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
        try checkAgrees(issuer: options.issuer, station: options.station, serialPrefix: options.serialPrefix)
        do {
            return try writer.writeWithoutTransaction { db in
                var outcomes: [IssueOutcome] = []
                var committed = false
                try db.inTransaction(Database.TransactionKind.immediate) {
                    outcomes = try issueChunk(db, drafts, options: options, sign: sign)
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

    /// A draft that passed the registry's checks, with its serial and claims, waiting for its signature.
    private struct Prepared {
        var index: Int
        var draft: PermitDraft
        var claims: PassClaims
        var replaced: String?
    }

    /// Three steps inside the caller's transaction: check each draft and allocate its serial; sign all the
    /// claims in one call (so signing can use several cores); record each permit with its code.
    private func issueChunk(_ db: Database, _ drafts: [PermitDraft], options: IssueOptions, sign: PermitSigner)
        throws -> [IssueOutcome]
    {
        var outcomes = [IssueOutcome?](repeating: nil, count: drafts.count)
        var prepared: [Prepared] = []
        var vehiclesInChunk: [String: String] = [:]
        var firms: [String: Firm?] = [:]
        for (index, draft) in drafts.enumerated() {
            func refuse(_ reason: String) { outcomes[index] = .refused(source: draft.source, reason: reason) }
            if firms[draft.firmID] == nil { firms[draft.firmID] = try Firm.fetchOne(db, key: draft.firmID) }
            guard let firm = firms[draft.firmID] ?? nil else {
                refuse("firm \(draft.firmID) is not registered")
                continue
            }
            guard firm.status == .active else {
                refuse("firm \(firm.id) is suspended: no new passes")
                continue
            }
            // The vehicle is its letters and digits, whatever class was declared: 29C-123.45 and 29-C1 2345
            // are one vehicle.
            let vehicle = draft.plate.compact
            if let earlier = vehiclesInChunk[vehicle] {
                refuse("plate \(draft.plate.text) already has a pass in this batch (\(earlier))")
                continue
            }
            // Cached statements: compiling each one again for every row cost more than signing it.
            if let owner = try String.fetchOne(
                db.cachedStatement(sql: "SELECT firm_id FROM vehicle_owner WHERE compact_plate = ?"), arguments: [vehicle]),
                owner != firm.id
            {
                refuse("vehicle \(vehicle) (plate \(draft.plate.text)) belongs to firm \(owner); only the authority "
                    + "moves it (greenlane vehicle transfer)")
                continue
            }
            let live = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT serial FROM live_pass WHERE compact_plate = ? AND expires_at > ?
                """), arguments: [vehicle, options.now])
            let active: String? = live?[0]
            if let old = draft.renewedFrom {
                // Checked here, inside the transaction: what was read before it may have changed since.
                if let problem = try renewalProblem(db, old: old, live: live, options: options) {
                    refuse(problem)
                    continue
                }
            } else if let active, !options.replace {
                refuse("plate \(draft.plate.text) already has an active pass \(active); use --replace to revoke it")
                continue
            }
            let revoked = draft.renewedFrom ?? active
            if let revoked {
                let reason: RevocationReason = draft.renewedFrom != nil ? .renewed : .replaced
                try Registry.revoke(db, serial: revoked, reason: reason, context: options.context)
            }
            try db.cachedStatement(sql: "DELETE FROM live_pass WHERE compact_plate = ? AND expires_at <= ?")
                .execute(arguments: [vehicle, options.now])
            try db.cachedStatement(sql: """
                INSERT INTO vehicle (plate, firm_id, vehicle_class, first_seen) VALUES (?, ?, ?, ?)
                ON CONFLICT(plate) DO UPDATE SET vehicle_class = excluded.vehicle_class, firm_id = excluded.firm_id
                """).execute(arguments: [draft.plate.text, firm.id, draft.vehicleClass.rawValue, options.now])
            try db.cachedStatement(sql: """
                INSERT INTO vehicle_owner (compact_plate, firm_id, since) VALUES (?, ?, ?)
                ON CONFLICT(compact_plate) DO NOTHING
                """).execute(arguments: [vehicle, firm.id, options.now])
            let serial = try nextSerial(db, prefix: options.serialPrefix)
            vehiclesInChunk[vehicle] = serial
            let permit = Permit(
                serial: serial, firmID: firm.id, plate: draft.plate, vehicleClass: draft.vehicleClass,
                driverName: draft.driverName, driverID: draft.driverID, zones: draft.zones, purpose: draft.purpose,
                window: draft.window, station: options.station)
            let claims = PassClaims(
                issuer: options.issuer, issuedAt: options.now, notBefore: draft.notBefore,
                expiresAt: draft.expiresAt, permit: permit)
            prepared.append(Prepared(index: index, draft: draft, claims: claims, replaced: revoked))
        }
        let signed = prepared.isEmpty ? [] : try sign(prepared.map(\.claims))
        guard signed.count == prepared.count else {
            throw RegistryError(.database, "the signer returned \(signed.count) codes for \(prepared.count) permits")
        }
        for (item, signature) in zip(prepared, signed) {
            let draft = item.draft
            let record = PermitRecord(
                claims: item.claims, testAt: draft.testAt, kid: signature.kid, code: signature.code,
                issuedBy: options.context.account, replaces: draft.renewedFrom == nil ? item.replaced : nil,
                renewedFrom: draft.renewedFrom)
            try record.insertFast(db, renewalRun: options.renewalRun)
            // The rule itself: at most one row per vehicle. The checks above make this never fail under
            // SQLite's single writer; with concurrent writers elsewhere it is what refuses the second pass.
            try db.cachedStatement(sql: "INSERT INTO live_pass (compact_plate, serial, expires_at) VALUES (?, ?, ?)")
                .execute(arguments: [draft.plate.compact, record.serial, record.expiresAt])
            try Registry.audit(db, options.context, "permit.issue", record.serial,
                               "\(record.plate) · \(record.firmID) · \(draft.source)")
            outcomes[item.index] = .issued(record, replaced: item.replaced)
        }
        return outcomes.map { $0! }
    }

    /// Why `old` cannot be renewed now, or nil. `live` is the vehicle's live pass (its serial).
    private func renewalProblem(_ db: Database, old: String, live: Row?, options: IssueOptions) throws -> String? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT p.expires_at, p.renewal_run, r.reason, (SELECT n.serial FROM permit n WHERE n.renewed_from = p.serial)
            FROM permit p LEFT JOIN revocation r ON r.serial = p.serial WHERE p.serial = ?
            """, arguments: [old])
        else { return "not renewed: no permit \(old)" }
        if let newer: String = row[3] { return "not renewed: \(old) was already renewed as \(newer)" }
        if let reason: String = row[2] {
            return "not renewed: \(old) was revoked (\(AuditText.escaped(reason))) while the renewal ran"
        }
        if let run = options.renewalRun, let issuedBy: Int64 = row[1], issuedBy == run {
            return "not renewed: \(old) was issued by this renewal run"
        }
        if (row[0] as Int64) <= options.now { return "not renewed: \(old) has expired" }
        if let live, (live[0] as String) != old {
            return "not renewed: the vehicle's live pass is now \(live[0] as String), not \(old)"
        }
        return nil
    }

    /// Refuses issuing with another issuer, station or serial prefix than the registry recorded at init.
    public func checkAgrees(issuer: String, station: String, serialPrefix: String) throws(RegistryError) {
        guard let settings else {
            throw RegistryError(.noRegistry, "\(path) was never initialised; run `greenlane registry init`")
        }
        if issuer != settings.issuer {
            throw RegistryError(
                .otherIssuer, "registry \(path) issues for \(settings.issuer); this policy or key is for \(issuer)")
        }
        if station != settings.station || serialPrefix != settings.serialPrefix {
            throw RegistryError(
                .otherIssuer, "registry \(path) is station \(settings.station) with serials \(settings.serialPrefix)-…; "
                    + "asked to issue as station \(station) with serials \(serialPrefix)-…")
        }
    }

    /// The renewal run for an order's new end: created by the first `renew`, joined by a rerun or a second
    /// operator renewing to the same end.
    public func renewalRun(orderNumber: String, orderEnd: Int64, context: AuditContext) throws(RegistryError) -> Int64 {
        try write { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM renewal_run WHERE order_number = ? AND order_end = ?",
                                           arguments: [orderNumber, orderEnd]) {
                try Registry.audit(db, context, "renewal.resume", "run \(id)", "\(orderNumber) until \(Timestamp.rfc3339(orderEnd))")
                return id
            }
            try db.execute(sql: """
                INSERT INTO renewal_run (order_number, order_end, started_at, started_by) VALUES (?, ?, ?, ?)
                """, arguments: [orderNumber, orderEnd, context.recordedAt, context.account])
            let id = db.lastInsertedRowID
            try Registry.audit(db, context, "renewal.start", "run \(id)", "\(orderNumber) until \(Timestamp.rfc3339(orderEnd))")
            return id
        }
    }

    /// Permits a renewal run may renew: live now (started, not expired, not revoked), not issued by this run.
    public func renewalCandidates(run: Int64, firmID: String?, now: Int64) throws(RegistryError) -> [PermitRecord] {
        try read { db in
            try PermitRecord.fetchAll(db, sql: """
                SELECT p.* FROM permit p
                WHERE p.not_before <= :now AND p.expires_at > :now
                  AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = p.serial)
                  AND p.renewal_run IS NOT :run AND (:firm IS NULL OR p.firm_id = :firm)
                ORDER BY p.serial
                """, arguments: ["now": now, "run": run, "firm": firmID])
        }
    }

    private func nextSerial(_ db: Database, prefix: String) throws -> String {
        try db.cachedStatement(sql: """
            INSERT INTO serial_counter (prefix, next) VALUES (?, 1) ON CONFLICT(prefix) DO NOTHING
            """).execute(arguments: [prefix])
        guard let number = try Int64.fetchOne(db.cachedStatement(sql: """
            UPDATE serial_counter SET next = next + 1 WHERE prefix = ? RETURNING next - 1
            """), arguments: [prefix])
        else { throw RegistryError(.database, "could not allocate a serial for prefix \(prefix)") }
        let digits = String(number)
        return prefix + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
