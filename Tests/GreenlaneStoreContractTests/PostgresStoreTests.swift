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
        let original = try await sqlite.dump()
        let location = try TestPostgres.location(.owner, schema: TestPostgres.freshSchema("copy"))
        let postgres = try await PostgresStore.load(original, into: location, environment: TestPostgres.environment)
        let inPostgres = try await postgres.dump()
        #expect(Self.lines(inPostgres) == Self.lines(original))
        #expect(inPostgres.counts == RegistryCounts(firms: 2, permits: 41, revocations: 2, auditEntries: 48))
        // It goes on issuing where the file stopped, as the app role.
        let app = try await PostgresStore.open(try TestPostgres.location(.app, schema: location.schema),
                                               environment: TestPostgres.environment)
        #expect(try await issue(app, ScriptedRules(plates: ["29C-899.01"])).permits.map(\.record.serial) == ["HN-000042"])
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
