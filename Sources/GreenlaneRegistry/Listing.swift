public import GreenlaneFormat
import GRDB

/// What an auditor asks `greenlane list` for. Every field narrows the list; nil means any.
public struct PermitFilter: Sendable {
    public var firmID: String?
    /// Matches the plate ignoring spaces, dots, dashes and case.
    public var plate: String?
    public var status: PermitListing.Status?
    public var zone: District?
    public var purpose: Purpose?
    public var issuedFrom: Int64?
    public var issuedUntil: Int64?
    /// Valid at this instant: started, not expired, not revoked.
    public var validAt: Int64?
    public var limit: Int?
    /// The instant statuses are computed for.
    public var now: Int64

    public init(now: Int64) { self.now = now }
}

extension Registry {
    static let statusSQL = """
        CASE WHEN r.serial IS NOT NULL THEN 'revoked' WHEN p.expires_at <= :now THEN 'expired' \
        WHEN p.not_before > :now THEN 'pending' ELSE 'active' END
        """

    /// Calls `body` for each matching permit, in serial order, streaming from a cursor: memory stays
    /// flat however many permits match.
    public func forEachPermit(_ filter: PermitFilter, _ body: (PermitListing) throws -> Void) throws(RegistryError) {
        var conditions: [String] = []
        var arguments: [String: (any DatabaseValueConvertible)?] = ["now": filter.now]
        if let firm = filter.firmID {
            conditions.append("p.firm_id = :firm")
            arguments["firm"] = firm
        }
        if let plate = filter.plate {
            // Plates are stored canonical; compare letters and digits only so `29c12345` finds `29C-123.45`.
            conditions.append("\(Schema.compactPlateSQL) = :plate")
            arguments["plate"] = String(plate.uppercased().filter { $0.isLetter || $0.isNumber })
        }
        if let status = filter.status {
            conditions.append("(\(Registry.statusSQL)) = :status")
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
        if let validAt = filter.validAt {
            conditions.append("p.not_before <= :validAt AND p.expires_at > :validAt AND r.serial IS NULL")
            arguments["validAt"] = validAt
        }
        var sql = Registry.listingSQL
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY p.serial"
        if let limit = filter.limit {
            sql += " LIMIT :limit"
            arguments["limit"] = limit
        }
        let statementArguments = StatementArguments(arguments)
        try read { db in
            let rows = try Row.fetchCursor(db, sql: sql, arguments: statementArguments)
            while let row = try rows.next() { try body(try Registry.listing(row)) }
        }
    }

    /// Every permit with its firm's name, revocation and status at `:now`; `forEachPermit` and `permit(_:at:)`
    /// add their conditions.
    static let listingSQL = """
        SELECT p.*, f.legal_name AS firm_name, r.revoked_at AS r_revoked_at, r.reason AS r_reason,
               r.revoked_by AS r_revoked_by, \(Registry.statusSQL) AS status
        FROM permit p JOIN firm f ON f.id = p.firm_id LEFT JOIN revocation r ON r.serial = p.serial
        """

    static func listing(_ row: Row) throws -> PermitListing {
        let record = try PermitRecord(row: row)
        let revocation: Revocation? = (row["r_revoked_at"] as Int64?).map {
            Revocation(serial: record.serial, revokedAt: $0, reason: row["r_reason"], revokedBy: row["r_revoked_by"])
        }
        guard let status = PermitListing.Status(rawValue: row["status"]) else {
            let text = (row["status"] as String?) ?? "NULL"
            throw RegistryError(.database, "permit \(record.serial): unknown status \(text)")
        }
        return PermitListing(permit: record, firmName: row["firm_name"], revocation: revocation, status: status)
    }

    public struct Statistics: Sendable {
        public var total: Int
        public var byStatus: [(String, Int)]
        public var byFirm: [(String, Int)]
        public var byDay: [(String, Int)]
        public var byZone: [(District, Int)]
    }

    /// Counts per status, firm, issue day (Vietnam time) and district.
    public func statistics(now: Int64) throws(RegistryError) -> Statistics {
        try read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM permit") ?? 0
            let byStatus = try Row.fetchAll(db, sql: """
                SELECT \(Registry.statusSQL) AS status, count(*) FROM permit p
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
}
