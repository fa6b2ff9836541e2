import Foundation
import GreenlaneFormat
@testable import GreenlanePostgresStore
import GreenlaneSQLiteStore
import GreenlaneStore
import PostgresNIO
import Testing

/// What only the PostgreSQL store has to show: the roles' privileges, migrations and issuing from many
/// processes' worth of clients at once, and its URL. Against the cluster scripts/postgres.sh starts; they fail
/// (never skip) when it is not running.
@Suite struct PostgresStoreTests {
    /// A migrated, initialised registry in a schema of its own, as the owner made it; then opened as `role`.
    static func registry(as role: TestPostgres.Role, firms: Bool = true) async throws -> (PostgresStore, String) {
        let schema = TestPostgres.freshSchema("roles")
        let owner = try await PostgresStore.create(
            try TestPostgres.location(.owner, schema: schema), environment: TestPostgres.environment,
            settings: contractSettings, context: contractContext())
        if firms { for firm in [vnpost, vnpt] { try await owner.addFirm(firm, context: contractContext()) } }
        await owner.close()
        let store = try await PostgresStore.open(try TestPostgres.location(role, schema: schema),
                                                 environment: TestPostgres.environment, readOnly: role == .auditor)
        return (store, schema)
    }

    static func run(_ store: PostgresStore, _ sql: String) async throws(RegistryError) {
        try await store.transaction("test statement") { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresStore.logger)
        }
    }

    @Test func theAppRoleAddsToTheAuditLogAndCannotChangeOrDeleteIt() async throws {
        let (app, _) = try await Self.registry(as: .app)
        try await issue(app, ScriptedRules(plates: ["29C-100.01"]))
        try await app.recordAudit("registry.note", subject: nil, detail: "by the app role", context: contractContext())
        #expect(try await app.auditLog(limit: 1, actor: nil, action: nil).first?.detail == "by the app role")
        for sql in ["UPDATE audit_log SET detail = 'rewritten'", "DELETE FROM audit_log", "TRUNCATE audit_log",
                    "UPDATE permit SET expires_at = expires_at + 86400", "DELETE FROM permit", "DELETE FROM revocation",
                    "UPDATE registry_settings SET issuer = 'X'", "CREATE TABLE extra (id int)"] {
            await #expect(Comment(rawValue: sql)) { try await Self.run(app, sql) } throws: {
                ($0 as? RegistryError)?.code == .permissionDenied && "\($0)".contains("42501")
            }
        }
        #expect(try await app.counts().auditEntries == 5)
    }

    /// The restart drill's hang: postgres-nio drops a statement written to a connection whose channel has closed
    /// and removed its handlers, and its await never returns. The store gives up on it once the session is gone.
    @Test(.timeLimit(.minutes(1)))
    func aStatementOnASessionTheServerEndedFailsInsteadOfWaitingForever() async throws {
        let (app, _) = try await Self.registry(as: .app)
        let started = ContinuousClock.now
        await #expect {
            try await app.transaction("test statement") { connection in
                let pid = try await connection.query("SELECT pg_backend_pid()", logger: PostgresStore.logger)
                    .collect()[0].decode(Int32.self)
                // Another session of the same role ends this one, as a restart does (57P01).
                try await app.transaction("ending a session") { other in
                    _ = try await other.query("SELECT pg_terminate_backend(\(pid))", logger: PostgresStore.logger)
                }
                while !connection.isClosed { try await Task.sleep(for: .milliseconds(10)) }
                try await Task.sleep(for: .milliseconds(300))  // the channel's handlers are gone by now
                _ = try await connection.query("SELECT 1", logger: PostgresStore.logger)
            }
        } throws: { error in
            guard let error = error as? RegistryError else { return false }
            return error.code == .database && "\(error)".contains("test statement: the session with PostgreSQL")
        }
        #expect(ContinuousClock.now - started < .seconds(15))
        // The store goes on with a new session.
        #expect(try await app.counts().firms == 2)
    }

    @Test func theOwnerIsStoppedByTheTriggers() async throws {
        let (owner, _) = try await Self.registry(as: .owner)
        try await issue(owner, ScriptedRules(plates: ["29C-100.01"]))
        for sql in ["UPDATE audit_log SET detail = 'rewritten'", "DELETE FROM audit_log", "TRUNCATE audit_log CASCADE",
                    "UPDATE permit SET expires_at = expires_at + 86400", "DELETE FROM registry_settings"] {
            await #expect(Comment(rawValue: sql)) { try await Self.run(owner, sql) } throws: {
                ($0 as? RegistryError)?.code == .invalidValue
            }
        }
    }

    @Test func theAuditorOnlyReads() async throws {
        let (auditor, _) = try await Self.registry(as: .auditor)
        #expect(try await auditor.firms().count == 2)
        #expect(try await auditor.auditLog(limit: 10, actor: nil, action: nil).count == 3)
        await #expect { try await auditor.recordAudit("registry.note", subject: nil, detail: "x", context: contractContext()) }
            throws: { ($0 as? RegistryError)?.code == .permissionDenied }
        await #expect { try await auditor.addFirm(Firm(id: "X", legalName: "X", kind: .postal, licence: "X", createdAt: 0),
                                                  context: contractContext()) }
            throws: { ($0 as? RegistryError)?.code == .permissionDenied }
        await #expect { try await issue(auditor, ScriptedRules(plates: ["29C-100.01"])) } throws: {
            ($0 as? RegistryError)?.code == .permissionDenied
        }
    }

    /// A credential, a used enrolment, a decided request with a settled row and a revocation list sequence, as
    /// the service and `revocations export` leave them.
    static func serviceHistory(_ store: PostgresStore) async throws {
        let context = contractContext()
        try await store.addCredential(ServiceContractTests.dispatcher(), context: context)
        try await store.addEnrolment(ServiceEnrolment(codeHash: ServiceContractTests.hash(5), firmID: "VNPOST",
                                                      expiresAt: contractNow * 2, createdAt: 0), context: context)
        _ = try await store.redeemEnrolment(
            codeHash: ServiceContractTests.hash(5),
            credential: ServiceContractTests.dispatcher("cr-enrolled", hash: 6), context: context)
        _ = try await store.submitRequest(ServiceContractTests.request(), context: context)
        _ = try await store.decideRequest("rq-1", .approved, context: context)
        let serial = try await issue(store, ScriptedRules(plates: ["29C-700.01"])).permits[0].record.serial
        _ = try await store.recordRowOutcomes("rq-1", [ServiceRowOutcome(index: 0, serial: serial, detail: nil)],
                                              context: context)
        _ = try await store.nextRevocationListSequence(kid: "0123456789abcdef")
    }

    @Test func theServiceTablesAndListSequencesAreAppendOnlyForTheAppRole() async throws {
        let (app, schema) = try await Self.registry(as: .app)
        try await Self.serviceHistory(app)
        for sql in ["UPDATE service_credential SET role = 'admin'", "DELETE FROM service_credential",
                    "UPDATE service_enrolment SET firm_id = 'VNPT-HN'", "DELETE FROM service_enrolment",
                    "UPDATE service_request SET firm_id = 'VNPT-HN'", "DELETE FROM service_request",
                    "UPDATE service_request_row SET payload = '{}'", "DELETE FROM service_request_row",
                    "UPDATE revocation_list_sequence SET kid = 'ffffffffffffffff'",
                    "DELETE FROM revocation_list_sequence", "TRUNCATE service_credential CASCADE"] {
            await #expect(Comment(rawValue: sql)) { try await Self.run(app, sql) } throws: {
                ($0 as? RegistryError)?.code == .permissionDenied && "\($0)".contains("42501")
            }
        }
        // What the grants allow, the triggers still refuse once a row is settled.
        try await app.revokeCredential("cr-enrolled", context: contractContext())
        for sql in ["UPDATE service_credential SET revoked_at = NULL WHERE id = 'cr-enrolled'",
                    "UPDATE service_enrolment SET used_at = used_at + 1",
                    "UPDATE service_request SET status = 'refused'",
                    "UPDATE service_request_row SET status = 'not-issued', serial = NULL WHERE row_index = 0",
                    "UPDATE revocation_list_sequence SET sequence = sequence - 1"] {
            await #expect(Comment(rawValue: sql)) { try await Self.run(app, sql) } throws: {
                ($0 as? RegistryError)?.code == .invalidValue
            }
        }
        let auditor = try await PostgresStore.open(try TestPostgres.location(.auditor, schema: schema),
                                                   environment: TestPostgres.environment, readOnly: true)
        #expect(try await auditor.serviceRequest("rq-1")?.rows.first?.status == .issued)
        await #expect { try await auditor.revokeCredential("cr-dispatch", context: contractContext()) } throws: {
            ($0 as? RegistryError)?.code == .permissionDenied
        }
        await #expect { try await auditor.nextRevocationListSequence(kid: "0123456789abcdef") } throws: {
            ($0 as? RegistryError)?.code == .permissionDenied
        }
    }

    @Test func theOwnerIsStoppedByTheServiceTablesTriggers() async throws {
        let (owner, _) = try await Self.registry(as: .owner)
        try await Self.serviceHistory(owner)
        try await owner.revokeCredential("cr-dispatch", context: contractContext())
        for sql in ["UPDATE service_credential SET revoked_at = NULL", "DELETE FROM service_credential",
                    "TRUNCATE service_credential CASCADE", "UPDATE service_enrolment SET used_at = NULL",
                    "DELETE FROM service_request", "UPDATE service_request SET status = 'pending'",
                    "DELETE FROM service_request_row", "UPDATE revocation_list_sequence SET sequence = 1",
                    "DELETE FROM revocation_list_sequence"] {
            await #expect(Comment(rawValue: sql)) { try await Self.run(owner, sql) } throws: {
                ($0 as? RegistryError)?.code == .invalidValue
            }
        }
    }

    @Test func twoRedeemingOneEnrolmentCodeAtOnceGetOneCredential() async throws {
        let (_, schema) = try await Self.registry(as: .app)
        let location = try TestPostgres.location(.app, schema: schema)
        let first = try await PostgresStore.open(location, environment: TestPostgres.environment)
        try await first.addEnrolment(ServiceEnrolment(codeHash: ServiceContractTests.hash(5), firmID: "VNPOST",
                                                      expiresAt: contractNow * 2, createdAt: 0),
                                     context: contractContext())
        let outcomes = await withTaskGroup(of: RegistryError.Code?.self) { group in
            for n in 0..<6 {
                group.addTask {
                    do {
                        let store = try await PostgresStore.open(location, environment: TestPostgres.environment)
                        _ = try await store.redeemEnrolment(
                            codeHash: ServiceContractTests.hash(5),
                            credential: ServiceContractTests.dispatcher("cr-try-\(n)", hash: UInt8(10 + n)),
                            context: contractContext())
                        return nil
                    } catch { return (error as? RegistryError)?.code }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.filter { $0 == .unknownEnrolment }.count == 5)
    }

    @Test func aRetryRacingItsFirstSubmissionGetsTheSameRequest() async throws {
        let (_, schema) = try await Self.registry(as: .app)
        let location = try TestPostgres.location(.app, schema: schema)
        let first = try await PostgresStore.open(location, environment: TestPostgres.environment)
        try await first.addCredential(ServiceContractTests.dispatcher(), context: contractContext())
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for n in 0..<6 {
                group.addTask {
                    let store = try await PostgresStore.open(location, environment: TestPostgres.environment)
                    return try await store.submitRequest(ServiceContractTests.request("rq-try-\(n)"),
                                                         context: contractContext()).id
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(ids).count == 1)
        #expect(try await first.auditLog(limit: 20, actor: nil, action: "request.submit").count == 1)
    }

    /// `count` requests of VNPOST (the first `endorsed` of them needing endorsement), by cr-dispatch.
    static func requests(_ store: PostgresStore, count: Int, needingEndorsement endorsed: Int = 0) async throws
        -> [String]
    {
        try await store.addCredential(ServiceContractTests.dispatcher(), context: contractContext())
        var ids: [String] = []
        for n in 0..<count {
            var request = ServiceContractTests.request(String(format: "rq-%03d", n), key: "k\(n)")
            request.needsEndorsement = n < endorsed
            ids.append(try await store.submitRequest(request, context: contractContext()).id)
        }
        return ids
    }

    @Test func officersDecidingOverlappingListsAtOnceDecideEachRequestOnceWithoutDeadlock() async throws {
        let (_, schema) = try await Self.registry(as: .app)
        let location = try TestPostgres.location(.app, schema: schema)
        let first = try await PostgresStore.open(location, environment: TestPostgres.environment)
        let ids = try await Self.requests(first, count: 40)
        // Four officers, each its own pool, each deciding the whole list in another order: the locks are taken
        // in id order whatever the list's, so none deadlocks, and each request is decided by exactly one.
        let outcomes = try await withThrowingTaskGroup(of: [ServiceDecisionResult].self) { group in
            for n in 0..<4 {
                group.addTask {
                    let store = try await PostgresStore.open(location, environment: TestPostgres.environment)
                    let list = n % 2 == 0 ? ids : ids.reversed()
                    let decision = n < 2 ? ServiceDecision(.approve)
                        : ServiceDecision(.refuse, reason: "refusal.duplicate", note: "officer \(n)")
                    return try await store.decideRequests(list, decision, context: contractContext()) { _ in nil }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let decided = outcomes.filter { if case .decided = $0.outcome { true } else { false } }
        #expect(decided.count == ids.count)
        #expect(Set(decided.map(\.id)) == Set(ids))
        #expect(outcomes.compactMap(DecisionContractTests.code).allSatisfy { $0 == .alreadyDecided })
        let audited = try await first.auditLog(limit: 1_000, actor: nil, action: "request.")
            .filter { $0.action == "request.approve" || $0.action == "request.refuse" }
        #expect(audited.count == ids.count)
        for id in ids {
            let stored = try #require(try await first.serviceRequest(id))
            #expect(stored.status != .pending)
            #expect((stored.status == .refused) == (stored.refusalReason == "refusal.duplicate"))
        }
    }

    @Test func theEndorsementTriggersStopTheAppRoleAndTheOwner() async throws {
        for role in [TestPostgres.Role.app, .owner] {
            let (store, _) = try await Self.registry(as: role)
            let ids = try await Self.requests(store, count: 3, needingEndorsement: 2)
            for sql in ["UPDATE service_request SET status = 'approved' WHERE id = '\(ids[0])'",
                        "UPDATE service_request SET endorsed_at = 1, endorsed_by = 'x' WHERE id = '\(ids[2])'",
                        "UPDATE service_request SET status = 'refused' WHERE id = '\(ids[1])'"] {
                await #expect(Comment(rawValue: "\(role): \(sql)")) { try await Self.run(store, sql) } throws: {
                    ($0 as? RegistryError)?.code == .invalidValue
                }
            }
            // Fixed at submission: the app role may not touch the column, the owner is stopped by the trigger.
            await #expect(Comment(rawValue: "\(role): needs_endorsement changed")) {
                try await Self.run(store, "UPDATE service_request SET needs_endorsement = false WHERE id = '\(ids[0])'")
            } throws: {
                ($0 as? RegistryError)?.code == (role == .app ? .permissionDenied : .invalidValue)
            }
            let endorsed = try await store.decideRequests([ids[0]], ServiceDecision(.endorse), context: contractContext())
            { _ in nil }
            #expect(DecisionContractTests.code(endorsed[0]) == nil)
            await #expect(Comment(rawValue: "\(role): endorsed twice")) {
                try await Self.run(store, "UPDATE service_request SET endorsed_at = 2 WHERE id = '\(ids[0])'")
            } throws: { ($0 as? RegistryError)?.code == .invalidValue }
            for (what, sector) in [("an endorser without a sector", "NULL"), ("a sector that is none", "'fishing'")] {
                await #expect(Comment(rawValue: "\(role): \(what)")) {
                    try await Self.run(store, """
                        INSERT INTO service_credential (id, token_hash, role, label, created_at, sector)
                        VALUES ('cr-endorse', decode(repeat('28', 32), 'hex'), 'endorser', 'S', 0, \(sector))
                        """)
                } throws: { ($0 as? RegistryError)?.code == .invalidValue && "\($0)".contains("23514") }
            }
        }
    }

    @Test func migratingARegistryOfTheFirstSchemaHashesItsPermitsCodes() async throws {
        let location = try TestPostgres.location(.owner, schema: TestPostgres.freshSchema("codehash"))
        #expect(try await PostgresStore.migrate(location, environment: TestPostgres.environment,
                                                applying: Array(PostgresSchema.migrations.prefix(2)))
                == ["v1-registry", "v2-revocation-list-sequence"])
        let codes = (1...3).map { contractPermit(serial: "HN-00000\($0)", plate: "29C-600.0\($0)").code }
        let store = try await PostgresStore.uninitialised(location, environment: TestPostgres.environment,
                                                          checkingMigrations: false)
        try await Self.run(store, """
            INSERT INTO firm (id, legal_name, kind, licence, created_at) VALUES ('VNPOST', 'VNPost', 'postal', 'GP-1', 0)
            """)
        for (n, code) in codes.enumerated() {
            try await Self.run(store, """
                INSERT INTO vehicle (plate, firm_id, vehicle_class, first_seen) VALUES ('29C-600.0\(n + 1)', 'VNPOST', 3, 0)
                """)
            try await Self.run(store, """
                INSERT INTO permit (serial, firm_id, plate, vehicle_class, driver_name, driver_id, test_at, zones,
                    purpose, station, issuer, issued_at, not_before, expires_at, kid, code, issued_by)
                VALUES ('HN-00000\(n + 1)', 'VNPOST', '29C-600.0\(n + 1)', 3, 'An', '001086001234', 0, 3, 1, 'SGTVT',
                        'VN-HN', 0, 0, 86400, '0011223344556677', '\(code)', 'test')
                """)
        }
        await store.close()
        #expect(try await PostgresStore.migrate(location, environment: TestPostgres.environment)
                == ["v3-permit-code-hash", "v4-service-credentials-and-requests",
                    "v5-service-idempotency-rate-buckets-auth-failures", "v6-endorsement-and-decisions",
                    "v7-permit-validity-indexes"])
        let migrated = try await PostgresStore.uninitialised(location, environment: TestPostgres.environment)
        let hashes = try await migrated.transaction("reading hashes") { connection in
            try await connection.query("SELECT code, code_hash FROM permit ORDER BY serial", logger: PostgresStore.logger)
                .collect().map { row in
                    let (code, hash) = try row.decode((String, ByteBuffer).self)
                    return (code, Array(hash.readableBytesView))
                }
        }
        #expect(hashes.map(\.0) == codes)
        #expect(hashes.map(\.1) == codes.map { PermitCodeHash.of($0)! })
        // The append-only trigger is on again.
        await #expect {
            try await Self.run(migrated, "UPDATE permit SET issued_by = 'x'")
        } throws: { ($0 as? RegistryError)?.code == .invalidValue && "\($0)".contains("never changed") }
    }

    @Test func theAppRoleCannotMigrate() async throws {
        let (_, schema) = try await Self.registry(as: .app)
        await #expect {
            try await PostgresStore.migrate(try TestPostgres.location(.app, schema: schema + "x"),
                                            environment: TestPostgres.environment)
        } throws: { ($0 as? RegistryError)?.code == .permissionDenied }
    }

    @Test func openingAnUnmigratedSchemaSaysToInitialise() async throws {
        let location = try TestPostgres.location(.app, schema: TestPostgres.freshSchema("nothing"))
        await #expect { try await PostgresStore.open(location, environment: TestPostgres.environment) } throws: {
            ($0 as? RegistryError)?.code == .noRegistry
        }
    }

    @Test func severalProcessesMigratingAtOnceApplyEachMigrationOnce() async throws {
        let location = try TestPostgres.location(.owner, schema: TestPostgres.freshSchema("migrate"))
        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<6 { group.addTask { try await PostgresStore.migrate(location, environment: TestPostgres.environment) } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(applied == PostgresSchema.migrations.map(\.name))
        let store = try await PostgresStore.uninitialised(location, environment: TestPostgres.environment)
        #expect(store.settings == nil)
    }

    @Test func concurrentIssuersGetDistinctSerialsWithoutGaps() async throws {
        let (_, schema) = try await Self.registry(as: .app)
        let location = try TestPostgres.location(.app, schema: schema)
        // 6 clients (as 6 processes would be), each 5 chunks of 20, all at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<6 {
                group.addTask {
                    let store = try await PostgresStore.open(location, environment: TestPostgres.environment)
                    for chunk in 0..<5 {
                        let plates = (0..<20).map { String(format: "29C-%03d.%02d", client * 10 + chunk, $0) }
                        try await issue(store, ScriptedRules(plates: plates))
                    }
                    await store.close()
                }
            }
            try await group.waitForAll()
        }
        let store = try await PostgresStore.open(location, environment: TestPostgres.environment)
        let serials = try await listAll(store, PermitFilter(now: contractNow)).map(\.permit.serial)
        #expect(serials == (1...600).map { String(format: "HN-%06d", $0) })
    }

    @Test func concurrentIssuersForOneVehicleGiveItOneLivePass() async throws {
        let (_, schema) = try await Self.registry(as: .app)
        let location = try TestPostgres.location(.app, schema: schema)
        let commits = try await withThrowingTaskGroup(of: IssueCommit.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let store = try await PostgresStore.open(location, environment: TestPostgres.environment)
                    var rules = ScriptedRules(plates: ["29C-555.55"])
                    rules.refuseWhenLive = true
                    return try await issue(store, rules)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(commits.flatMap(\.permits).count == 1)
        #expect(commits.flatMap(\.decisions).filter { $0.acceptance == nil }.count == 7)
    }

    @Test func aRegistryCopiedIntoPostgreSQLAndBackHoldsEveryRowAsItWas() async throws {
        let sqlite = try #require(try await StoreFactory.sqlite.withFirms() as? SQLiteStore)
        try await issue(sqlite, ScriptedRules(plates: (1...40).map { String(format: "29C-800.%02d", $0) }))
        try await sqlite.revoke("HN-000003", reason: .lost, note: "the driver lost it", context: contractContext())
        let run = try await sqlite.renewalRun(orderNumber: "17/CT-UBND", orderEnd: contractNow + 86_400,
                                              context: contractContext())
        var renew = ScriptedRules(plates: ["29C-800.05"])
        renew.revokes = [0: "HN-000005"]
        try await issue(sqlite, renew, renewalRun: run)
        _ = try await sqlite.setFirmStatus("VNPT-HN", .suspended, reason: "review", revokingLivePassesAs: nil,
                                           context: contractContext())
        _ = try await sqlite.nextRevocationListSequence(kid: "0123456789abcdef")
        _ = try await sqlite.nextRevocationListSequence(kid: "0123456789abcdef")
        let original = try await sqlite.dump()
        #expect(original.listSequences == [RegistryDump.ListSequence(kid: "0123456789abcdef", sequence: 2)])
        let location = try TestPostgres.location(.owner, schema: TestPostgres.freshSchema("copy"))
        let postgres = try await PostgresStore.load(original, into: location, environment: TestPostgres.environment)
        let inPostgres = try await postgres.dump()
        #expect(Self.lines(inPostgres) == Self.lines(original))
        #expect(inPostgres.counts == RegistryCounts(firms: 2, permits: 41, revocations: 2, auditEntries: 48))
        // It goes on issuing where the file stopped, as the app role.
        let app = try await PostgresStore.open(try TestPostgres.location(.app, schema: location.schema),
                                               environment: TestPostgres.environment)
        #expect(try await issue(app, ScriptedRules(plates: ["29C-899.01"])).permits.map(\.record.serial) == ["HN-000042"])
        // The next revocation list goes on from the file's, so checkpoints take it.
        #expect(try await app.nextRevocationListSequence(kid: "0123456789abcdef") == 3)
        let back = FileManager.default.temporaryDirectory.appendingPathComponent("copy-\(UUID().uuidString).sqlite").path
        let file = try await SQLiteStore.load(try await postgres.dump(), intoNewFile: back)
        #expect(Self.lines(try await file.dump()) == Self.lines(try await postgres.dump()))
        await #expect { try await PostgresStore.load(original, into: location, environment: TestPostgres.environment) }
            throws: { ($0 as? RegistryError)?.code == .registryExists }
    }

    static func lines(_ dump: RegistryDump) -> [String] {
        var lines: [String] = []
        dump.canonicalText { lines.append($0) }
        return lines
    }

    @Test func aURLNeverCarriesAPassword() throws {
        for url in ["postgres://app:secret@db/greenlane", "postgres://app@db/greenlane?password=secret"] {
            #expect { try PostgresLocation(url: url) } throws: {
                ($0 as? RegistryError)?.code == .invalidValue && !"\($0)".contains("secret")
            }
        }
        let location = try PostgresLocation(
            url: "postgres://greenlane_app@db.example:6432/registry?sslmode=verify-full&sslrootcert=/etc/ca.pem&schema=hanoi",
            environment: ["GREENLANE_PG_PASSWORD_FILE": "/run/secrets/pg"])
        #expect(location.host == "db.example" && location.port == 6432 && location.database == "registry")
        #expect(location.tls == .verifyFull && location.rootCertificate == "/etc/ca.pem" && location.schema == "hanoi")
        #expect(location.passwordFile == "/run/secrets/pg")
        #expect(try PostgresLocation(url: "postgres://u@h/d").tls == .verifyFull)
        #expect(throws: RegistryError.self) { try PostgresLocation(url: "postgres://u@h/d?sslmode=prefer") }
    }

    @Test func aPasswordFileOthersCanReadIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pg-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("secret\n".utf8), attributes: [.posixPermissions: 0o644])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let location = try PostgresLocation(url: "postgres://u@h/d?passwordFile=\(path)")
        #expect { try location.password(environment: [:]) } throws: { ($0 as? RegistryError)?.code == .cannotOpen }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try location.password(environment: [:]) == "secret")
    }
}
