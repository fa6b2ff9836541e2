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
        var platesInChunk: [String: String] = [:]
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
            if let earlier = platesInChunk[draft.plate.text] {
                refuse("plate \(draft.plate.text) already has a pass in this batch (\(earlier))")
                continue
            }
            // Cached statements: compiling each one again for every row cost more than signing it.
            if let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT firm_id FROM vehicle WHERE plate = ?"),
                                               arguments: [draft.plate.text]), owner != firm.id {
                refuse("plate \(draft.plate.text) is registered to firm \(owner)")
                continue
            }
            let active = try String.fetchOne(db.cachedStatement(sql: """
                SELECT p.serial FROM permit p
                WHERE p.plate = ? AND p.expires_at > ?
                  AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = p.serial)
                ORDER BY p.expires_at DESC LIMIT 1
                """), arguments: [draft.plate.text, options.now])
            if let active, draft.renewedFrom != active, !options.replace {
                refuse("plate \(draft.plate.text) already has an active pass \(active); use --replace to revoke it")
                continue
            }
            if let active {
                let reason: RevocationReason = draft.renewedFrom == active ? .renewed : .replaced
                try Registry.revoke(db, serial: active, reason: reason, context: options.context)
            }
            try db.cachedStatement(sql: """
                INSERT INTO vehicle (plate, firm_id, vehicle_class, first_seen) VALUES (?, ?, ?, ?)
                ON CONFLICT(plate) DO UPDATE SET vehicle_class = excluded.vehicle_class
                """).execute(arguments: [draft.plate.text, firm.id, draft.vehicleClass.rawValue, options.now])
            let serial = try nextSerial(db, prefix: options.serialPrefix)
            platesInChunk[draft.plate.text] = serial
            let permit = Permit(
                serial: serial, firmID: firm.id, plate: draft.plate, vehicleClass: draft.vehicleClass,
                driverName: draft.driverName, driverID: draft.driverID, zones: draft.zones, purpose: draft.purpose,
                window: draft.window, station: options.station)
            let claims = PassClaims(
                issuer: options.issuer, issuedAt: options.now, notBefore: draft.notBefore,
                expiresAt: draft.expiresAt, permit: permit)
            prepared.append(Prepared(index: index, draft: draft, claims: claims, replaced: active))
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
            try record.insertFast(db)
            try Registry.audit(db, options.context, "permit.issue", record.serial,
                               "\(record.plate) · \(record.firmID) · \(draft.source)")
            outcomes[item.index] = .issued(record, replaced: item.replaced)
        }
        return outcomes.map { $0! }
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
