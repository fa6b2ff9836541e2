public import GreenlaneStore
public import GreenlaneSupport
import GreenlaneFormat
import PostgresNIO

/// `greenlane registry copy`: every row out of a PostgreSQL registry, and into a new one.
extension PostgresStore: RegistryCopying {
    /// Every row, in one REPEATABLE READ transaction: one snapshot, however many write meanwhile.
    public func dump() async throws(RegistryError) -> RegistryDump {
        guard let settings else {
            throw RegistryError(.noRegistry, "\(name) was never initialised: there is nothing to copy")
        }
        return try await transaction("reading \(name)") { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: Self.logger)
            func rows(_ sql: String) async throws -> [PostgresRow] {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).collect()
            }
            let service = try await rows("""
                SELECT (SELECT count(*) FROM service_credential) + (SELECT count(*) FROM service_enrolment)
                     + (SELECT count(*) FROM service_request)
                """)[0].decode(Int.self)
            guard service == 0 else {
                throw RegistryError(.invalidValue, "\(self.name) holds the service's credentials, enrolments or "
                    + "requests, which `registry copy` does not copy yet: nothing was copied")
            }
            var dump = RegistryDump(settings: settings)
            dump.firms = try await rows("SELECT \(Self.firmColumns) FROM firm ORDER BY id").map(Self.firm)
            dump.vehicles = try await rows("SELECT plate, firm_id, vehicle_class, first_seen FROM vehicle ORDER BY plate")
                .map { row in
                    let (plate, firm, vehicleClass, seen) = try row.decode((String, String, Int64, Int64).self)
                    return RegistryDump.Vehicle(plate: plate, firmID: firm, vehicleClass: vehicleClass, firstSeen: seen)
                }
            dump.owners = try await rows("SELECT compact_plate, firm_id, since FROM vehicle_owner ORDER BY compact_plate")
                .map { row in
                    let (plate, firm, since) = try row.decode((String, String, Int64).self)
                    return RegistryDump.Owner(compactPlate: plate, firmID: firm, since: since)
                }
            dump.renewalRuns = try await rows("""
                SELECT id, order_number, order_end, started_at, started_by FROM renewal_run ORDER BY id
                """).map { row in
                let (id, order, end, at, by) = try row.decode((Int64, String, Int64, Int64, String).self)
                return RegistryDump.RenewalRun(id: id, orderNumber: order, orderEnd: end, startedAt: at, startedBy: by)
            }
            dump.permits = try await rows("SELECT \(Self.permitColumns), p.renewal_run FROM permit p ORDER BY p.serial")
                .map { row in
                    let cells = row.makeRandomAccess()
                    return (try Self.permit(cells), try cells[21].decode(Int64?.self))
                }
            dump.revocations = try await rows("""
                SELECT serial, revoked_at, reason, revoked_by, note FROM revocation ORDER BY serial
                """).map { row in
                let (serial, at, reason, by, note) = try row.decode((String, Int64, String, String, String?).self)
                return Revocation(serial: serial, revokedAt: at, reason: reason, revokedBy: by, note: note)
            }
            dump.livePasses = try await rows("SELECT compact_plate, serial, expires_at FROM live_pass ORDER BY compact_plate")
                .map { row in
                    let (plate, serial, expires) = try row.decode((String, String, Int64).self)
                    return RegistryDump.LivePass(compactPlate: plate, serial: serial, expiresAt: expires)
                }
            dump.counters = try await rows("SELECT prefix, next FROM serial_counter ORDER BY prefix").map { row in
                let (prefix, next) = try row.decode((String, Int64).self)
                return RegistryDump.Counter(prefix: prefix, next: next)
            }
            dump.listSequences = try await rows("SELECT kid, sequence FROM revocation_list_sequence ORDER BY kid")
                .map { row in
                    let (kid, sequence) = try row.decode((String, Int64).self)
                    return RegistryDump.ListSequence(kid: kid, sequence: sequence)
                }
            dump.auditLog = try await rows("""
                SELECT id, at, pinned_at, actor, on_behalf_of, action, subject, detail FROM audit_log ORDER BY id
                """).map { row in
                let (id, at, pinned, actor, behalf, action, subject, detail) =
                    try row.decode((Int64, Int64, Int64?, String, String?, String, String?, String?).self)
                return AuditEntry(id: id, at: at, pinnedAt: pinned, actor: actor, onBehalfOf: behalf, action: action,
                                  subject: subject, detail: detail)
            }
            return dump
        }
    }

    /// Migrates `location` (as its owner) and writes exactly `dump`'s rows into it, in one transaction; refused
    /// unless the registry there is empty. Ids of audit entries and renewal runs are kept, and their identity
    /// columns continue after the largest.
    public static func load(_ dump: RegistryDump, into location: PostgresLocation, environment: [String: String])
        async throws(RegistryError) -> PostgresStore
    {
        _ = try await migrate(location, environment: environment)
        let target = try await uninitialised(location, environment: environment)
        let name = target.name
        try await target.transaction("copying into \(name)") { connection in
            try await connection.query("LOCK TABLE registry_settings, audit_log, permit IN EXCLUSIVE MODE",
                                       logger: logger)
            let used = try await connection.query("""
                SELECT (SELECT count(*) FROM registry_settings) + (SELECT count(*) FROM audit_log)
                     + (SELECT count(*) FROM permit) + (SELECT count(*) FROM firm)
                """, logger: logger).collect()[0].decode(Int.self)
            guard used == 0 else {
                throw RegistryError(.registryExists, "\(name) is not empty: a copy goes into a new registry only")
            }
            let s = dump.settings
            try await connection.query("""
                INSERT INTO registry_settings (id, issuer, station, serial_prefix, file_group, created_at)
                VALUES (1, \(s.issuer), \(s.station), \(s.serialPrefix), \(s.fileGroup), \(s.createdAt))
                """, logger: logger)
            try await insert(connection, "firm", ["id", "legal_name", "kind", "licence", "status", "created_at"],
                             dump.firms) { f, b in
                b.append(f.id); b.append(f.legalName); b.append(f.kind.rawValue); b.append(f.licence)
                b.append(f.status.rawValue); b.append(f.createdAt)
            }
            try await insert(connection, "vehicle", ["plate", "firm_id", "vehicle_class", "first_seen"], dump.vehicles) {
                v, b in b.append(v.plate); b.append(v.firmID); b.append(v.vehicleClass); b.append(v.firstSeen)
            }
            try await insert(connection, "vehicle_owner", ["compact_plate", "firm_id", "since"], dump.owners) { o, b in
                b.append(o.compactPlate); b.append(o.firmID); b.append(o.since)
            }
            try await insert(connection, "renewal_run", ["id", "order_number", "order_end", "started_at", "started_by"],
                             dump.renewalRuns, overriding: true) { r, b in
                b.append(r.id); b.append(r.orderNumber); b.append(r.orderEnd); b.append(r.startedAt); b.append(r.startedBy)
            }
            try await insert(connection, "permit", [
                "serial", "firm_id", "plate", "vehicle_class", "driver_name", "driver_id", "test_at", "zones", "purpose",
                "window_start", "window_end", "station", "issuer", "issued_at", "not_before", "expires_at", "kid", "code",
                "replaces", "renewed_from", "issued_by", "renewal_run", "code_hash",
            ], dump.permits) { item, b in
                let p = item.record
                b.append(p.serial); b.append(p.firmID); b.append(p.plate); b.append(Int64(p.vehicleClass))
                b.append(p.driverName); b.append(p.driverID); b.append(p.testAt); b.append(p.zones)
                b.append(Int64(p.purpose)); b.append(p.windowStart.map(Int64.init)); b.append(p.windowEnd.map(Int64.init))
                b.append(p.station); b.append(p.issuer); b.append(p.issuedAt); b.append(p.notBefore); b.append(p.expiresAt)
                b.append(p.kid); b.append(p.code); b.append(p.replaces); b.append(p.renewedFrom); b.append(p.issuedBy)
                b.append(item.renewalRun)
                // A code that is not a pass code's wrapping gets no hash, and NOT NULL refuses the copy.
                b.append(PermitCodeHash.of(p.code).map { ByteBuffer(bytes: $0) })
            }
            // Revocations before live passes: a revocation's trigger removes its permit's live row.
            try await insert(connection, "revocation", ["serial", "revoked_at", "reason", "revoked_by", "note"],
                             dump.revocations) { r, b in
                b.append(r.serial); b.append(r.revokedAt); b.append(r.reason); b.append(r.revokedBy); b.append(r.note)
            }
            try await insert(connection, "live_pass", ["compact_plate", "serial", "expires_at"], dump.livePasses) { l, b in
                b.append(l.compactPlate); b.append(l.serial); b.append(l.expiresAt)
            }
            try await insert(connection, "serial_counter", ["prefix", "next"], dump.counters) { c, b in
                b.append(c.prefix); b.append(c.next)
            }
            try await insert(connection, "revocation_list_sequence", ["kid", "sequence"], dump.listSequences) { l, b in
                b.append(l.kid); b.append(l.sequence)
            }
            try await insert(connection, "audit_log", ["id", "at", "pinned_at", "actor", "on_behalf_of", "action",
                                                       "subject", "detail"], dump.auditLog, overriding: true) { a, b in
                b.append(a.id); b.append(a.at); b.append(a.pinnedAt); b.append(a.actor); b.append(a.onBehalfOf)
                b.append(a.action); b.append(a.subject); b.append(a.detail)
            }
            for table in ["audit_log", "renewal_run"] {
                try await connection.query(PostgresQuery(unsafeSQL: """
                    SELECT setval(pg_get_serial_sequence('\(table)', 'id'), max(id)) FROM \(table) HAVING count(*) > 0
                    """), logger: logger)
            }
        }
        await target.close()
        return try await open(location, environment: environment, readOnly: true)
    }

    /// Multi-row INSERTs of `rows`, as many rows a statement as stay under 65,535 bind parameters.
    static func insert<Row>(_ connection: PostgresConnection, _ table: String, _ columns: [String], _ rows: [Row],
                            overriding: Bool = false, _ bind: (Row, inout PostgresBindings) -> Void) async throws {
        let perStatement = max(1, 60_000 / columns.count)
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let part = rows[start..<min(start + perStatement, rows.count)]
            var binds = PostgresBindings(capacity: part.count * columns.count)
            for row in part { bind(row, &binds) }
            let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", ")))"
                + (overriding ? " OVERRIDING SYSTEM VALUE" : "")
                + " VALUES " + placeholders(rows: part.count, columns: columns.count)
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        }
    }
}
