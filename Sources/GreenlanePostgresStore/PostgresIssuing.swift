public import GreenlaneStore
public import GreenlaneSupport
import GreenlaneFormat
import PostgresNIO

extension PostgresStore {
    /// One transaction per chunk. Its first statement locks the prefix's counter row, so issuers take turns and
    /// the serials are the next ones, without gaps (a rollback, or a retry, gives them back) or repeats. Then the
    /// facts, locked (firms FOR SHARE, vehicle owners FOR UPDATE, in key order so two transactions never wait on
    /// each other in a circle); then the engine's rules decide; then the writes, the signing and the records.
    public func issue(_ batch: IssueBatch, rules: some IssuingRules) async throws(RegistryError) -> IssueCommit {
        let name = self.name
        if let rows = batch.requestRows, rows.indexes.count != batch.items.count {
            throw RegistryError(.invalidValue, "\(rows.indexes.count) row indexes for \(batch.items.count) items")
        }
        return try await transaction("issuing in \(name)") { connection in
            let prefixes = try await connection.query("SELECT serial_prefix FROM registry_settings", logger: Self.logger)
                .collect().map { try $0.decode(String.self) }
            guard prefixes.first == batch.serialPrefix else {
                throw RegistryError(
                    .otherIssuer, "registry \(name) issues serials \(prefixes.first ?? "(none: not initialised)")-…; "
                        + "asked to issue \(batch.serialPrefix)-…")
            }
            try await connection.query("""
                INSERT INTO serial_counter (prefix, next) VALUES (\(batch.serialPrefix), 1) ON CONFLICT DO NOTHING
                """, logger: Self.logger)
            try await connection.query(
                "SELECT next FROM serial_counter WHERE prefix = \(batch.serialPrefix) FOR UPDATE", logger: Self.logger)
            if let rows = batch.requestRows { try await Self.checkIssuable(connection, rows) }
            let facts = try await Self.issueFacts(connection, batch.items, now: batch.context.effectiveTime)
            let decisions = rules.decide(facts)
            guard decisions.count == batch.items.count else {
                throw RegistryError(.database, "the rules decided \(decisions.count) of \(batch.items.count) drafts")
            }
            if batch.allOrNothing, decisions.contains(where: \.isRefusal) {
                // Nothing written yet; the transaction ends with nothing to commit.
                return IssueCommit(decisions: decisions, permits: [], committed: false)
            }
            let context = batch.context
            let now = context.effectiveTime
            var accepted: [Int] = []
            for (index, decision) in decisions.enumerated() {
                guard let acceptance = decision.acceptance else { continue }
                if let revoked = acceptance.revokes {
                    try await Self.revoke(connection, serial: revoked.serial, reason: revoked.reason, context: context)
                }
                if let expired = acceptance.expiredLivePass {
                    try await connection.query("""
                        DELETE FROM live_pass WHERE compact_plate = \(acceptance.compactPlate) AND serial = \(expired)
                        """, logger: Self.logger)
                }
                try await connection.query("""
                    INSERT INTO vehicle (plate, firm_id, vehicle_class, first_seen)
                    VALUES (\(acceptance.plate), \(acceptance.firmID), \(acceptance.vehicleClass), \(now))
                    ON CONFLICT (plate) DO UPDATE SET vehicle_class = excluded.vehicle_class, firm_id = excluded.firm_id
                    """, logger: Self.logger)
                try await connection.query("""
                    INSERT INTO vehicle_owner (compact_plate, firm_id, since)
                    VALUES (\(acceptance.compactPlate), \(acceptance.firmID), \(now))
                    ON CONFLICT (compact_plate) DO NOTHING
                    """, logger: Self.logger)
                accepted.append(index)
            }
            var permits: [IssuedPermit] = []
            if !accepted.isEmpty {
                let first = try await connection.query("""
                    UPDATE serial_counter SET next = next + \(accepted.count) WHERE prefix = \(batch.serialPrefix)
                    RETURNING next - \(accepted.count)
                    """, logger: Self.logger).collect()[0].decode(Int64.self)
                let serials = (0..<Int64(accepted.count)).map { offset in
                    let digits = String(first + offset)
                    return batch.serialPrefix + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
                }
                let signed = try rules.sign(accepted: accepted, serials: serials)
                permits.reserveCapacity(accepted.count)
                while let slice = try signed.next() {
                    try await Self.record(connection, slice, renewalRun: batch.renewalRun, context: context)
                    permits += slice
                }
                guard permits.count == accepted.count, zip(permits, serials).allSatisfy({ $0.record.serial == $1 }) else {
                    throw RegistryError(.database, "the signer returned \(permits.count) permits for \(accepted.count) "
                        + "serials, or not in their order")
                }
            }
            if let rows = batch.requestRows {
                try await Self.recordOutcomes(connection, rows, decisions: decisions, permits: permits,
                                              context: context)
            }
            return IssueCommit(decisions: decisions, permits: permits, committed: true)
        }
    }

    /// The request is approved and each of the batch's rows still `accepted`, read with the request locked: a
    /// second signer (or a retry racing the first attempt) waits here, then finds the rows settled and issues
    /// nothing again.
    static func checkIssuable(_ connection: PostgresConnection, _ rows: IssueBatch.RequestRows) async throws {
        let id = rows.requestID
        guard let status = try await connection.query(
            "SELECT status FROM service_request WHERE id = \(id) FOR UPDATE", logger: logger
        ).collect().first.map({ try $0.decode(String.self) }) else {
            throw RegistryError(.unknownRequest, "no request \(SafeText.escaped(id))")
        }
        guard status == "approved" else {
            throw RegistryError(.notApproved, "request \(id) is \(status), not approved: nothing is signed")
        }
        var states: [Int: String] = [:]
        for row in try await connection.query(
            "SELECT row_index, status FROM service_request_row WHERE request_id = \(id)", logger: logger
        ).collect() {
            let (index, state) = try row.decode((Int64, String).self)
            states[Int(index)] = state
        }
        for index in rows.indexes where states[index] != "accepted" {
            throw RegistryError(.rowNotAccepted, "request \(id) row \(index) is \(states[index] ?? "absent"), not "
                + "accepted: it is not issued again")
        }
    }

    /// Each row's outcome, in the transaction that records its permit (an accepted decision takes the next
    /// permit, in order), and one `request.issue` audit entry.
    static func recordOutcomes(_ connection: PostgresConnection, _ rows: IssueBatch.RequestRows,
                               decisions: [IssueDecision], permits: [IssuedPermit], context: AuditContext)
        async throws
    {
        var issued = permits.makeIterator()
        var count = 0
        for (index, decision) in zip(rows.indexes, decisions) {
            let (status, serial, detail): (String, String?, String?)
            switch decision {
            case .accept:
                guard let permit = issued.next() else {
                    throw RegistryError(.database, "request \(rows.requestID): fewer permits than accepted rows")
                }
                count += 1
                (status, serial, detail) = ("issued", permit.record.serial, nil)
            case .alreadyIssued(let existing):
                // A rerun of rows a stopped batch issued: the row is that permit.
                (status, serial, detail) = ("issued", existing, nil)
            case .refuse(let reason):
                (status, serial, detail) = ("not-issued", nil, rows.detail(reason))
            }
            guard try await connection.query("""
                UPDATE service_request_row SET status = \(status), serial = \(serial), detail = \(detail)
                WHERE request_id = \(rows.requestID) AND row_index = \(Int64(index)) AND status = 'accepted'
                RETURNING 1
                """, logger: logger).collect().first != nil else {
                throw RegistryError(.rowNotAccepted, "request \(rows.requestID) row \(index) is no longer accepted")
            }
        }
        try await audit(connection, context, "request.issue", rows.requestID,
                        "\(count) of \(rows.indexes.count) rows issued")
    }

    /// What the rules need about each item, read inside the transaction with the rows they depend on locked; a
    /// live pass that has not expired at `now` comes with its permit.
    static func issueFacts(_ connection: PostgresConnection, _ items: [IssueBatch.Item], now: Int64) async throws
        -> IssueFacts
    {
        let firmIDs = Array(Set(items.map(\.firmID))).sorted()
        let plates = Array(Set(items.map(\.compactPlate))).sorted()
        let renewed = Array(Set(items.compactMap(\.renewedFrom))).sorted()
        var firms: [String: Firm] = [:]
        for row in try await connection.query("""
            SELECT \(unescaped: firmColumns) FROM firm WHERE id = ANY(\(firmIDs)) ORDER BY id FOR SHARE
            """, logger: logger).collect() {
            let firm = try firm(row)
            firms[firm.id] = firm
        }
        var owners: [String: String] = [:]
        for row in try await connection.query("""
            SELECT compact_plate, firm_id FROM vehicle_owner WHERE compact_plate = ANY(\(plates))
            ORDER BY compact_plate FOR UPDATE
            """, logger: logger).collect() {
            let (plate, firm) = try row.decode((String, String).self)
            owners[plate] = firm
        }
        var live = try await livePasses(connection, plates)
        let current = live.values.filter { $0.expiresAt > now }.map(\.serial)
        if !current.isEmpty {
            var permits: [String: PermitRecord] = [:]
            for row in try await connection.query(
                "SELECT \(unescaped: permitColumns) FROM permit p WHERE p.serial = ANY(\(current))", logger: logger
            ).collect() {
                let permit = try Self.permit(row.makeRandomAccess())
                permits[permit.serial] = permit
            }
            for (plate, pass) in live { live[plate]?.permit = permits[pass.serial] }
        }
        var vehicles: [String: VehicleFacts] = [:]
        for plate in plates where owners[plate] != nil || live[plate] != nil {
            vehicles[plate] = VehicleFacts(owner: owners[plate], livePass: live[plate])
        }
        var renewals: [String: RenewalFacts] = [:]
        if !renewed.isEmpty {
            for row in try await connection.query("""
                SELECT p.serial, p.expires_at, p.renewal_run, r.reason,
                       (SELECT n.serial FROM permit n WHERE n.renewed_from = p.serial)
                FROM permit p LEFT JOIN revocation r ON r.serial = p.serial WHERE p.serial = ANY(\(renewed))
                """, logger: logger).collect() {
                let (serial, expires, run, reason, renewedAs) =
                    try row.decode((String, Int64, Int64?, String?, String?).self)
                renewals[serial] = RenewalFacts(expiresAt: expires, renewalRun: run, revocationReason: reason,
                                                renewedAs: renewedAs)
            }
        }
        return IssueFacts(firms: firms, vehicles: vehicles, renewals: renewals)
    }

    /// Rows per multi-row INSERT: 23 permit columns x 1,000 = 23,000 bind parameters, well under PostgreSQL's
    /// 65,535 per statement.
    static let rowsPerStatement = 1_000
    static let permitColumnCount = 23

    /// Records signed permits, their live-pass rows and their `permit.issue` audit entries: one statement per
    /// table for up to `rowsPerStatement` permits.
    static func record(_ connection: PostgresConnection, _ permits: [IssuedPermit], renewalRun: Int64?,
                       context: AuditContext) async throws {
        precondition(rowsPerStatement * permitColumnCount <= Int(UInt16.max))
        for start in stride(from: 0, to: permits.count, by: rowsPerStatement) {
            let part = permits[start..<min(start + rowsPerStatement, permits.count)]
            var permitBinds = PostgresBindings(capacity: part.count * permitColumnCount)
            var liveBinds = PostgresBindings(capacity: part.count * 3)
            var auditBinds = PostgresBindings(capacity: part.count * 7)
            for issued in part {
                let r = issued.record
                try AuditText.check(issued.auditDetail, "audit detail", maxLength: 1_000)
                guard let hash = issued.keyHash else {
                    throw RegistryError(.invalidValue, "permit \(r.serial): its code is not a pass code")
                }
                permitBinds.append(r.serial); permitBinds.append(r.firmID); permitBinds.append(r.plate)
                permitBinds.append(Int64(r.vehicleClass)); permitBinds.append(r.driverName)
                permitBinds.append(r.driverID); permitBinds.append(r.testAt); permitBinds.append(r.zones)
                permitBinds.append(Int64(r.purpose)); permitBinds.append(r.windowStart.map(Int64.init))
                permitBinds.append(r.windowEnd.map(Int64.init)); permitBinds.append(r.station)
                permitBinds.append(r.issuer); permitBinds.append(r.issuedAt); permitBinds.append(r.notBefore)
                permitBinds.append(r.expiresAt); permitBinds.append(r.kid); permitBinds.append(r.code)
                permitBinds.append(r.replaces); permitBinds.append(r.renewedFrom); permitBinds.append(r.issuedBy)
                permitBinds.append(renewalRun); permitBinds.append(ByteBuffer(bytes: hash))
                liveBinds.append(VehicleKey.compact(r.plate)); liveBinds.append(r.serial); liveBinds.append(r.expiresAt)
                auditBinds.append(context.recordedAt); auditBinds.append(context.pinnedAt)
                auditBinds.append(context.account); auditBinds.append(context.onBehalfOf)
                auditBinds.append("permit.issue"); auditBinds.append(r.serial); auditBinds.append(issued.auditDetail)
            }
            let n = part.count
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO permit (serial, firm_id, plate, vehicle_class, driver_name, driver_id, test_at, zones,
                    purpose, window_start, window_end, station, issuer, issued_at, not_before, expires_at, kid, code,
                    replaces, renewed_from, issued_by, renewal_run, code_hash)
                VALUES \(placeholders(rows: n, columns: permitColumnCount))
                """, binds: permitBinds), logger: logger)
            // The rule's backstop: at most one row per vehicle, whatever the rules decided.
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO live_pass (compact_plate, serial, expires_at) VALUES \(placeholders(rows: n, columns: 3))
                """, binds: liveBinds), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO audit_log (at, pinned_at, actor, on_behalf_of, action, subject, detail)
                VALUES \(placeholders(rows: n, columns: 7))
                """, binds: auditBinds), logger: logger)
        }
    }

    static func placeholders(rows: Int, columns: Int) -> String {
        var text = ""
        text.reserveCapacity(rows * columns * 6)
        for row in 0..<rows {
            text += row == 0 ? "(" : ", ("
            for column in 0..<columns {
                text += (column == 0 ? "$" : ", $") + String(row * columns + column + 1)
            }
            text += ")"
        }
        return text
    }
}
