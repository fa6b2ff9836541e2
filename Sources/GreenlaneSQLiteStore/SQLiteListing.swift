import GreenlaneFormat
public import GreenlaneSupport
public import GreenlaneStore
import GRDB

/// Rows to records, and the reading side: listings, statistics. GRDB stays in this target: records are plain
/// values, mapped here column by column.
extension SQLiteStore {
    static let statusSQL = """
        CASE WHEN r.serial IS NOT NULL THEN 'revoked' WHEN p.expires_at <= :now THEN 'expired' \
        WHEN p.not_before > :now THEN 'pending' ELSE 'active' END
        """

    public func permitPage(_ filter: PermitFilter, after: String?, count: Int) async throws(RegistryError)
        -> [PermitListing]
    {
        var conditions: [String] = []
        var arguments: [String: (any DatabaseValueConvertible)?] = ["now": filter.now]
        if let firm = filter.firmID {
            conditions.append("p.firm_id = :firm")
            arguments["firm"] = firm
        }
        if let plate = filter.compactPlate {
            // Plates are stored canonical; compare letters and digits only so `29c12345` finds `29C-123.45`.
            conditions.append("\(Schema.compactPlateSQL) = :plate")
            arguments["plate"] = plate
        }
        if let status = filter.status {
            conditions.append("(\(SQLiteStore.statusSQL)) = :status")
            arguments["status"] = status.rawValue
        }
        if let zone = filter.zone {
            conditions.append("(p.zones & :zone) != 0")
            arguments["zone"] = Int64(1) << Int64(zone.bit)
        }
        if let purpose = filter.purpose {
            conditions.append("p.purpose = :purpose")
            arguments["purpose"] = purpose.rawValue
        }
        if let from = filter.issuedFrom {
            conditions.append("p.issued_at >= :issuedFrom")
            arguments["issuedFrom"] = from
        }
        if let until = filter.issuedUntil {
            conditions.append("p.issued_at < :issuedUntil")
            arguments["issuedUntil"] = until
        }
        if let expiresBefore = filter.expiresBefore {
            conditions.append("p.expires_at < :expiresBefore")
            arguments["expiresBefore"] = expiresBefore
        }
        if let validAt = filter.validAt {
            conditions.append("p.not_before <= :validAt AND p.expires_at > :validAt AND r.serial IS NULL")
            conditions.append("p.serial >= (\(Self.firstSerialValidAtSQL))")
            arguments["validAt"] = validAt
        }
        if let after {
            conditions.append("p.serial > :after")
            arguments["after"] = after
        }
        var sql = SQLiteStore.listingSQL
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY p.serial LIMIT :count"
        arguments["count"] = count
        let statementArguments = StatementArguments(arguments)
        let query = sql
        return try await read { db in
            try Row.fetchAll(db, sql: query, arguments: statementArguments).map(SQLiteStore.listing)
        }
    }

    /// The smallest serial of a permit valid at `:validAt`, revoked or not, or NULL when none is: every permit
    /// valid then has this serial or a later one, so a page of them starts its walk in serial order there rather
    /// than at the first permit. Read from the validity index over the permits that started no longer than the
    /// longest validity before `:validAt` (one look-up in `permit_by_validity_length`), not the whole past.
    static let firstSerialValidAtSQL = """
        SELECT min(v.serial) FROM permit v
        WHERE v.not_before <= :validAt AND v.expires_at > :validAt
          AND v.not_before >= :validAt - (SELECT max(expires_at - not_before) FROM permit)
        """

    /// Every permit with its firm's name, revocation and status at `:now`; `permitPage` and `permit(_:at:)`
    /// add their conditions.
    static let listingSQL = """
        SELECT p.*, f.legal_name AS firm_name, r.revoked_at AS r_revoked_at, r.reason AS r_reason,
               r.revoked_by AS r_revoked_by, \(SQLiteStore.statusSQL) AS status
        FROM permit p JOIN firm f ON f.id = p.firm_id LEFT JOIN revocation r ON r.serial = p.serial
        """

    static func listing(_ row: Row) throws -> PermitListing {
        let record = permit(row)
        let revocation: Revocation? = (row["r_revoked_at"] as Int64?).map {
            Revocation(serial: record.serial, revokedAt: $0, reason: row["r_reason"], revokedBy: row["r_revoked_by"])
        }
        guard let status = PermitListing.Status(rawValue: row["status"]) else {
            let text = (row["status"] as String?) ?? "NULL"
            throw RegistryError(.database, "permit \(record.serial): unknown status \(text)")
        }
        return PermitListing(permit: record, firmName: row["firm_name"], revocation: revocation, status: status)
    }

    static func permit(_ row: Row) -> PermitRecord {
        PermitRecord(
            serial: row["serial"], firmID: row["firm_id"], plate: row["plate"], vehicleClass: row["vehicle_class"],
            driverName: row["driver_name"], driverID: row["driver_id"], testAt: row["test_at"], zones: row["zones"],
            purpose: row["purpose"], windowStart: row["window_start"], windowEnd: row["window_end"],
            station: row["station"], issuer: row["issuer"], issuedAt: row["issued_at"], notBefore: row["not_before"],
            expiresAt: row["expires_at"], kid: row["kid"], code: row["code"], replaces: row["replaces"],
            renewedFrom: row["renewed_from"], issuedBy: row["issued_by"])
    }

    static func firm(_ row: Row) throws -> Firm {
        guard let kind = Firm.Kind(rawValue: row["kind"]), let status = Firm.Status(rawValue: row["status"]) else {
            throw RegistryError(.database, "firm \(row["id"] as String? ?? "?"): stored kind or status is unknown")
        }
        return Firm(id: row["id"], legalName: row["legal_name"], kind: kind, licence: row["licence"], status: status,
                    createdAt: row["created_at"])
    }

    static func fetchFirm(_ db: Database, _ id: String) throws -> Firm? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM firm WHERE id = ?"), arguments: [id]).map(firm)
    }

    static func fetchSettings(_ db: Database) throws -> RegistrySettings? {
        try Row.fetchOne(db, sql: "SELECT * FROM registry_settings WHERE id = 1").map { row in
            RegistrySettings(issuer: row["issuer"], station: row["station"], serialPrefix: row["serial_prefix"],
                             fileGroup: row["file_group"], createdAt: row["created_at"])
        }
    }

    static func insert(_ settings: RegistrySettings, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO registry_settings (id, issuer, station, serial_prefix, file_group, created_at)
            VALUES (1, ?, ?, ?, ?, ?)
            """, arguments: [settings.issuer, settings.station, settings.serialPrefix, settings.fileGroup,
                             settings.createdAt])
    }

    /// A vehicle's owner and live-pass row; nil when the registry has never seen it.
    static func vehicleFacts(_ db: Database, _ compact: String) throws -> VehicleFacts? {
        try vehicleFacts(db, [compact])[compact]
    }

    /// The owner and live pass of each of `plates` (compact, distinct) that has either.
    static func vehicleFacts(_ db: Database, _ plates: [String]) throws -> [String: VehicleFacts] {
        var facts: [String: VehicleFacts] = [:]
        for start in stride(from: 0, to: plates.count, by: rowsPerStatement) {
            let part = Array(plates[start..<min(start + rowsPerStatement, plates.count)])
            let list = Array(repeating: "?", count: part.count).joined(separator: ", ")
            let owners = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT compact_plate, firm_id FROM vehicle_owner WHERE compact_plate IN (\(list))
                """), arguments: StatementArguments(part))
            while let row = try owners.next() {
                facts[row[0], default: VehicleFacts(owner: nil, livePass: nil)].owner = row[1]
            }
            let live = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT compact_plate, serial, expires_at FROM live_pass WHERE compact_plate IN (\(list))
                """), arguments: StatementArguments(part))
            while let row = try live.next() {
                facts[row[0], default: VehicleFacts(owner: nil, livePass: nil)].livePass =
                    VehicleFacts.LivePass(serial: row[1], expiresAt: row[2])
            }
        }
        return facts
    }

    /// Counts per status, firm, issue day (Vietnam time) and district.
    public func statistics(now: Int64) async throws(RegistryError) -> Statistics {
        try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM permit") ?? 0
            let byStatus = try Row.fetchAll(db, sql: """
                SELECT \(SQLiteStore.statusSQL) AS status, count(*) FROM permit p
                LEFT JOIN revocation r ON r.serial = p.serial GROUP BY status ORDER BY status
                """, arguments: ["now": now]).map { ($0[0] as String, $0[1] as Int) }
            let byFirm = try Row.fetchAll(db, sql: """
                SELECT firm_id, count(*) FROM permit GROUP BY firm_id ORDER BY firm_id
                """).map { ($0[0] as String, $0[1] as Int) }
            let byDay = try Row.fetchAll(db, sql: """
                SELECT date(issued_at + 25200, 'unixepoch') AS day, count(*) FROM permit GROUP BY day ORDER BY day
                """).map { ($0[0] as String, $0[1] as Int) }
            let sums = District.all.map { "sum((zones >> \($0.bit)) & 1)" }.joined(separator: ", ")
            let zoneRow = try Row.fetchOne(db, sql: "SELECT \(sums) FROM permit")
            let byZone = District.all.map { district in (district, (zoneRow?[district.bit] as Int?) ?? 0) }
            return Statistics(total: total, byStatus: byStatus, byFirm: byFirm, byDay: byDay, byZone: byZone)
        }
    }

    // MARK: - Renewal runs

    public func renewalRun(orderNumber: String, orderEnd: Int64, context: AuditContext) async throws(RegistryError)
        -> Int64
    {
        try await write { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM renewal_run WHERE order_number = ? AND order_end = ?",
                                           arguments: [orderNumber, orderEnd]) {
                try SQLiteStore.audit(db, context, "renewal.resume", "run \(id)",
                                      "\(orderNumber) until \(Timestamp.rfc3339(orderEnd))")
                return id
            }
            try db.execute(sql: """
                INSERT INTO renewal_run (order_number, order_end, started_at, started_by) VALUES (?, ?, ?, ?)
                """, arguments: [orderNumber, orderEnd, context.recordedAt, context.account])
            let id = db.lastInsertedRowID
            try SQLiteStore.audit(db, context, "renewal.start", "run \(id)",
                                  "\(orderNumber) until \(Timestamp.rfc3339(orderEnd))")
            return id
        }
    }

    public func renewalCandidates(run: Int64, firmID: String?, now: Int64) async throws(RegistryError)
        -> [PermitRecord]
    {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.* FROM permit p
                WHERE p.not_before <= :now AND p.expires_at > :now
                  AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = p.serial)
                  AND p.renewal_run IS NOT :run AND (:firm IS NULL OR p.firm_id = :firm)
                ORDER BY p.serial
                """, arguments: ["now": now, "run": run, "firm": firmID]).map(SQLiteStore.permit)
        }
    }
}
