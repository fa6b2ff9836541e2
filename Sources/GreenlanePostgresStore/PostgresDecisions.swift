public import GreenlaneStore
public import GreenlaneSupport
import PostgresNIO

/// Decisions on whole lists of requests (`v6-endorsement-and-decisions`), the officers' queue and the firms'
/// lists, as on SQLite. A list is one transaction of a fixed number of statements whatever its length: the
/// requests are locked (`FOR UPDATE`, in id order, so two lists over the same requests wait for each other
/// instead of deadlocking) before their facts are read, so a second decider waits and then sees the first's
/// decision; the changes and their audit entries are one statement each.
extension PostgresStore {
    public func decideRequests(_ ids: [String], _ decision: ServiceDecision, context: AuditContext,
                               check: @escaping @Sendable (ServiceRequestFacts) -> RegistryError?)
        async throws(RegistryError) -> [ServiceDecisionResult]
    {
        try decision.validate()
        let unique = Array(Set(ids))
        return try await transaction("deciding \(ids.count) requests") { connection in
            try await connection.query(
                "SELECT id FROM service_request WHERE id = ANY(\(unique)) ORDER BY id FOR UPDATE", logger: Self.logger)
            var found: [String: ServiceRequestSummary] = [:]
            var read = Self.summaryQuery(where: "r.id = ANY($1)", [])
            read.binds.append(unique)
            for summary in try await connection.query(read, logger: Self.logger).collect().map(Self.summary) {
                found[summary.id] = summary
            }
            var seen: Set<String> = []
            var decided: [String] = []
            var results: [ServiceDecisionResult] = []
            results.reserveCapacity(ids.count)
            for id in ids {
                func refuse(_ error: RegistryError) { results.append(.init(id: id, outcome: .refused(error))) }
                guard seen.insert(id).inserted else {
                    refuse(RegistryError(.invalidValue, "request \(SafeText.escaped(id)) is in the list twice"))
                    continue
                }
                guard var summary = found[id] else {
                    refuse(RegistryError(.unknownRequest, "no request \(SafeText.escaped(String(id.prefix(64))))"))
                    continue
                }
                let facts = ServiceRequestFacts(id: summary.id, firmID: summary.firmID, sector: summary.sector,
                                                status: summary.status, stage: summary.stage)
                if let problem = check(facts) ?? decision.kind.problem(with: summary) {
                    refuse(problem)
                    continue
                }
                switch decision.kind {
                case .endorse:
                    summary.endorsedAt = context.recordedAt
                    summary.stage = .approval
                case .approve:
                    summary.status = .approved
                case .refuse:
                    summary.status = .refused
                    summary.refusalReason = decision.reason
                }
                if decision.kind != .endorse {
                    summary.stage = nil
                    summary.decidedAt = context.recordedAt
                }
                decided.append(id)
                results.append(.init(id: id, outcome: .decided(summary)))
            }
            guard !decided.isEmpty else { return results }
            let (account, at) = (context.account, context.recordedAt)
            let changed: Int
            switch decision.kind {
            case .endorse:
                changed = try await connection.query("""
                    UPDATE service_request SET endorsed_by = \(account), endorsed_at = \(at)
                    WHERE id = ANY(\(decided)) AND stage = 'endorsement' RETURNING id
                    """, logger: Self.logger).collect().count
            case .approve:
                changed = try await connection.query("""
                    UPDATE service_request SET status = 'approved', decided_by = \(account), decided_at = \(at)
                    WHERE id = ANY(\(decided)) AND stage = 'approval' RETURNING id
                    """, logger: Self.logger).collect().count
            case .refuse:
                changed = try await connection.query("""
                    UPDATE service_request SET status = 'refused', decided_by = \(account), decided_at = \(at),
                        refusal_reason = \(decision.reason), refusal_note = \(decision.note)
                    WHERE id = ANY(\(decided)) AND status = 'pending' RETURNING id
                    """, logger: Self.logger).collect().count
            }
            // Locked and checked above: anything else is a bug, and nothing of the list is kept.
            guard changed == decided.count else {
                throw RegistryError(.database, "deciding requests: \(changed) of \(decided.count) changed")
            }
            let action = "request.\(decision.kind.rawValue)"
            let detail = decision.kind == .refuse
                ? [decision.reason, decision.note].compactMap { $0 }.joined(separator: " · ") : decision.note
            for (text, what) in [(action, "audit action"), (detail, "audit detail")] {
                if let text { try AuditText.check(text, what, maxLength: 1_000) }
            }
            for id in decided { try AuditText.check(id, "audit subject", maxLength: 1_000) }
            try await connection.query("""
                INSERT INTO audit_log (at, pinned_at, actor, on_behalf_of, action, subject, detail)
                SELECT \(at), \(context.pinnedAt), \(account), \(context.onBehalfOf), \(action), u.subject, \(detail)
                FROM unnest(\(decided)::text[]) WITH ORDINALITY AS u(subject, n) ORDER BY u.n
                """, logger: Self.logger)
            return results
        }
    }

    public func serviceQueue(_ query: ServiceQueueQuery) async throws(RegistryError) -> [ServiceRequestSummary] {
        guard query.limit > 0 else { throw RegistryError(.invalidValue, "a queue page holds at least one request") }
        return try await transaction("reading the queue") { connection in
            var conditions = ["r.stage = $1"]
            var values: [String] = [query.stage.rawValue]
            if let sector = query.sector {
                values.append(sector.rawValue)
                conditions.append("f.kind = $\(values.count)")
            }
            if let after = query.after {
                try await Self.requireRequest(connection, after)
                values.append(after)
                conditions.append(
                    "(r.created_at, r.id) > (SELECT created_at, id FROM service_request WHERE id = $\(values.count))")
            }
            let sql = conditions.joined(separator: " AND ") + " ORDER BY r.created_at, r.id LIMIT \(query.limit)"
            return try await connection.query(Self.summaryQuery(where: sql, values), logger: Self.logger)
                .collect().map(Self.summary)
        }
    }

    public func serviceRequests(firmID: String?, after: String?, limit: Int) async throws(RegistryError)
        -> [ServiceRequestSummary]
    {
        guard limit > 0 else { throw RegistryError(.invalidValue, "a page holds at least one request") }
        return try await transaction("listing requests") { connection in
            var conditions = ["true"]
            var values: [String] = []
            if let firmID {
                values.append(firmID)
                conditions.append("r.firm_id = $\(values.count)")
            }
            if let after {
                try await Self.requireRequest(connection, after, firmID: firmID)
                values.append(after)
                conditions.append(
                    "(r.created_at, r.id) < (SELECT created_at, id FROM service_request WHERE id = $\(values.count))")
            }
            let sql = conditions.joined(separator: " AND ") + " ORDER BY r.created_at DESC, r.id DESC LIMIT \(limit)"
            return try await connection.query(Self.summaryQuery(where: sql, values), logger: Self.logger)
                .collect().map(Self.summary)
        }
    }

    // MARK: - Helpers

    /// `unknownRequest` unless `id` names a request (of `firmID`, when given): a page cursor the caller could
    /// not have been given is refused rather than read as "from the start".
    static func requireRequest(_ connection: PostgresConnection, _ id: String, firmID: String? = nil) async throws {
        let firm = try await connection.query("SELECT firm_id FROM service_request WHERE id = \(id)", logger: logger)
            .collect().first.map { try $0.decode(String.self) }
        guard let firm, firmID == nil || firm == firmID else {
            throw RegistryError(.unknownRequest, "no request \(SafeText.escaped(String(id.prefix(64))))")
        }
    }

    /// The summaries of the requests `condition` selects (`$1`… are `values`, in order; a LIMIT is an integer
    /// this code wrote, never a caller's text).
    static func summaryQuery(where condition: String, _ values: [String]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: values.count)
        for value in values { binds.append(value) }
        return PostgresQuery(unsafeSQL: """
            SELECT r.id, r.firm_id, f.kind, r.status, r.stage, r.created_at, r.decided_at, r.endorsed_at,
                r.refusal_reason,
                (SELECT count(*) FROM service_request_row w WHERE w.request_id = r.id),
                (SELECT count(*) FROM service_request_row w WHERE w.request_id = r.id AND w.status = 'accepted'),
                (SELECT count(*) FROM service_request_row w WHERE w.request_id = r.id AND w.status = 'issued')
            FROM service_request r LEFT JOIN firm f ON f.id = r.firm_id
            WHERE \(condition)
            """, binds: binds)
    }

    static func summary(_ row: PostgresRow) throws -> ServiceRequestSummary {
        let (id, firm, kind, status, stage, created, decided, endorsed, reason, rows, accepted, issued) =
            try row.decode((String, String, String?, String, String?, Int64, Int64?, Int64?, String?, Int64, Int64,
                            Int64).self)
        return ServiceRequestSummary(
            id: id, firmID: firm, sector: kind.flatMap(Firm.Kind.init(rawValue:)),
            status: ServiceRequest.Status(rawValue: status) ?? .pending,
            stage: stage.flatMap(ServiceRequest.Stage.init(rawValue:)), createdAt: created, decidedAt: decided,
            endorsedAt: endorsed, refusalReason: reason, rows: Int(rows), acceptedRows: Int(accepted),
            issuedRows: Int(issued))
    }
}
