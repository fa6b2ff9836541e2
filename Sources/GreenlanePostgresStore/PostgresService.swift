public import GreenlaneStore
public import GreenlaneSupport
import GreenlaneFormat
import PostgresNIO

/// The service's credentials and requests (`v4-service-credentials-and-requests`), each change audited in its
/// own transaction, as on SQLite. Hashes are compared by PostgreSQL's index, never in Swift.
///
/// Concurrent writers: what a change depends on is locked before it is read (the enrolment, the request
/// `FOR UPDATE`), so a second redeemer or decider waits and then sees the first's result, and gets the same
/// refusal SQLite's single writer gives; an idempotency key taken meanwhile is found, not failed on.
extension PostgresStore {
    // MARK: - Credentials

    public func addCredential(_ credential: ServiceCredential, context: AuditContext) async throws(RegistryError) {
        try Self.checkCredential(credential)
        try await transaction("adding credential \(credential.id)") { connection in
            try await Self.insert(credential, connection, context: context, action: "credential.add")
        }
    }

    public func credential(tokenHash: [UInt8]) async throws(RegistryError) -> ServiceCredential? {
        guard tokenHash.count == 32 else { return nil }
        return try await transaction("reading a credential") { connection in
            try await connection.query("""
                SELECT \(unescaped: Self.credentialColumns) FROM service_credential
                WHERE token_hash = \(ByteBuffer(bytes: tokenHash))
                """, logger: Self.logger).collect().first.map(Self.credential)
        }
    }

    public func revokeCredential(_ id: String, context: AuditContext) async throws(RegistryError) {
        try await transaction("revoking credential \(id)") { connection in
            guard let row = try await connection.query(
                "SELECT revoked_at FROM service_credential WHERE id = \(id) FOR UPDATE", logger: Self.logger
            ).collect().first else {
                throw RegistryError(.unknownCredential, "no credential \(SafeText.escaped(id))")
            }
            if try row.decode(Int64?.self) != nil {
                throw RegistryError(.alreadyRevoked, "credential \(id) is already revoked")
            }
            try await connection.query(
                "UPDATE service_credential SET revoked_at = \(context.recordedAt) WHERE id = \(id)", logger: Self.logger)
            try await Self.audit(connection, context, "credential.revoke", id)
        }
    }

    public func addEnrolment(_ enrolment: ServiceEnrolment, context: AuditContext) async throws(RegistryError) {
        guard enrolment.codeHash.count == 32 else {
            throw RegistryError(.invalidValue, "an enrolment hash is 32 bytes")
        }
        try await transaction("adding an enrolment for \(enrolment.firmID)") { connection in
            guard try await Self.fetchFirm(connection, enrolment.firmID, lock: "FOR SHARE") != nil else {
                throw RegistryError(.unknownFirm, "firm \(SafeText.escaped(enrolment.firmID)) is not registered")
            }
            try await connection.query("""
                INSERT INTO service_enrolment (code_hash, firm_id, created_at, expires_at)
                VALUES (\(ByteBuffer(bytes: enrolment.codeHash)), \(enrolment.firmID), \(enrolment.createdAt),
                        \(enrolment.expiresAt))
                """, logger: Self.logger)
            try await Self.audit(connection, context, "enrolment.add", enrolment.firmID,
                                 "expires \(Timestamp.rfc3339(enrolment.expiresAt))")
        }
    }

    public func redeemEnrolment(codeHash: [UInt8], credential: ServiceCredential, context: AuditContext)
        async throws(RegistryError) -> ServiceCredential
    {
        try await transaction("redeeming an enrolment") { connection in
            // Locked: a second redeemer of the same code waits, then reads it used and is refused.
            guard let firmID = try await connection.query("""
                SELECT firm_id FROM service_enrolment
                WHERE code_hash = \(ByteBuffer(bytes: codeHash)) AND used_at IS NULL
                  AND expires_at > \(context.recordedAt)
                FOR UPDATE
                """, logger: Self.logger).collect().first.map({ try $0.decode(String.self) }) else {
                throw RegistryError(.unknownEnrolment, "no unused enrolment code matches")
            }
            var credential = credential
            credential.firmID = firmID
            credential.role = .dispatcher
            try Self.checkCredential(credential)
            try await Self.insert(credential, connection, context: context, action: "credential.enrol")
            try await connection.query("""
                UPDATE service_enrolment SET used_at = \(context.recordedAt), credential_id = \(credential.id)
                WHERE code_hash = \(ByteBuffer(bytes: codeHash))
                """, logger: Self.logger)
            return credential
        }
    }

    static func checkCredential(_ credential: ServiceCredential) throws(RegistryError) {
        guard credential.tokenHash.count == 32 else { throw RegistryError(.invalidValue, "a token hash is 32 bytes") }
        guard (credential.role == .dispatcher) == (credential.firmID != nil) else {
            throw RegistryError(.invalidValue, "a dispatcher belongs to one firm, and only a dispatcher does")
        }
        guard (credential.role == .endorser) == (credential.sector != nil) else {
            throw RegistryError(.invalidValue, "an endorser belongs to one sector, and only an endorser does")
        }
        try AuditText.check(credential.label, "the credential's label", maxLength: 200)
    }

    static func insert(_ credential: ServiceCredential, _ connection: PostgresConnection, context: AuditContext,
                       action: String) async throws {
        if let firmID = credential.firmID, try await fetchFirm(connection, firmID, lock: "FOR SHARE") == nil {
            throw RegistryError(.unknownFirm, "firm \(SafeText.escaped(firmID)) is not registered")
        }
        let hash = ByteBuffer(bytes: credential.tokenHash)
        // The keys decide between two adding at once (describe maps their names); this gives the usual reason.
        if try await connection.query(
            "SELECT 1 FROM service_credential WHERE id = \(credential.id) OR token_hash = \(hash)", logger: logger
        ).collect().first != nil {
            throw RegistryError(.credentialExists, "credential \(credential.id) (or its token) exists")
        }
        try await connection.query("""
            INSERT INTO service_credential (id, token_hash, firm_id, role, label, created_at, revoked_at, sector)
            VALUES (\(credential.id), \(hash), \(credential.firmID), \(credential.role.rawValue), \(credential.label),
                    \(credential.createdAt), \(credential.revokedAt), \(credential.sector?.rawValue))
            """, logger: logger)
        let bound = credential.firmID ?? credential.sector.map { "sector " + $0.rawValue }
        try await audit(connection, context, action, credential.id,
                        "\(credential.role.rawValue)\(bound.map { " · " + $0 } ?? "") · \(credential.label)")
    }

    static let credentialColumns = "id, token_hash, firm_id, role, label, created_at, revoked_at, sector"

    static func credential(_ row: PostgresRow) throws -> ServiceCredential {
        let (id, hash, firm, role, label, created, revoked, sector) =
            try row.decode((String, ByteBuffer, String?, String, String, Int64, Int64?, String?).self)
        guard let role = ServiceRole(rawValue: role) else {
            throw RegistryError(.database, "credential \(id): stored role is unknown")
        }
        return ServiceCredential(id: id, tokenHash: Array(hash.readableBytesView), firmID: firm, role: role,
                                 label: label, createdAt: created, revokedAt: revoked,
                                 sector: sector.flatMap(Firm.Kind.init(rawValue:)))
    }

    // MARK: - Requests

    public func submitRequest(_ request: ServiceRequest, context: AuditContext) async throws(RegistryError)
        -> ServiceRequest
    {
        guard request.bodyHash.count == 32 else { throw RegistryError(.invalidValue, "a body hash is 32 bytes") }
        return try await transaction("submitting request \(request.id)") { connection in
            guard try await Self.fetchFirm(connection, request.firmID, lock: "FOR SHARE") != nil else {
                throw RegistryError(.unknownFirm, "firm \(SafeText.escaped(request.firmID)) is not registered")
            }
            // A retry racing the first submission waits on the key, then finds the first one (a new statement
            // reads what was committed meanwhile).
            let inserted = try await connection.query("""
                INSERT INTO service_request
                    (id, firm_id, credential_id, idempotency_key, body_hash, status, created_at, needs_endorsement)
                VALUES (\(request.id), \(request.firmID), \(request.credentialID), \(request.idempotencyKey),
                        \(ByteBuffer(bytes: request.bodyHash)), 'pending', \(request.createdAt),
                        \(request.needsEndorsement))
                ON CONFLICT (credential_id, idempotency_key) DO NOTHING
                RETURNING id
                """, logger: Self.logger).collect()
            if inserted.isEmpty, let key = request.idempotencyKey {
                guard let earlier = try await connection.query("""
                    SELECT id FROM service_request WHERE credential_id = \(request.credentialID)
                      AND idempotency_key = \(key)
                    """, logger: Self.logger).collect().first.map({ try $0.decode(String.self) }),
                    let found = try await Self.fetchRequest(connection, earlier)
                else { throw RegistryError(.database, "request \(request.id): its idempotency key vanished") }
                return found
            }
            if !request.rows.isEmpty {
                var binds = PostgresBindings(capacity: request.rows.count * 5)
                for row in request.rows {
                    binds.append(request.id); binds.append(Int64(row.index)); binds.append(row.payload)
                    binds.append(row.status.rawValue); binds.append(row.detail)
                }
                try await connection.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO service_request_row (request_id, row_index, payload, status, detail)
                    VALUES \(Self.placeholders(rows: request.rows.count, columns: 5))
                    """, binds: binds), logger: Self.logger)
            }
            let accepted = request.rows.filter { $0.status == .accepted }.count
            try await Self.audit(connection, context, "request.submit", request.id,
                                 "\(request.firmID) · \(request.rows.count) rows, \(accepted) accepted")
            guard let stored = try await Self.fetchRequest(connection, request.id) else {
                throw RegistryError(.database, "request \(request.id) was not recorded")
            }
            return stored
        }
    }

    public func serviceRequest(_ id: String) async throws(RegistryError) -> ServiceRequest? {
        try await transaction("reading request \(id)") { connection in try await Self.fetchRequest(connection, id) }
    }

    public func decideRequest(_ id: String, _ decision: ServiceRequest.Status, context: AuditContext)
        async throws(RegistryError) -> ServiceRequest
    {
        guard decision != .pending else { throw RegistryError(.invalidValue, "a decision approves or refuses") }
        return try await transaction("deciding request \(id)") { connection in
            // Locked: a second decider waits, then reads the first's decision.
            guard let (status, stage) = try await connection.query(
                "SELECT status, stage FROM service_request WHERE id = \(id) FOR UPDATE", logger: Self.logger
            ).collect().first.map({ try $0.decode((String, String?).self) }) else {
                throw RegistryError(.unknownRequest, "no request \(SafeText.escaped(id))")
            }
            guard status == ServiceRequest.Status.pending.rawValue else {
                throw RegistryError(.alreadyDecided, "request \(id) was already \(status)")
            }
            if decision == .approved, stage == ServiceRequest.Stage.endorsement.rawValue {
                throw RegistryError(.awaitingEndorsement, "request \(id) is waiting for its sector's endorsement")
            }
            let reason: String? = decision == .refused ? "refusal.other" : nil
            try await connection.query("""
                UPDATE service_request SET status = \(decision.rawValue), decided_by = \(context.account),
                    decided_at = \(context.recordedAt), refusal_reason = \(reason)
                WHERE id = \(id)
                """, logger: Self.logger)
            try await Self.audit(connection, context, decision == .approved ? "request.approve" : "request.refuse", id)
            guard let request = try await Self.fetchRequest(connection, id) else {
                throw RegistryError(.unknownRequest, "no request \(SafeText.escaped(id))")
            }
            return request
        }
    }

    public func recordRowOutcomes(_ id: String, _ outcomes: [ServiceRowOutcome], context: AuditContext)
        async throws(RegistryError) -> ServiceRequest
    {
        try await transaction("recording what request \(id) issued") { connection in
            guard let status = try await connection.query(
                "SELECT status FROM service_request WHERE id = \(id) FOR UPDATE", logger: Self.logger
            ).collect().first.map({ try $0.decode(String.self) }), status == "approved" else {
                throw RegistryError(.unknownRequest, "no approved request \(SafeText.escaped(id))")
            }
            for outcome in outcomes {
                let status = outcome.serial == nil ? "not-issued" : "issued"
                try await connection.query("""
                    UPDATE service_request_row SET status = \(status), serial = \(outcome.serial),
                        detail = \(outcome.detail)
                    WHERE request_id = \(id) AND row_index = \(Int64(outcome.index)) AND status = 'accepted'
                    """, logger: Self.logger)
            }
            let issued = outcomes.filter { $0.serial != nil }.count
            try await Self.audit(connection, context, "request.issue", id, "\(issued) of \(outcomes.count) rows issued")
            guard let request = try await Self.fetchRequest(connection, id) else {
                throw RegistryError(.unknownRequest, "no request \(SafeText.escaped(id))")
            }
            return request
        }
    }

    static func fetchRequest(_ connection: PostgresConnection, _ id: String) async throws -> ServiceRequest? {
        guard let row = try await connection.query("""
            SELECT id, firm_id, credential_id, idempotency_key, body_hash, status, created_at, decided_by, decided_at,
                   needs_endorsement, endorsed_by, endorsed_at, refusal_reason, refusal_note
            FROM service_request WHERE id = \(id)
            """, logger: logger).collect().first else { return nil }
        let (rid, firm, credential, key, body, status, created, decidedBy, decidedAt, needsEndorsement, endorsedBy,
             endorsedAt, refusalReason, refusalNote) =
            try row.decode((String, String, String, String?, ByteBuffer, String, Int64, String?, Int64?,
                            Bool, String?, Int64?, String?, String?).self)
        let rows = try await connection.query("""
            SELECT row_index, payload, status, detail, serial FROM service_request_row WHERE request_id = \(id)
            ORDER BY row_index
            """, logger: logger).collect().map { row in
            let (index, payload, status, detail, serial) = try row.decode((Int64, String, String, String?, String?).self)
            return ServiceRequest.Row(index: Int(index), payload: payload,
                                      status: ServiceRequest.Row.Status(rawValue: status) ?? .refused, detail: detail,
                                      serial: serial)
        }
        return ServiceRequest(
            id: rid, firmID: firm, credentialID: credential, idempotencyKey: key,
            bodyHash: Array(body.readableBytesView), status: ServiceRequest.Status(rawValue: status) ?? .pending,
            createdAt: created, decidedBy: decidedBy, decidedAt: decidedAt, rows: rows,
            needsEndorsement: needsEndorsement, endorsedBy: endorsedBy, endorsedAt: endorsedAt,
            refusalReason: refusalReason, refusalNote: refusalNote)
    }
}
