public import GreenlaneStore
public import GreenlaneSupport
import GreenlaneFormat
import PostgresNIO

/// The reading side: listings, statistics, renewal candidates. Rows are mapped to the store's plain records here.
extension PostgresStore {
    static let permitColumns = """
        p.serial, p.firm_id, p.plate, p.vehicle_class, p.driver_name, p.driver_id, p.test_at, p.zones, p.purpose,
        p.window_start, p.window_end, p.station, p.issuer, p.issued_at, p.not_before, p.expires_at, p.kid, p.code,
        p.replaces, p.renewed_from, p.issued_by
        """

    /// A query with numbered parameters, built a condition at a time.
    struct Query {
        var sql = ""
        var binds = PostgresBindings()
        mutating func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var postgres: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
    }

    /// Every permit with its firm's name, revocation and status at `now` (bound as $1).
    static func listingQuery(now: Int64) -> Query {
        var query = Query()
        let now = query.bind(now)
        query.sql = """
            SELECT \(permitColumns), f.legal_name, r.revoked_at, r.reason, r.revoked_by, r.note,
                   \(statusSQL(now)) AS status
            FROM permit p JOIN firm f ON f.id = p.firm_id LEFT JOIN revocation r ON r.serial = p.serial
            """
        return query
    }

    static func statusSQL(_ now: String) -> String {
        """
        CASE WHEN r.serial IS NOT NULL THEN 'revoked' WHEN p.expires_at <= \(now) THEN 'expired' \
        WHEN p.not_before > \(now) THEN 'pending' ELSE 'active' END
        """
    }

    public func permit(_ serial: String, at now: Int64) async throws(RegistryError) -> PermitListing? {
        var query = Self.listingQuery(now: now)
        query.sql += " WHERE p.serial = \(query.bind(serial))"
        let built = query.postgres
        return try await transaction("reading permit \(serial)") { connection in
            try await connection.query(built, logger: Self.logger).collect().first.map(Self.listing)
        }
    }

    public func permitPage(_ filter: PermitFilter, after: String?, count: Int) async throws(RegistryError)
        -> [PermitListing]
    {
        var query = Self.listingQuery(now: filter.now)
        var conditions: [String] = []
        if let firm = filter.firmID { conditions.append("p.firm_id = \(query.bind(firm))") }
        // Stored plates are canonical; compare letters and digits only, by the indexed expression.
        if let plate = filter.compactPlate { conditions.append("translate(p.plate, '-. ', '') = \(query.bind(plate))") }
        if let status = filter.status { conditions.append("(\(Self.statusSQL("$1"))) = \(query.bind(status.rawValue))") }
        if let zone = filter.zone { conditions.append("(p.zones & \(query.bind(Int64(1) << Int64(zone.bit)))) <> 0") }
        if let purpose = filter.purpose { conditions.append("p.purpose = \(query.bind(Int64(purpose.rawValue)))") }
        if let from = filter.issuedFrom { conditions.append("p.issued_at >= \(query.bind(from))") }
        if let until = filter.issuedUntil { conditions.append("p.issued_at < \(query.bind(until))") }
        if let before = filter.expiresBefore { conditions.append("p.expires_at < \(query.bind(before))") }
        if let validAt = filter.validAt {
            let at = query.bind(validAt)
            conditions.append("p.not_before <= \(at) AND p.expires_at > \(at) AND r.serial IS NULL")
            // Where a walk in serial order can start (SQLite's `firstSerialValidAtSQL` says why). The inner query
            // is fenced (OFFSET 0) so that the planner reads the validity range: left to itself it turns min() into
            // a walk of the primary key until a row matches, half the table on 1,000,000 permits (BENCHMARKS.md).
            conditions.append("""
                p.serial >= (SELECT min(v.serial) FROM (
                    SELECT serial FROM permit WHERE not_before <= \(at) AND expires_at > \(at)
                        AND not_before >= \(at) - (SELECT max(expires_at - not_before) FROM permit) OFFSET 0) v)
                """)
        }
        if let after { conditions.append("p.serial > \(query.bind(after))") }
        if !conditions.isEmpty { query.sql += " WHERE " + conditions.joined(separator: " AND ") }
        query.sql += " ORDER BY p.serial LIMIT \(query.bind(Int64(max(0, count))))"
        let built = query.postgres
        return try await transaction("listing permits") { connection in
            try await connection.query(built, logger: Self.logger).collect().map(Self.listing)
        }
    }

    static func permit(_ cells: PostgresRandomAccessRow) throws -> PermitRecord {
        func value<T: PostgresDecodable>(_ index: Int, _: T.Type = T.self) throws -> T { try cells[index].decode(T.self) }
        return PermitRecord(
            serial: try value(0), firmID: try value(1), plate: try value(2), vehicleClass: Int(try value(3, Int64.self)),
            driverName: try value(4), driverID: try value(5), testAt: try value(6), zones: try value(7),
            purpose: Int(try value(8, Int64.self)), windowStart: try value(9, Int64?.self).map(Int.init),
            windowEnd: try value(10, Int64?.self).map(Int.init), station: try value(11), issuer: try value(12),
            issuedAt: try value(13), notBefore: try value(14), expiresAt: try value(15), kid: try value(16),
            code: try value(17), replaces: try value(18), renewedFrom: try value(19), issuedBy: try value(20))
    }

    static func listing(_ row: PostgresRow) throws -> PermitListing {
        let cells = row.makeRandomAccess()
        let record = try permit(cells)
        let firmName = try cells[21].decode(String.self)
        var revocation: Revocation?
        if let at = try cells[22].decode(Int64?.self) {
            revocation = Revocation(serial: record.serial, revokedAt: at, reason: try cells[23].decode(String.self),
                                    revokedBy: try cells[24].decode(String.self), note: try cells[25].decode(String?.self))
        }
        let text = try cells[26].decode(String.self)
        guard let status = PermitListing.Status(rawValue: text) else {
            throw RegistryError(.database, "permit \(record.serial): unknown status \(text)")
        }
        return PermitListing(permit: record, firmName: firmName, revocation: revocation, status: status)
    }

    /// Counts per status, firm, issue day (Vietnam time, UTC+7) and district.
    public func statistics(now: Int64) async throws(RegistryError) -> Statistics {
        try await transaction("counting permits") { connection in
            let total = try await connection.query("SELECT count(*) FROM permit", logger: Self.logger).collect()[0]
                .decode(Int.self)
            let byStatus = try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT (\(Self.statusSQL("$1"))) COLLATE "C" AS status, count(*) FROM permit p
                LEFT JOIN revocation r ON r.serial = p.serial GROUP BY 1 ORDER BY 1
                """, binds: { var b = PostgresBindings(); b.append(now); return b }()), logger: Self.logger)
                .collect().map { try $0.decode((String, Int).self) }
            let byFirm = try await connection.query(
                "SELECT firm_id, count(*) FROM permit GROUP BY firm_id ORDER BY firm_id", logger: Self.logger
            ).collect().map { try $0.decode((String, Int).self) }
            let byDay = try await connection.query("""
                SELECT to_char(to_timestamp(issued_at + 25200) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)
                FROM permit GROUP BY 1 ORDER BY 1
                """, logger: Self.logger).collect().map { try $0.decode((String, Int).self) }
            let sums = District.all.map { "coalesce(sum((zones >> \($0.bit)) & 1), 0)::bigint" }.joined(separator: ", ")
            let zoneRow = try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(sums) FROM permit"),
                                                     logger: Self.logger).collect()[0].makeRandomAccess()
            let byZone = try District.all.enumerated().map { index, district in (district, try zoneRow[index].decode(Int.self)) }
            return Statistics(total: total, byStatus: byStatus, byFirm: byFirm, byDay: byDay, byZone: byZone)
        }
    }

    public func renewalCandidates(run: Int64, firmID: String?, now: Int64) async throws(RegistryError)
        -> [PermitRecord]
    {
        try await transaction("reading renewal candidates") { connection in
            try await connection.query("""
                SELECT \(unescaped: Self.permitColumns) FROM permit p
                WHERE p.not_before <= \(now) AND p.expires_at > \(now)
                  AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = p.serial)
                  AND p.renewal_run IS DISTINCT FROM \(run)
                  AND (\(firmID)::text IS NULL OR p.firm_id = \(firmID))
                ORDER BY p.serial
                """, logger: Self.logger).collect().map { try Self.permit($0.makeRandomAccess()) }
        }
    }
}
