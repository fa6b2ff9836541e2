public import GreenlaneStore
public import GreenlaneSupport
import GreenlaneFormat
import GRDB
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The service's credentials and requests (`v10-service-credentials-and-requests`), each change audited in
/// its own transaction. Hashes are compared by SQLite's index, never in Swift: the token itself never arrives.
extension SQLiteStore {
    // MARK: - Credentials

    public func addCredential(_ credential: ServiceCredential, context: AuditContext) async throws(RegistryError) {
        try Self.checkCredential(credential)
        try await write { db in try Self.insert(credential, db, context: context, action: "credential.add") }
    }

    public func credential(tokenHash: [UInt8]) async throws(RegistryError) -> ServiceCredential? {
        guard tokenHash.count == 32 else { return nil }
        return try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM service_credential WHERE token_hash = ?"),
                             arguments: [Data(tokenHash)]).map(Self.credential)
        }
    }

    public func revokeCredential(_ id: String, context: AuditContext) async throws(RegistryError) {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT revoked_at FROM service_credential WHERE id = ?",
                                             arguments: [id]) else {
                throw RegistryError(.unknownCredential, "no credential \(SafeText.escaped(id))")
            }
            if (row["revoked_at"] as Int64?) != nil {
                throw RegistryError(.alreadyRevoked, "credential \(id) is already revoked")
            }
            try db.execute(sql: "UPDATE service_credential SET revoked_at = ? WHERE id = ?",
                           arguments: [context.recordedAt, id])
            try SQLiteStore.audit(db, context, "credential.revoke", id)
        }
    }

    public func addEnrolment(_ enrolment: ServiceEnrolment, context: AuditContext) async throws(RegistryError) {
        guard enrolment.codeHash.count == 32 else {
            throw RegistryError(.invalidValue, "an enrolment hash is 32 bytes")
        }
        try await write { db in
            guard try SQLiteStore.fetchFirm(db, enrolment.firmID) != nil else {
                throw RegistryError(.unknownFirm, "firm \(SafeText.escaped(enrolment.firmID)) is not registered")
            }
            try db.execute(sql: """
                INSERT INTO service_enrolment (code_hash, firm_id, created_at, expires_at) VALUES (?, ?, ?, ?)
                """, arguments: [Data(enrolment.codeHash), enrolment.firmID, enrolment.createdAt, enrolment.expiresAt])
            try SQLiteStore.audit(db, context, "enrolment.add", enrolment.firmID,
                                  "expires \(Timestamp.rfc3339(enrolment.expiresAt))")
        }
    }

    public func redeemEnrolment(codeHash: [UInt8], credential: ServiceCredential, context: AuditContext)
        async throws(RegistryError) -> ServiceCredential
    {
        return try await write { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT firm_id FROM service_enrolment WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?
                """, arguments: [Data(codeHash), context.recordedAt])
            guard let firmID: String = row?["firm_id"] else {
                throw RegistryError(.unknownEnrolment, "no unused enrolment code matches")
            }
            var credential = credential
            credential.firmID = firmID
            credential.role = .dispatcher
            try Self.checkCredential(credential)
            try Self.insert(credential, db, context: context, action: "credential.enrol")
            try db.execute(sql: "UPDATE service_enrolment SET used_at = ?, credential_id = ? WHERE code_hash = ?",
                           arguments: [context.recordedAt, credential.id, Data(codeHash)])
            return credential
        }
    }

    static func checkCredential(_ credential: ServiceCredential) throws(RegistryError) {
        guard credential.tokenHash.count == 32 else { throw RegistryError(.invalidValue, "a token hash is 32 bytes") }
        guard (credential.role == .dispatcher) == (credential.firmID != nil) else {
            throw RegistryError(.invalidValue, "a dispatcher belongs to one firm, and only a dispatcher does")
        }
        try AuditText.check(credential.label, "the credential's label", maxLength: 200)
    }

    static func insert(_ credential: ServiceCredential, _ db: Database, context: AuditContext, action: String) throws {
        if let firmID = credential.firmID, try fetchFirm(db, firmID) == nil {
            throw RegistryError(.unknownFirm, "firm \(SafeText.escaped(firmID)) is not registered")
        }
        let taken = try Bool.fetchOne(db, sql: "SELECT 1 FROM service_credential WHERE id = ? OR token_hash = ?",
                                      arguments: [credential.id, Data(credential.tokenHash)]) ?? false
        if taken { throw RegistryError(.credentialExists, "credential \(credential.id) (or its token) exists") }
        try db.execute(sql: """
            INSERT INTO service_credential (id, token_hash, firm_id, role, label, created_at, revoked_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [credential.id, Data(credential.tokenHash), credential.firmID, credential.role.rawValue,
                             credential.label, credential.createdAt, credential.revokedAt])
        try audit(db, context, action, credential.id,
                  "\(credential.role.rawValue)\(credential.firmID.map { " · " + $0 } ?? "") · \(credential.label)")
    }

    static func credential(_ row: Row) -> ServiceCredential {
        ServiceCredential(
            id: row["id"], tokenHash: [UInt8](row["token_hash"] as Data), firmID: row["firm_id"],
            role: ServiceRole(rawValue: row["role"]) ?? .auditor, label: row["label"], createdAt: row["created_at"],
            revokedAt: row["revoked_at"])
    }

    // MARK: - Requests

    public func submitRequest(_ request: ServiceRequest, context: AuditContext) async throws(RegistryError)
        -> ServiceRequest
    {
        guard request.bodyHash.count == 32 else { throw RegistryError(.invalidValue, "a body hash is 32 bytes") }
        return try await write { db in
            if let key = request.idempotencyKey, let earlier = try String.fetchOne(db, sql: """
                SELECT id FROM service_request WHERE credential_id = ? AND idempotency_key = ?
                """, arguments: [request.credentialID, key]) {
                return try Self.fetchRequest(db, earlier)!
            }
            guard try SQLiteStore.fetchFirm(db, request.firmID) != nil else {
                throw RegistryError(.unknownFirm, "firm \(SafeText.escaped(request.firmID)) is not registered")
            }
            try db.execute(sql: """
                INSERT INTO service_request (id, firm_id, credential_id, idempotency_key, body_hash, status, created_at)
                VALUES (?, ?, ?, ?, ?, 'pending', ?)
                """, arguments: [request.id, request.firmID, request.credentialID, request.idempotencyKey,
                                 Data(request.bodyHash), request.createdAt])
            let insert = try db.cachedStatement(sql: """
                INSERT INTO service_request_row (request_id, row_index, payload, status, detail) VALUES (?, ?, ?, ?, ?)
                """)
            for row in request.rows {
                try insert.execute(arguments: [request.id, row.index, row.payload, row.status.rawValue, row.detail])
            }
            let accepted = request.rows.filter { $0.status == .accepted }.count
            try SQLiteStore.audit(db, context, "request.submit", request.id,
                                  "\(request.firmID) · \(request.rows.count) rows, \(accepted) accepted")
            return try Self.fetchRequest(db, request.id)!
        }
    }

    public func serviceRequest(_ id: String) async throws(RegistryError) -> ServiceRequest? {
        try await read { db in try Self.fetchRequest(db, id) }
    }

    public func decideRequest(_ id: String, _ decision: ServiceRequest.Status, context: AuditContext)
        async throws(RegistryError) -> ServiceRequest
    {
        guard decision != .pending else { throw RegistryError(.invalidValue, "a decision approves or refuses") }
        return try await write { db in
            guard let request = try Self.fetchRequest(db, id) else {
                throw RegistryError(.unknownRequest, "no request \(SafeText.escaped(id))")
            }
            guard request.status == .pending else {
                throw RegistryError(.alreadyDecided, "request \(id) was already \(request.status.rawValue)")
            }
            try db.execute(sql: "UPDATE service_request SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                           arguments: [decision.rawValue, context.account, context.recordedAt, id])
            try SQLiteStore.audit(db, context, decision == .approved ? "request.approve" : "request.refuse", id)
            return try Self.fetchRequest(db, id)!
        }
    }

    public func recordRowOutcomes(_ id: String, _ outcomes: [ServiceRowOutcome], context: AuditContext)
        async throws(RegistryError) -> ServiceRequest
    {
        try await write { db in
            guard let status = try String.fetchOne(db, sql: "SELECT status FROM service_request WHERE id = ?",
                                                   arguments: [id]), status == "approved" else {
                throw RegistryError(.unknownRequest, "no approved request \(SafeText.escaped(id))")
            }
            let update = try db.cachedStatement(sql: """
                UPDATE service_request_row SET status = ?, serial = ?, detail = ?
                WHERE request_id = ? AND row_index = ? AND status = 'accepted'
                """)
            for outcome in outcomes {
                let status = outcome.serial == nil ? "not-issued" : "issued"
                try update.execute(arguments: [status, outcome.serial, outcome.detail, id, outcome.index])
            }
            let issued = outcomes.filter { $0.serial != nil }.count
            try SQLiteStore.audit(db, context, "request.issue", id, "\(issued) of \(outcomes.count) rows issued")
            return try Self.fetchRequest(db, id)!
        }
    }

    static func fetchRequest(_ db: Database, _ id: String) throws -> ServiceRequest? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM service_request WHERE id = ?", arguments: [id]) else {
            return nil
        }
        let rows = try Row.fetchAll(db, sql: """
            SELECT * FROM service_request_row WHERE request_id = ? ORDER BY row_index
            """, arguments: [id]).map { row in
            ServiceRequest.Row(
                index: row["row_index"], payload: row["payload"],
                status: ServiceRequest.Row.Status(rawValue: row["status"]) ?? .refused, detail: row["detail"],
                serial: row["serial"])
        }
        return ServiceRequest(
            id: row["id"], firmID: row["firm_id"], credentialID: row["credential_id"],
            idempotencyKey: row["idempotency_key"], bodyHash: [UInt8](row["body_hash"] as Data),
            status: ServiceRequest.Status(rawValue: row["status"]) ?? .pending, createdAt: row["created_at"],
            decidedBy: row["decided_by"], decidedAt: row["decided_at"], rows: rows)
    }
}
