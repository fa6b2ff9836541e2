import Foundation
import GreenlaneStore
@testable import GreenlaneSQLiteStore
import Testing

/// Issue 16 (the request flow): `v12-endorsement-and-decisions` rebuilds the credential table (the endorser role)
/// and adds stages to requests; a registry from before keeps its credentials, enrolments and requests.
@Suite struct EndorsementMigrationTests {
    @Test func aServiceRegistryFromBeforeEndorsementKeepsItsCredentialsAndRequestsAtTheApprovalStage() async throws {
        let path = temporaryRegistryPath()
        _ = try SQLiteStore(path: path, migratedUpTo: "v10-service-credentials-and-requests")
        let hash = { (byte: String) in "X'" + String(repeating: byte, count: 32) + "'" }
        let shell = try SQLiteShell(path: path)
        let setup = shell.run("""
            PRAGMA foreign_keys = ON;
            INSERT INTO firm (id, legal_name, kind, licence, status, created_at)
                VALUES ('VNPOST', 'Bưu điện Việt Nam', 'postal', 'GP-1', 'active', 0);
            INSERT INTO service_credential VALUES ('cr-old', \(hash("01")), 'VNPOST', 'dispatcher', 'An', 0, NULL);
            INSERT INTO service_enrolment VALUES (\(hash("02")), 'VNPOST', 0, 100, 1, 'cr-old');
            INSERT INTO service_request (id, firm_id, credential_id, idempotency_key, body_hash, status, created_at)
                VALUES ('rq-old', 'VNPOST', 'cr-old', 'k1', \(hash("03")), 'pending', 5);
            INSERT INTO service_request_row VALUES ('rq-old', 0, '{}', 'accepted', NULL, NULL);
            """)
        #expect(setup.isEmpty, "\(setup)")
        // Fully migrated, whatever migrations come after v12 (migrating "up to v12" a file beyond it traps).
        let store = try SQLiteStore.uninitialised(path: path)
        let credential = try await store.credential(tokenHash: [UInt8](repeating: 1, count: 32))
        #expect(credential?.id == "cr-old" && credential?.role == .dispatcher && credential?.sector == nil)
        let request = try #require(try await store.serviceRequest("rq-old"))
        #expect(request.stage == .approval && !request.needsEndorsement && request.rows.count == 1)
        #expect(try await store.serviceQueue(ServiceQueueQuery(stage: .approval)).map(\.id) == ["rq-old"])
        let check = shell.run("PRAGMA foreign_key_check; PRAGMA integrity_check")
        #expect(check.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "\(check)")
        // The rebuilt table keeps its triggers: a credential's role never changes.
        let change = shell.run("UPDATE service_credential SET role = 'officer', firm_id = NULL WHERE id = 'cr-old'")
        #expect(change.contains("only ever revoked"), "\(change)")
    }
}
