public import GreenlaneStore
public import GreenlaneSupport
import GRDB

/// Decisions on whole lists of requests (`v12-endorsement-and-decisions`), the officers' queue and the firms'
/// lists. A list is decided in one IMMEDIATE transaction with cached statements: 10,000 requests are one commit.
extension SQLiteStore {
    public func decideRequests(_ ids: [String], _ decision: ServiceDecision, context: AuditContext,
                               check: @escaping @Sendable (ServiceRequestFacts) -> RegistryError?)
        async throws(RegistryError) -> [ServiceDecisionResult]
    {
        try decision.validate()
        return try await write { db in
            let read = try db.cachedStatement(sql: Self.summarySQL + " WHERE r.id = ?")
            let update: Statement
            switch decision.kind {
            case .endorse:
                update = try db.cachedStatement(sql: """
                    UPDATE service_request SET endorsed_by = ?, endorsed_at = ? WHERE id = ? AND stage = 'endorsement'
                    """)
            case .approve:
                update = try db.cachedStatement(sql: """
                    UPDATE service_request SET status = 'approved', decided_by = ?, decided_at = ?
                    WHERE id = ? AND stage = 'approval'
                    """)
            case .refuse:
                update = try db.cachedStatement(sql: """
                    UPDATE service_request SET status = 'refused', decided_by = ?, decided_at = ?, refusal_reason = ?,
                        refusal_note = ?
                    WHERE id = ? AND status = 'pending'
                    """)
            }
            var seen: Set<String> = []
            var results: [ServiceDecisionResult] = []
            results.reserveCapacity(ids.count)
            for id in ids {
                func refuse(_ error: RegistryError) { results.append(.init(id: id, outcome: .refused(error))) }
                guard seen.insert(id).inserted else {
                    refuse(RegistryError(.invalidValue, "request \(SafeText.escaped(id)) is in the list twice"))
                    continue
                }
                guard var summary = try Row.fetchOne(read, arguments: [id]).map(Self.summary) else {
                    refuse(RegistryError(.unknownRequest, "no request \(SafeText.escaped(String(id.prefix(64))))"))
                    continue
                }
                let facts = ServiceRequestFacts(id: summary.id, firmID: summary.firmID, sector: summary.sector,
                                                status: summary.status, stage: summary.stage)
                if let problem = check(facts) ?? decision.kind.problem(with: summary) {
                    refuse(problem)
                    continue
                }
                let detail: String?
                switch decision.kind {
                case .endorse:
                    try update.execute(arguments: [context.account, context.recordedAt, id])
                    summary.endorsedAt = context.recordedAt
                    summary.stage = .approval
                    detail = decision.note
                case .approve:
                    try update.execute(arguments: [context.account, context.recordedAt, id])
                    summary.status = .approved
                    detail = decision.note
                case .refuse:
                    try update.execute(arguments: [context.account, context.recordedAt, decision.reason, decision.note,
                                                   id])
                    summary.status = .refused
                    summary.refusalReason = decision.reason
                    detail = [decision.reason, decision.note].compactMap { $0 }.joined(separator: " · ")
                }
                if decision.kind != .endorse {
                    summary.stage = nil
                    summary.decidedAt = context.recordedAt
                }
                try SQLiteStore.audit(db, context, "request.\(decision.kind.rawValue)", id, detail)
                results.append(.init(id: id, outcome: .decided(summary)))
            }
            return results
        }
    }

    public func serviceQueue(_ query: ServiceQueueQuery) async throws(RegistryError) -> [ServiceRequestSummary] {
        guard query.limit > 0 else { throw RegistryError(.invalidValue, "a queue page holds at least one request") }
        return try await read { db in
            var sql = Self.summarySQL + " WHERE r.stage = ?"
            var arguments: StatementArguments = [query.stage.rawValue]
            if let sector = query.sector {
                sql += " AND f.kind = ?"
                arguments += [sector.rawValue]
            }
            if let after = query.after {
                try Self.requireRequest(db, after)
                sql += " AND (r.created_at, r.id) > (SELECT created_at, id FROM service_request WHERE id = ?)"
                arguments += [after]
            }
            sql += " ORDER BY r.created_at, r.id LIMIT ?"
            arguments += [query.limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.summary)
        }
    }

    public func serviceRequests(firmID: String?, after: String?, limit: Int) async throws(RegistryError)
        -> [ServiceRequestSummary]
    {
        guard limit > 0 else { throw RegistryError(.invalidValue, "a page holds at least one request") }
        return try await read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let firmID {
                conditions.append("r.firm_id = ?")
                arguments += [firmID]
            }
            if let after {
                try Self.requireRequest(db, after, firmID: firmID)
                conditions.append("(r.created_at, r.id) < (SELECT created_at, id FROM service_request WHERE id = ?)")
                arguments += [after]
            }
            var sql = Self.summarySQL
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY r.created_at DESC, r.id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.summary)
        }
    }

    // MARK: - Helpers

    /// `unknownRequest` unless `id` names a request (of `firmID`, when given): a page cursor the caller could
    /// not have been given is refused rather than read as "from the start".
    static func requireRequest(_ db: Database, _ id: String, firmID: String? = nil) throws {
        let firm = try String.fetchOne(db, sql: "SELECT firm_id FROM service_request WHERE id = ?", arguments: [id])
        guard let firm, firmID == nil || firm == firmID else {
            throw RegistryError(.unknownRequest, "no request \(SafeText.escaped(String(id.prefix(64))))")
        }
    }

    static let summarySQL = """
        SELECT r.id, r.firm_id, f.kind, r.status, r.stage, r.created_at, r.decided_at, r.endorsed_at, r.refusal_reason,
            (SELECT count(*) FROM service_request_row w WHERE w.request_id = r.id) AS row_count,
            (SELECT count(*) FROM service_request_row w WHERE w.request_id = r.id AND w.status = 'accepted')
                AS accepted_count,
            (SELECT count(*) FROM service_request_row w WHERE w.request_id = r.id AND w.status = 'issued')
                AS issued_count
        FROM service_request r LEFT JOIN firm f ON f.id = r.firm_id
        """

    static func summary(_ row: Row) -> ServiceRequestSummary {
        ServiceRequestSummary(
            id: row["id"], firmID: row["firm_id"], sector: (row["kind"] as String?).flatMap(Firm.Kind.init(rawValue:)),
            status: ServiceRequest.Status(rawValue: row["status"]) ?? .pending,
            stage: (row["stage"] as String?).flatMap(ServiceRequest.Stage.init(rawValue:)),
            createdAt: row["created_at"], decidedAt: row["decided_at"], endorsedAt: row["endorsed_at"],
            refusalReason: row["refusal_reason"], rows: row["row_count"], acceptedRows: row["accepted_count"],
            issuedRows: row["issued_count"])
    }
}
