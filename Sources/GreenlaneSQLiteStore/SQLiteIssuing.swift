import GreenlaneFormat
public import GreenlaneSupport
public import GreenlaneStore
import Foundation
import GRDB

extension SQLiteStore {
    /// One IMMEDIATE transaction per chunk: SQLite's single writer means nothing the rules read can change
    /// before the chunk commits. The facts are read with cached statements, and the signed permits are
    /// recorded a slice at a time with one multi-row statement per table (permits, live passes, audit entries),
    /// while the engine may be signing the next slice on another core.
    public func issue(_ batch: IssueBatch, rules: some IssuingRules) async throws(RegistryError) -> IssueCommit {
        guard let settings, batch.serialPrefix == settings.serialPrefix else {
            let own = settings?.serialPrefix ?? "(none: not initialised)"
            throw RegistryError(
                .otherIssuer, "registry \(path) issues serials \(own)-…; asked to issue \(batch.serialPrefix)-…")
        }
        if let rows = batch.requestRows, rows.indexes.count != batch.items.count {
            throw RegistryError(.invalidValue, "\(rows.indexes.count) row indexes for \(batch.items.count) items")
        }
        return try await transaction { db in
            if let rows = batch.requestRows { try SQLiteStore.checkIssuable(db, rows) }
            let facts = try SQLiteStore.issueFacts(db, batch.items, now: batch.context.effectiveTime)
            let decisions = rules.decide(facts)
            guard decisions.count == batch.items.count else {
                throw RegistryError(.database, "the rules decided \(decisions.count) of \(batch.items.count) drafts")
            }
            if batch.allOrNothing, decisions.contains(where: \.isRefusal) {
                return (IssueCommit(decisions: decisions, permits: [], committed: false), .rollback)
            }
            let context = batch.context
            let now = context.effectiveTime
            let accepted = decisions.indices.filter { decisions[$0].acceptance != nil }
            // Serials first, so the signing tasks start while this thread writes the vehicles and revocations.
            var serials: [String] = []
            var signed: (any SignedPermits)?
            if !accepted.isEmpty {
                serials = try SQLiteStore.allocateSerials(db, prefix: batch.serialPrefix, count: accepted.count)
                signed = try rules.sign(accepted: accepted, serials: serials)
            }
            let acceptances = decisions.compactMap(\.acceptance)
            for acceptance in acceptances {
                if let revoked = acceptance.revokes {
                    try SQLiteStore.revoke(db, serial: revoked.serial, reason: revoked.reason, context: context)
                }
                if let expired = acceptance.expiredLivePass {
                    try db.cachedStatement(sql: "DELETE FROM live_pass WHERE compact_plate = ? AND serial = ?")
                        .execute(arguments: [acceptance.compactPlate, expired])
                }
            }
            try SQLiteStore.recordVehicles(db, acceptances, now: now)
            var permits: [IssuedPermit] = []
            if let signed {
                permits.reserveCapacity(accepted.count)
                while let slice = try signed.next() {
                    try SQLiteStore.record(db, slice, renewalRun: batch.renewalRun, context: context)
                    permits += slice
                }
                guard permits.count == accepted.count,
                    zip(permits, serials).allSatisfy({ $0.record.serial == $1 })
                else {
                    throw RegistryError(.database, "the signer returned \(permits.count) permits for \(accepted.count) "
                        + "serials, or not in their order")
                }
            }
            if let rows = batch.requestRows {
                try SQLiteStore.recordOutcomes(db, rows, decisions: decisions, permits: permits, context: context)
            }
            return (IssueCommit(decisions: decisions, permits: permits, committed: true), .commit)
        }
    }

    /// The request is approved and each of the batch's rows still `accepted`: otherwise another signer (or a
    /// retry racing the first attempt) issued them first, and this batch must not issue them again.
    static func checkIssuable(_ db: Database, _ rows: IssueBatch.RequestRows) throws {
        let id = rows.requestID
        guard let status = try String.fetchOne(db, sql: "SELECT status FROM service_request WHERE id = ?",
                                               arguments: [id]) else {
            throw RegistryError(.unknownRequest, "no request \(SafeText.escaped(id))")
        }
        guard status == "approved" else {
            throw RegistryError(.notApproved, "request \(id) is \(status), not approved: nothing is signed")
        }
        let statement = try db.cachedStatement(sql: """
            SELECT status FROM service_request_row WHERE request_id = ? AND row_index = ?
            """)
        for index in rows.indexes {
            let row = try String.fetchOne(statement, arguments: [id, index])
            guard row == "accepted" else {
                throw RegistryError(.rowNotAccepted, "request \(id) row \(index) is \(row ?? "absent"), not "
                    + "accepted: it is not issued again")
            }
        }
    }

    /// Each row's outcome, in the transaction that records its permit (an accepted decision takes the next
    /// permit, in order), and one `request.issue` audit entry.
    static func recordOutcomes(_ db: Database, _ rows: IssueBatch.RequestRows, decisions: [IssueDecision],
                               permits: [IssuedPermit], context: AuditContext) throws {
        let update = try db.cachedStatement(sql: """
            UPDATE service_request_row SET status = ?, serial = ?, detail = ?
            WHERE request_id = ? AND row_index = ? AND status = 'accepted'
            """)
        var issued = permits.makeIterator()
        var count = 0
        for (index, decision) in zip(rows.indexes, decisions) {
            switch decision {
            case .accept:
                guard let permit = issued.next() else {
                    throw RegistryError(.database, "request \(rows.requestID): fewer permits than accepted rows")
                }
                count += 1
                try update.execute(arguments: ["issued", permit.record.serial, nil, rows.requestID, index])
            case .alreadyIssued(let serial):
                // A rerun of rows a stopped batch issued: the row is that permit.
                try update.execute(arguments: ["issued", serial, nil, rows.requestID, index])
            case .refuse(let reason):
                try update.execute(arguments: ["not-issued", nil, rows.detail(reason), rows.requestID, index])
            }
            guard db.changesCount == 1 else {
                throw RegistryError(.rowNotAccepted, "request \(rows.requestID) row \(index) is no longer accepted")
            }
        }
        try audit(db, context, "request.issue", rows.requestID, "\(count) of \(rows.indexes.count) rows issued")
    }

    /// What the rules need about each item, read inside the transaction; a live pass that has not expired at
    /// `now` comes with its permit. Owners and live passes are read 64 plates a statement (a chunk's 2,000
    /// single-plate lookups were a tenth of a recorded batch, on the store's thread while no signer had work).
    static func issueFacts(_ db: Database, _ items: [IssueBatch.Item], now: Int64) throws -> IssueFacts {
        var firms: [String: Firm] = [:]
        var renewals: [String: RenewalFacts] = [:]
        var seenFirms: Set<String> = [], seenVehicles: Set<String> = []
        var plates: [String] = []
        plates.reserveCapacity(items.count)
        for item in items {
            if seenFirms.insert(item.firmID).inserted, let firm = try fetchFirm(db, item.firmID) {
                firms[item.firmID] = firm
            }
            if seenVehicles.insert(item.compactPlate).inserted { plates.append(item.compactPlate) }
            if let old = item.renewedFrom, renewals[old] == nil, let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT p.expires_at, p.renewal_run, r.reason,
                    (SELECT n.serial FROM permit n WHERE n.renewed_from = p.serial)
                FROM permit p LEFT JOIN revocation r ON r.serial = p.serial WHERE p.serial = ?
                """), arguments: [old]) {
                renewals[old] = RenewalFacts(expiresAt: row[0], renewalRun: row[1], revocationReason: row[2],
                                             renewedAs: row[3])
            }
        }
        var vehicles = try vehicleFacts(db, plates)
        for (plate, facts) in vehicles {
            guard let live = facts.livePass, live.expiresAt > now else { continue }
            vehicles[plate]?.livePass?.permit = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM permit WHERE serial = ?"), arguments: [live.serial]
            ).map(SQLiteStore.permit)
        }
        return IssueFacts(firms: firms, vehicles: vehicles, renewals: renewals)
    }

    /// `count` consecutive serials, inside the caller's transaction: a rollback gives them back.
    static func allocateSerials(_ db: Database, prefix: String, count: Int) throws -> [String] {
        try db.cachedStatement(sql: """
            INSERT INTO serial_counter (prefix, next) VALUES (?, 1) ON CONFLICT(prefix) DO NOTHING
            """).execute(arguments: [prefix])
        guard let first = try Int64.fetchOne(db.cachedStatement(sql: """
            UPDATE serial_counter SET next = next + ? WHERE prefix = ? RETURNING next - ?
            """), arguments: [count, prefix, count])
        else { throw RegistryError(.database, "could not allocate a serial for prefix \(prefix)") }
        return (0..<Int64(count)).map { offset in
            let digits = String(first + offset)
            return prefix + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
        }
    }

    /// Rows per multi-row INSERT: 23 permit columns x 64 stays far below SQLite's 32,766 variables.
    static let rowsPerStatement = 64

    /// Records signed permits, their live-pass rows and their `permit.issue` audit entries: one statement per
    /// table for up to `rowsPerStatement` permits, its values bound straight into SQLite (`RawInsert`).
    static func record(_ db: Database, _ permits: [IssuedPermit], renewalRun: Int64?, context: AuditContext) throws {
        for start in stride(from: 0, to: permits.count, by: rowsPerStatement) {
            let part = permits[start..<min(start + rowsPerStatement, permits.count)]
            let n = part.count
            var permitRows = RawInsert(try db.cachedStatement(sql: """
                INSERT INTO permit (serial, firm_id, plate, vehicle_class, driver_name, driver_id, test_at, zones,
                    purpose, window_start, window_end, station, issuer, issued_at, not_before, expires_at, kid, code,
                    replaces, renewed_from, issued_by, renewal_run, code_hash)
                VALUES \(placeholders(rows: n, columns: 23))
                """))
            for issued in part {
                let r = issued.record
                // The last guard: the engine wrote the detail from checked values.
                try AuditText.check(issued.auditDetail, "audit detail", maxLength: 1_000)
                guard let hash = issued.keyHash else {
                    throw RegistryError(.invalidValue, "permit \(r.serial): its code is not a pass code")
                }
                permitRows.bind(r.serial); permitRows.bind(r.firmID); permitRows.bind(r.plate)
                permitRows.bind(r.vehicleClass); permitRows.bind(r.driverName); permitRows.bind(r.driverID)
                permitRows.bind(r.testAt); permitRows.bind(r.zones); permitRows.bind(r.purpose)
                permitRows.bind(r.windowStart); permitRows.bind(r.windowEnd); permitRows.bind(r.station)
                permitRows.bind(r.issuer); permitRows.bind(r.issuedAt); permitRows.bind(r.notBefore)
                permitRows.bind(r.expiresAt); permitRows.bind(r.kid); permitRows.bind(r.code)
                permitRows.bind(r.replaces); permitRows.bind(r.renewedFrom); permitRows.bind(r.issuedBy)
                permitRows.bind(renewalRun); permitRows.bind(blob: hash)
            }
            try permitRows.execute(db)
            // The rule's backstop: at most one row per vehicle, whatever the rules decided.
            var liveRows = RawInsert(try db.cachedStatement(sql: """
                INSERT INTO live_pass (compact_plate, serial, expires_at) VALUES \(placeholders(rows: n, columns: 3))
                """))
            for issued in part {
                liveRows.bind(VehicleKey.compact(issued.record.plate)); liveRows.bind(issued.record.serial)
                liveRows.bind(issued.record.expiresAt)
            }
            try liveRows.execute(db)
            var auditRows = RawInsert(try db.cachedStatement(sql: """
                INSERT INTO audit_log (at, pinned_at, actor, on_behalf_of, action, subject, detail)
                VALUES \(placeholders(rows: n, columns: 7))
                """))
            for issued in part {
                auditRows.bind(context.recordedAt); auditRows.bind(context.pinnedAt); auditRows.bind(context.account)
                auditRows.bind(context.onBehalfOf); auditRows.bind("permit.issue"); auditRows.bind(issued.record.serial)
                auditRows.bind(issued.auditDetail)
            }
            try auditRows.execute(db)
        }
    }

    /// The accepted items' vehicles (class and firm as now declared) and first owners, 64 rows a statement.
    /// The rules accept one item per vehicle in a chunk, so no statement names a plate twice.
    static func recordVehicles(_ db: Database, _ acceptances: [Acceptance], now: Int64) throws {
        for start in stride(from: 0, to: acceptances.count, by: rowsPerStatement) {
            let part = acceptances[start..<min(start + rowsPerStatement, acceptances.count)]
            var vehicles = RawInsert(try db.cachedStatement(sql: """
                INSERT INTO vehicle (plate, firm_id, vehicle_class, first_seen)
                VALUES \(placeholders(rows: part.count, columns: 4))
                ON CONFLICT(plate) DO UPDATE SET vehicle_class = excluded.vehicle_class, firm_id = excluded.firm_id
                """))
            for acceptance in part {
                vehicles.bind(acceptance.plate); vehicles.bind(acceptance.firmID)
                vehicles.bind(acceptance.vehicleClass); vehicles.bind(now)
            }
            try vehicles.execute(db)
            var owners = RawInsert(try db.cachedStatement(sql: """
                INSERT INTO vehicle_owner (compact_plate, firm_id, since)
                VALUES \(placeholders(rows: part.count, columns: 3))
                ON CONFLICT(compact_plate) DO NOTHING
                """))
            for acceptance in part {
                owners.bind(acceptance.compactPlate); owners.bind(acceptance.firmID); owners.bind(now)
            }
            try owners.execute(db)
        }
    }

    static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }
}
