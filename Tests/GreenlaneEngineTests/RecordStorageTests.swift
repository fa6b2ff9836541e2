import GreenlaneEngine
import GreenlaneFormat
import GreenlaneStore
import GreenlaneSQLiteStore
import Testing

/// PermitRecord is written column by column and read back through Decodable: the two must agree on every
/// column, replacement links and the window included.
@Suite struct RecordStorageTests {
    @Test func everyColumnOfAnIssuedPermitReadsBackUnchanged() async throws {
        let (engine, registry) = try await makeEngine()
        let (first, _) = try await issueAll(
            engine, [request(plate: "29C-400.01"), request(plate: "29C-400.02", vehicleClass: "car")])
        let (second, _) = try await issueAll(engine, [request(plate: "29C-400.01", zones: "dong-da")], replace: true)
        var issued: [PermitRecord] = []
        for result in first + second {
            guard case .issued(let record, _) = result else {
                Issue.record("every row must be issued: \(result)")
                continue
            }
            issued.append(record)
        }
        #expect(issued.count == 3)
        #expect(issued[2].replaces == issued[0].serial)
        #expect(issued.contains { $0.windowStart == nil } && issued.contains { $0.windowStart != nil })
        for record in issued {
            #expect(try await registry.permit(record.serial, at: issueTime)?.permit == record)
        }
    }

    /// Issued permits, one revoked, and their audit entries; then every UPDATE and DELETE the triggers forbid,
    /// through the sqlite3 command line (another client than greenlane), on rows that exist.
    @Test func appendOnlyTablesRefuseUpdatesAndDeletesOfRowsThatExist() async throws {
        let (engine, registry) = try await makeEngine()
        let (results, _) = try await issueAll(engine, [request(plate: "29C-600.01"), request(plate: "29C-600.02")])
        #expect(serials(results) == ["HN-000001", "HN-000002"])
        try await registry.revoke("HN-000001", reason: .lost, context: testContext(issueTime))
        let db = try SQLiteShell(path: registry.path)
        let snapshot = """
            SELECT count(*), group_concat(serial || code || expires_at || plate, ';') FROM permit;
            SELECT count(*), group_concat(serial || revoked_at || reason, ';') FROM revocation;
            SELECT count(*), group_concat(id || at || actor || action, ';') FROM audit_log;
            """
        let before = db.run(snapshot)
        #expect(before.hasPrefix("2|") && before.contains("\n1|HN-000001") && before.contains("\n6|"), "\(before)")
        for (sql, message) in [
            ("DELETE FROM permit WHERE serial = 'HN-000002'", "permits are never deleted; revoke them"),
            ("DELETE FROM permit", "permits are never deleted; revoke them"),
            ("UPDATE permit SET expires_at = expires_at + 86400 WHERE serial = 'HN-000002'",
             "permits are never changed; revoke and issue a new one"),
            ("UPDATE permit SET plate = '29C-600.02', code = code || 'X'",
             "permits are never changed; revoke and issue a new one"),
            ("DELETE FROM revocation WHERE serial = 'HN-000001'", "revocations are never deleted"),
            ("UPDATE revocation SET reason = 'found'", "revocations are never changed"),
            ("UPDATE audit_log SET actor = 'someone-else'", "the audit log is append-only"),
            ("DELETE FROM audit_log WHERE action = 'permit.revoke'", "the audit log is append-only"),
        ] {
            let output = db.run(sql)
            #expect(output.contains(message + " (19)") || output.hasSuffix(message + "\n"), "\(sql): \(output)")
        }
        #expect(db.run(snapshot) == before, "a refused statement changed nothing")
        #expect(try await registry.permit("HN-000001", at: issueTime)?.revocation?.reason == "lost")
        let badFirm = "INSERT INTO firm (id, legal_name, kind, licence, created_at) VALUES ('bad id', 'x', 'postal', 'L9', 0)"
        #expect(db.run(badFirm).contains("CHECK constraint failed"))
    }

    /// `permit(_:at:)` gives the status `list` gives for the same instant.
    @Test func permitReportsItsStatusAtTheGivenTime() async throws {
        let (engine, registry) = try await makeEngine()
        let (results, _) = try await issueAll(engine, [request(plate: "29C-700.01"), request(plate: "29C-700.02")])
        #expect(serials(results) == ["HN-000001", "HN-000002"])
        let permit = try #require(try await registry.permit("HN-000002", at: issueTime))
        try await registry.revoke("HN-000001", reason: .stolen, context: testContext(issueTime + 60))
        for (instant, status) in [
            (permit.permit.notBefore - 1, PermitListing.Status.pending), (permit.permit.notBefore, .active),
            (permit.permit.expiresAt - 1, .active), (permit.permit.expiresAt, .expired),
        ] {
            #expect(try await registry.permit("HN-000002", at: instant)?.status == status, "at \(instant)")
            let listed = try await registry.listings(PermitFilter(now: instant))
                .filter { $0.permit.serial == "HN-000002" }.map(\.status)
            #expect(listed == [status])
        }
        // Revoked wins, before it started and after it expired alike.
        for instant in [permit.permit.notBefore - 1, issueTime, permit.permit.expiresAt + 86_400] {
            let revoked = try await registry.permit("HN-000001", at: instant)
            #expect(revoked?.status == .revoked)
            #expect(revoked?.revocation?.reason == "stolen")
        }
        #expect(try await registry.permit("HN-000001", at: issueTime)?.firmName == postal.legalName)
        #expect(try await registry.permit("HN-999999", at: issueTime) == nil)
    }
}
