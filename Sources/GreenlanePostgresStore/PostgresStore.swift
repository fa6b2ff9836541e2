public import GreenlaneStore
public import GreenlaneFormat
public import GreenlaneSupport
import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// The registry on PostgreSQL: the shared registry of many stations and server instances (docs/POSTGRES.md).
///
/// Concurrency: every operation is one READ COMMITTED transaction that locks what its decision depends on before
/// reading it, so the engine's rules run unchanged and hold with many writers in many processes:
/// - issuing locks the prefix's `serial_counter` row first (`SELECT … FOR UPDATE`), so issuers of one registry
///   take turns, as on SQLite (serials without gaps cannot be handed out any other way: a serial is only known
///   to be used when its transaction commits); then the firms it names (`FOR SHARE`: a suspension waits for it,
///   or it sees the suspension) and the vehicles' owners (`FOR UPDATE`: a transfer waits for it, or it sees the
///   new owner). A statement that waited reads the rows as committed (READ COMMITTED), so no fact is stale.
/// - the keys say the rest: one `live_pass` row per vehicle, a permit revoked once (`revocation`'s key), renewed
///   once (a unique index), one renewal run per order and end, one firm per id and licence.
/// - a deadlock (40P01) or serialisation failure (40001) rolls the transaction back and runs it again from the
///   start, rules and signing included (they have no side effects), a bounded number of times.
public final class PostgresStore: PermitStore {
    let client: PostgresClient
    /// `client.run()`: the pool lives while this task runs; `close()` (or the store going away) cancels it.
    let runTask: Task<Void, Never>
    public let location: PostgresLocation
    public let settings: RegistrySettings?
    public var name: String { location.description }

    /// postgres-nio logs through swift-log; greenlane reports errors itself, so its logs go nowhere.
    static let logger = Logger(label: "greenlane.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The roles `registry migrate` grants to unless told otherwise (scripts/postgres.sh makes them).
    public static let defaultAppRole = "greenlane_app"
    public static let defaultAuditorRole = "greenlane_auditor"

    private init(location: PostgresLocation, client: PostgresClient, runTask: Task<Void, Never>,
                 settings: RegistrySettings?) {
        self.location = location
        self.client = client
        self.runTask = runTask
        self.settings = settings
    }

    deinit { runTask.cancel() }

    /// Closes the pool's connections.
    public func close() async {
        runTask.cancel()
        await runTask.value
    }

    // MARK: - Opening

    /// Opens a registry that `registry migrate` brought up to date. Refused when a migration is missing (the
    /// application role cannot apply it: the owner runs `greenlane registry migrate`) and, unless `readOnly`,
    /// when `registry init` never ran.
    public static func open(_ location: PostgresLocation, environment: [String: String], readOnly: Bool = false)
        async throws(RegistryError) -> PostgresStore
    {
        let (client, task) = try connect(location, environment: environment)
        do throws(RegistryError) {
            try await checkMigrations(client, location)
            let settings = try await loadSettings(client, location)
            if !readOnly, settings == nil {
                throw RegistryError(
                    .noRegistry, "\(location) was never initialised (no issuer, station or serial prefix recorded); "
                        + "run `greenlane registry init --policy FILE --registry URL` as the owner")
            }
            return PostgresStore(location: location, client: client, runTask: task, settings: settings)
        } catch {
            task.cancel()
            throw error
        }
    }

    /// `registry init`: migrates (as the owner), then records the settings once.
    public static func create(_ location: PostgresLocation, environment: [String: String], settings: RegistrySettings,
                              context: AuditContext) async throws(RegistryError) -> PostgresStore
    {
        if let problem = settings.problem() { throw RegistryError(.invalidValue, problem) }
        _ = try await migrate(location, environment: environment)
        let store = try await uninitialised(location, environment: environment)
        try await store.initialise(settings, context: context)
        await store.close()
        return try await open(location, environment: environment)
    }

    /// A migrated registry opened whether or not `registry init` ran (the contract suite's fresh stores).
    static func uninitialised(_ location: PostgresLocation, environment: [String: String],
                              checkingMigrations: Bool = true) async throws(RegistryError) -> PostgresStore
    {
        let (client, task) = try connect(location, environment: environment)
        do throws(RegistryError) {
            if checkingMigrations { try await checkMigrations(client, location) }
            let settings = try await loadSettings(client, location)
            return PostgresStore(location: location, client: client, runTask: task, settings: settings)
        } catch {
            task.cancel()
            throw error
        }
    }

    static func connect(_ location: PostgresLocation, environment: [String: String])
        throws(RegistryError) -> (PostgresClient, Task<Void, Never>)
    {
        let password = try location.password(environment: environment)
        let tls: PostgresClient.Configuration.TLS
        switch location.tls {
        case .disable:
            tls = .disable
        case .require:
            var config = TLSConfiguration.makeClientConfiguration()
            config.certificateVerification = .none
            tls = .require(config)
        case .verifyFull:
            var config = TLSConfiguration.makeClientConfiguration()
            config.certificateVerification = .fullVerification
            if let root = location.rootCertificate { config.trustRoots = .file(root) }
            tls = .require(config)
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: password,
            database: location.database, tls: tls)
        // Unqualified names are the registry's schema; nothing else is searched (pg_catalog always is).
        configuration.options.additionalStartupParameters = [("search_path", location.schema)]
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.maximumConnections = 8
        configuration.options.keepAliveBehavior = nil
        configuration.options.connectionIdleTimeout = .seconds(30)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let task = Task { await client.run() }
        return (client, task)
    }

    // MARK: - Migrations

    /// Brings the schema up to date and grants the application and auditor roles their privileges: `greenlane
    /// registry migrate`, as the owner. Safe when several processes run it at once: each takes a transaction-level
    /// advisory lock named after the schema before reading what is applied, so one migrates and the others then
    /// find nothing left to do. Returns the migrations it applied.
    public static func migrate(_ location: PostgresLocation, environment: [String: String],
                               appRole: String = defaultAppRole, auditorRole: String = defaultAuditorRole)
        async throws(RegistryError) -> [String]
    {
        try await migrate(location, environment: environment, appRole: appRole, auditorRole: auditorRole,
                          applying: PostgresSchema.migrations)
    }

    /// `migrate`, applying only the first of `migrations` (a test makes a registry of an older schema so).
    static func migrate(_ location: PostgresLocation, environment: [String: String],
                        appRole: String = defaultAppRole, auditorRole: String = defaultAuditorRole,
                        applying migrations: [PostgresSchema.Migration]) async throws(RegistryError) -> [String]
    {
        for role in [appRole, auditorRole] where !PostgresLocation.isIdentifier(role) {
            throw RegistryError(.invalidValue, "role '\(AuditText.escaped(role))' must be a-z, 0-9 and _")
        }
        let (client, task) = try connect(location, environment: environment)
        defer { task.cancel() }
        let schema = location.schema
        return try await transaction(client, location, "migrating \(location)") { connection in
            let lockName = "greenlane.migrate." + schema
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(lockName), 0))",
                                       logger: logger)
            let roles = try await connection.query(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY(\([appRole, auditorRole]))", logger: logger
            ).collect().map { try $0.decode(String.self) }
            if let missing = [appRole, auditorRole].first(where: { !roles.contains($0) }) {
                throw RegistryError(.cannotOpen, "there is no role \(missing) in the database server; create it "
                    + "(docs/POSTGRES.md, scripts/postgres.sh) before migrating")
            }
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(schema)"), logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migration (
                    name TEXT COLLATE "C" PRIMARY KEY, applied_at BIGINT NOT NULL, applied_by TEXT NOT NULL)
                """, logger: logger)
            let applied = Set(try await connection.query("SELECT name FROM schema_migration", logger: logger)
                .collect().map { try $0.decode(String.self) })
            var done: [String] = []
            for migration in migrations where !applied.contains(migration.name) {
                for statement in statements(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await migration.backfill?(connection)
                for statement in statements(migration.finishSQL) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("""
                    INSERT INTO schema_migration (name, applied_at, applied_by)
                    VALUES (\(migration.name), extract(epoch FROM now())::bigint, current_user)
                    """, logger: logger)
                done.append(migration.name)
            }
            let now = applied.union(done)
            for statement in PostgresSchema.grants(schema: schema, app: appRole, auditor: auditorRole, applied: now) {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            return done
        }
    }

    /// Splits a migration into statements (the extended protocol runs one at a time): at each `;` that ends a
    /// line outside a `$$` body.
    static func statements(_ sql: String) -> [String] {
        var result: [String] = []
        var current = ""
        var inBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingPrefix(while: { $0 == " " })
            if trimmed.hasPrefix("--") { continue }
            current += line + "\n"
            if line.split(separator: "$$", omittingEmptySubsequences: false).count % 2 == 0 { inBody.toggle() }
            if !inBody, line.hasSuffix(";") {
                result.append(String(current.dropLast(2)))
                current = ""
            }
        }
        if current.contains(where: { !$0.isWhitespace }) { result.append(current) }
        return result
    }

    static func checkMigrations(_ client: PostgresClient, _ location: PostgresLocation) async throws(RegistryError) {
        let applied: [String]
        do {
            applied = try await withConnection(client, location) { connection in
                try await connection.query("SELECT name FROM schema_migration", logger: logger).collect()
                    .map { try $0.decode(String.self) }
            }
        } catch {
            if let error = error as? PSQLError, error.serverInfo?[.sqlState] == "42P01" {
                throw RegistryError(
                    .noRegistry, "no registry at \(location); create it with `greenlane registry init --policy FILE` "
                        + "as the owner role (or give --registry / GREENLANE_REGISTRY)", underlying: error)
            }
            throw describe(error, "cannot open registry \(location)", opening: true)
        }
        if let missing = PostgresSchema.migrations.first(where: { !applied.contains($0.name) }) {
            throw RegistryError(.cannotOpen, "registry \(location) needs migration \(missing.name): run `greenlane "
                + "registry migrate` as the owner role")
        }
        if let unknown = applied.first(where: { name in !PostgresSchema.migrations.contains { $0.name == name } }) {
            throw RegistryError(.cannotOpen, "registry \(location) has migration \(unknown), which this greenlane "
                + "does not know: it is older than the registry")
        }
    }

    static func loadSettings(_ client: PostgresClient, _ location: PostgresLocation)
        async throws(RegistryError) -> RegistrySettings?
    {
        do {
            return try await withConnection(client, location) { connection in
                try await connection.query("""
                SELECT issuer, station, serial_prefix, file_group, created_at FROM registry_settings WHERE id = 1
                """, logger: logger).collect().first.map { row in
                let (issuer, station, prefix, group, created) = try row.decode((String, String, String, String?, Int64).self)
                return RegistrySettings(issuer: issuer, station: station, serialPrefix: prefix, fileGroup: group,
                                        createdAt: created)
            }
            }
        } catch {
            throw describe(error, "cannot open registry \(location)", opening: true)
        }
    }

    // MARK: - Transactions and errors

    func transaction<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws(RegistryError) -> T
    {
        try await Self.transaction(client, location, what, body)
    }

    /// Runs `body` in one READ COMMITTED transaction, again from the start after a deadlock or serialisation
    /// failure (at most 30 times, waiting a little longer each time).
    static func transaction<T: Sendable>(
        _ client: PostgresClient, _ location: PostgresLocation, _ what: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(RegistryError) -> T {
        var attempt = 0
        while true {
            do {
                return try await withConnection(client, location) { connection in
                    try await connection.query("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
                    do {
                        let value = try await body(connection)
                        try await connection.query("COMMIT", logger: logger)
                        return value
                    } catch {
                        // A session the server ended (shutdown, restart, lost link) has nothing to roll back, and
                        // a ROLLBACK sent to it would wait on a closing connection.
                        if !sessionEnded(error) { _ = try? await connection.query("ROLLBACK", logger: logger) }
                        throw error
                    }
                }
            } catch {
                if attempt < 30, let state = (error as? PSQLError)?.serverInfo?[.sqlState], state == "40001" || state == "40P01" {
                    attempt += 1
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
                    continue
                }
                throw describe(error, what, opening: false)
            }
        }
    }

    /// Whether `error` means the server ended the session: admin shutdown or crash (57P0x), connection failure
    /// (08xxx), or the connection closed under the query.
    static func sessionEnded(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        if error.code == .server, let state = error.serverInfo?[.sqlState] {
            return state.hasPrefix("57P") || state.hasPrefix("08")
        }
        return error.code != .server
    }

    /// How long to wait for a connection. postgres-nio's pool keeps trying to connect while the server is down
    /// and a request for a connection waits as long: without this, every command would hang until it came back.
    static let connectionWait: Duration = .seconds(20)

    private final class Leased: Sendable {
        let value = Mutex(false)
    }

    /// `client.withConnection`, refused with `cannotOpen` when no connection can be had within `connectionWait`
    /// (a running transaction is never cut short), and given up with `PostgresSessionEnded` when the session ends
    /// under `body` and postgres-nio does not fail the statement in flight (`untilSessionEnds`).
    static func withConnection<T: Sendable>(
        _ client: PostgresClient, _ location: PostgresLocation,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = Leased()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.value.withLock { $0 = true }
                    return try await untilSessionEnds(connection, location) { try await body(connection) }
                }
            }
            group.addTask {
                try await Task.sleep(for: connectionWait)
                if leased.value.withLock({ $0 }) { return nil }
                throw RegistryError(.cannotOpen, "PostgreSQL at \(location.host):\(location.port) gave no connection "
                    + "within \(connectionWait) (is it running, and reachable?)")
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            throw RegistryError(.database, "the connection to \(location) ended without an answer")
        }
    }

    /// A registry error for what PostgreSQL or the connection said. The reason holds the server's one-line
    /// message and SQLSTATE (never its detail, which quotes the row's values, nor the query and its binds);
    /// the PSQLError itself stays in `underlying`, for GREENLANE_DEBUG.
    static func describe(_ error: any Error, _ what: String, opening: Bool) -> RegistryError {
        if let error = error as? RegistryError { return error }
        if let ended = error as? PostgresSessionEnded {
            return RegistryError(.database, "\(what): the session with PostgreSQL at \(ended.host):\(ended.port) ended "
                + "before it answered (the server restarted or shut down, or the link was lost)", underlying: ended)
        }
        guard let error = error as? PSQLError else {
            return RegistryError(opening ? .cannotOpen : .database, "\(what): \(type(of: error))")
        }
        guard error.code == .server, let info = error.serverInfo else {
            // The connection failed: unreachable, closed, TLS refused, authentication the client cannot do.
            var reason = "\(error.code)"
            if let server = error.underlying as? PSQLError, server.code == .server, let info = server.serverInfo {
                // The session the server ended (57P01 on a restart): its message, then the client closing.
                reason = "the server ended the session: \(AuditText.escaped(info[.message] ?? "error")) "
                    + "[\(info[.sqlState] ?? "?????")]"
            } else if let underlying = error.underlying as? PSQLError {
                reason += " (\(underlying.code))"
            } else if let underlying = error.underlying {
                reason += " (\(String(describing: underlying)))"
            }
            return RegistryError(opening ? .cannotOpen : .database, "\(what): PostgreSQL connection failed: \(reason)",
                                 underlying: error)
        }
        let state = info[.sqlState] ?? "?????"
        let message = AuditText.escaped(info[.message] ?? "error")
        let constraint = info[.constraintName]
        let reason = "\(what): PostgreSQL said: \(message) [\(state)]"
        switch state {
        case "23505" where constraint == "revocation_pkey":
            return RegistryError(.alreadyRevoked, "\(what): the permit was revoked meanwhile", underlying: error)
        case "23505" where constraint == "firm_pkey" || constraint == "firm_licence_key":
            return RegistryError(.firmExists, "\(what): that firm id or licence is already registered", underlying: error)
        case "23505" where constraint == "service_credential_pkey" || constraint == "service_credential_token_hash_key":
            return RegistryError(.credentialExists, "\(what): that credential (or its token) exists", underlying: error)
        case "23502", "23503", "23505", "23514", "22001", "23000", "22P02":
            return RegistryError(.invalidValue, reason, underlying: error)
        case "42501":
            return RegistryError(.permissionDenied, reason, underlying: error)
        case let state where state.hasPrefix("28") || state == "3D000" || state == "3F000" || state.hasPrefix("08"):
            return RegistryError(.cannotOpen, reason, underlying: error)
        default:
            return RegistryError(opening ? .cannotOpen : .database, reason, underlying: error)
        }
    }

    // MARK: - Settings

    public func initialise(_ settings: RegistrySettings, context: AuditContext) async throws(RegistryError) {
        if let problem = settings.problem() { throw RegistryError(.invalidValue, problem) }
        let name = self.name
        try await transaction("initialising \(name)") { connection in
            // Two `registry init` at once: the second waits here, then finds the first one's settings.
            try await connection.query("LOCK TABLE registry_settings IN EXCLUSIVE MODE", logger: Self.logger)
            if let row = try await connection.query(
                "SELECT issuer, station, serial_prefix FROM registry_settings", logger: Self.logger
            ).collect().first {
                let (issuer, station, prefix) = try row.decode((String, String, String).self)
                throw RegistryError(
                    .registryExists, "\(name) is already a registry (issuer \(issuer), station \(station), serials "
                        + "\(prefix)-…); it is never initialised twice")
            }
            try await connection.query("""
                INSERT INTO registry_settings (id, issuer, station, serial_prefix, file_group, created_at)
                VALUES (1, \(settings.issuer), \(settings.station), \(settings.serialPrefix), \(settings.fileGroup),
                        \(settings.createdAt))
                """, logger: Self.logger)
            try await connection.query("""
                INSERT INTO serial_counter (prefix, next) VALUES (\(settings.serialPrefix), 1) ON CONFLICT DO NOTHING
                """, logger: Self.logger)
            try await Self.audit(connection, context, "registry.init", name,
                                 "issuer \(settings.issuer) · station \(settings.station) · serials \(settings.serialPrefix)-")
        }
    }

    /// Appends one audit entry inside the caller's transaction.
    static func audit(_ connection: PostgresConnection, _ context: AuditContext, _ action: String, _ subject: String?,
                      _ detail: String? = nil) async throws {
        for (text, what) in [(action, "audit action"), (subject, "audit subject"), (detail, "audit detail")] {
            if let text { try AuditText.check(text, what, maxLength: 1_000) }
        }
        try await connection.query("""
            INSERT INTO audit_log (at, pinned_at, actor, on_behalf_of, action, subject, detail)
            VALUES (\(context.recordedAt), \(context.pinnedAt), \(context.account), \(context.onBehalfOf), \(action),
                    \(subject), \(detail))
            """, logger: logger)
    }

    // MARK: - Firms

    public func addFirm(_ firm: Firm, context: AuditContext) async throws(RegistryError) {
        try AuditText.check(firm.legalName, "legal name", maxLength: Limits.firmText.upperBound)
        try AuditText.check(firm.licence, "licence", maxLength: Limits.firmText.upperBound)
        try await transaction("registering firm \(firm.id)") { connection in
            // The keys decide between two registering at once; these give the reason the SQLite store gives.
            if try await connection.query("SELECT 1 FROM firm WHERE id = \(firm.id)", logger: Self.logger)
                .collect().first != nil
            {
                throw RegistryError(.firmExists, "firm \(firm.id) is already registered")
            }
            if try await connection.query("SELECT 1 FROM firm WHERE licence = \(firm.licence)", logger: Self.logger)
                .collect().first != nil
            {
                throw RegistryError(.firmExists, "licence \(firm.licence) is already registered to another firm")
            }
            try await connection.query("""
                INSERT INTO firm (id, legal_name, kind, licence, status, created_at)
                VALUES (\(firm.id), \(firm.legalName), \(firm.kind.rawValue), \(firm.licence), \(firm.status.rawValue),
                        \(firm.createdAt))
                """, logger: Self.logger)
            try await Self.audit(connection, context, "firm.add", firm.id,
                                 "\(firm.legalName) · \(firm.kind.rawValue) · \(firm.licence)")
        }
    }

    public func firms() async throws(RegistryError) -> [Firm] {
        try await transaction("reading firms") { connection in
            try await connection.query("SELECT \(unescaped: Self.firmColumns) FROM firm ORDER BY id", logger: Self.logger)
                .collect().map(Self.firm)
        }
    }

    public func firm(_ id: String) async throws(RegistryError) -> Firm? {
        try await transaction("reading firm \(id)") { connection in try await Self.fetchFirm(connection, id, lock: "") }
    }

    static let firmColumns = "id, legal_name, kind, licence, status, created_at"

    static func fetchFirm(_ connection: PostgresConnection, _ id: String, lock: String) async throws -> Firm? {
        try await connection.query("SELECT \(unescaped: firmColumns) FROM firm WHERE id = \(id) \(unescaped: lock)",
                                   logger: logger).collect().first.map(firm)
    }

    static func firm(_ row: PostgresRow) throws -> Firm {
        let (id, name, kind, licence, status, created) = try row.decode((String, String, String, String, String, Int64).self)
        guard let kind = Firm.Kind(rawValue: kind), let status = Firm.Status(rawValue: status) else {
            throw RegistryError(.database, "firm \(id): stored kind or status is unknown")
        }
        return Firm(id: id, legalName: name, kind: kind, licence: licence, status: status, createdAt: created)
    }

    public func setFirmStatus(_ id: String, _ status: Firm.Status, reason: String,
                              revokingLivePassesAs revocationReason: RevocationReason?, context: AuditContext)
        async throws(RegistryError) -> [String]
    {
        try AuditText.check(reason, "the reason", maxLength: Limits.firmText.upperBound)
        if let revocationReason, !revocationReason.isKnown {
            throw RegistryError(.invalidValue, "unknown revocation reason '\(revocationReason.code)'")
        }
        return try await transaction("changing firm \(id)") { connection in
            // The row lock: an issuing transaction that read this firm finishes first, and one that has not yet
            // read it waits and then sees the new status.
            let updated = try await connection.query(
                "UPDATE firm SET status = \(status.rawValue) WHERE id = \(id) RETURNING id", logger: Self.logger
            ).collect()
            guard !updated.isEmpty else { throw RegistryError(.unknownFirm, "no firm with id \(id)") }
            try await Self.audit(connection, context, status == .suspended ? "firm.suspend" : "firm.reinstate", id, reason)
            guard let revocationReason else { return [] }
            // A new statement, so it sees every permit committed before the lock was granted. A permit someone
            // revoked meanwhile is left as it is (its key says so), not revoked twice.
            let revoked = try await connection.query("""
                INSERT INTO revocation (serial, revoked_at, reason, revoked_by)
                SELECT p.serial, \(context.effectiveTime), \(revocationReason.code), \(context.account) FROM permit p
                WHERE p.firm_id = \(id) AND p.expires_at > \(context.effectiveTime)
                  AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = p.serial)
                ORDER BY p.serial
                ON CONFLICT (serial) DO NOTHING
                RETURNING serial
                """, logger: Self.logger).collect().map { try $0.decode(String.self) }.sorted()
            for serial in revoked {
                try await Self.audit(connection, context, "permit.revoke", serial, revocationReason.code)
            }
            return revoked
        }
    }

    // MARK: - Vehicles

    public func transferVehicle(_ compact: String, to firmID: String, reason: String, context: AuditContext,
                                check: @escaping @Sendable (VehicleFacts, Firm?) -> RegistryError?)
        async throws(RegistryError)
    {
        try AuditText.check(reason, "the reason", maxLength: Limits.firmText.upperBound)
        try await transaction("transferring vehicle \(compact)") { connection in
            // Locked first: an issue for this vehicle waits for the transfer, or the transfer for it.
            guard let owner = try await connection.query(
                "SELECT firm_id FROM vehicle_owner WHERE compact_plate = \(compact) FOR UPDATE", logger: Self.logger
            ).collect().first.map({ try $0.decode(String.self) }) else {
                throw RegistryError(.unknownVehicle, "no vehicle \(compact) in the registry: it has never had a pass")
            }
            let firm = try await Self.fetchFirm(connection, firmID, lock: "FOR SHARE")
            let live = try await Self.livePasses(connection, [compact])[compact]
            if let refusal = check(VehicleFacts(owner: owner, livePass: live), firm) { throw refusal }
            try await connection.query("""
                UPDATE vehicle_owner SET firm_id = \(firmID), since = \(context.effectiveTime)
                WHERE compact_plate = \(compact)
                """, logger: Self.logger)
            try await Self.audit(connection, context, "vehicle.transfer", compact, "\(owner) → \(firmID) · \(reason)")
        }
    }

    static func livePasses(_ connection: PostgresConnection, _ plates: [String]) async throws
        -> [String: VehicleFacts.LivePass]
    {
        var result: [String: VehicleFacts.LivePass] = [:]
        for row in try await connection.query(
            "SELECT compact_plate, serial, expires_at FROM live_pass WHERE compact_plate = ANY(\(plates))",
            logger: logger
        ).collect() {
            let (plate, serial, expires) = try row.decode((String, String, Int64).self)
            result[plate] = VehicleFacts.LivePass(serial: serial, expiresAt: expires)
        }
        return result
    }

    // MARK: - Revocation

    public func revoke(_ serial: String, reason: RevocationReason, note: String?, context: AuditContext)
        async throws(RegistryError)
    {
        if let note { try AuditText.check(note, "the note", maxLength: Limits.revocationNote.upperBound) }
        try await transaction("revoking \(serial)") { connection in
            try await Self.revoke(connection, serial: serial, reason: reason, note: note, context: context)
        }
    }

    static func revoke(_ connection: PostgresConnection, serial: String, reason: RevocationReason, note: String? = nil,
                       context: AuditContext) async throws {
        guard try await connection.query("SELECT 1 FROM permit WHERE serial = \(serial)", logger: logger)
            .collect().first != nil
        else { throw RegistryError(.unknownPermit, "no permit with serial \(serial)") }
        if let row = try await connection.query(
            "SELECT revoked_at, reason FROM revocation WHERE serial = \(serial)", logger: logger
        ).collect().first {
            let (at, existing) = try row.decode((Int64, String).self)
            throw RegistryError(.alreadyRevoked, "permit \(serial) was already revoked at \(Timestamp.rfc3339(at)) "
                + "(\(AuditText.escaped(existing)))")
        }
        guard reason.isKnown else { throw RegistryError(.invalidValue, "unknown revocation reason '\(reason.code)'") }
        // Two revoking at once: the second waits on the key and fails with revocation_pkey (alreadyRevoked).
        try await connection.query("""
            INSERT INTO revocation (serial, revoked_at, reason, revoked_by, note)
            VALUES (\(serial), \(context.effectiveTime), \(reason.code), \(context.account), \(note))
            """, logger: logger)
        try await audit(connection, context, "permit.revoke", serial, reason.code + (note.map { " · " + $0 } ?? ""))
    }

    public func revocations(relevantAt time: Int64) async throws(RegistryError) -> RevocationExport {
        try await transaction("reading revocations") { connection in
            var export = RevocationExport(entries: [], freeTextReasons: [])
            for row in try await connection.query("""
                SELECT r.serial, r.revoked_at, r.reason FROM revocation r JOIN permit p ON p.serial = r.serial
                WHERE p.expires_at > \(time) ORDER BY r.serial
                """, logger: Self.logger).collect() {
                let (serial, at, text) = try row.decode((String, Int64, String).self)
                let reason = RevocationReason(known: text) ?? {
                    export.freeTextReasons.append(serial)
                    return .other
                }()
                export.entries.append(RevocationList.Entry(serial: serial, revokedAt: at, reason: reason))
            }
            return export
        }
    }

    public func nextRevocationListSequence(kid: String) async throws(RegistryError) -> UInt64 {
        guard kid.utf8.count == 16, kid.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { throw RegistryError(.invalidValue, "'\(SafeText.escaped(kid))' is not a key id (16 hex digits)") }
        // One statement: two exports at once take turns on the row (or on the key, the first time), and the
        // second gets the next number.
        return try await transaction("numbering a revocation list") { connection in
            let sequence = try await connection.query("""
                INSERT INTO revocation_list_sequence (kid, sequence) VALUES (\(kid), 1)
                ON CONFLICT (kid) DO UPDATE SET sequence = revocation_list_sequence.sequence + 1
                RETURNING sequence
                """, logger: Self.logger).collect()[0].decode(Int64.self)
            return UInt64(sequence)
        }
    }

    // MARK: - Audit log

    public func recordAudit(_ action: String, subject: String?, detail: String?, context: AuditContext)
        async throws(RegistryError)
    {
        try await transaction("recording \(action)") { connection in
            try await Self.audit(connection, context, action, subject, detail)
        }
    }

    public func auditLog(limit: Int, actor: String?, action: String?) async throws(RegistryError) -> [AuditEntry] {
        let prefix = action.map {
            $0.replacingOccurrences("\\", "\\\\").replacingOccurrences("%", "\\%").replacingOccurrences("_", "\\_") + "%"
        }
        return try await transaction("reading the audit log") { connection in
            try await connection.query("""
                SELECT id, at, pinned_at, actor, on_behalf_of, action, subject, detail FROM audit_log
                WHERE (\(actor)::text IS NULL OR actor = \(actor) OR on_behalf_of = \(actor))
                  AND (\(prefix)::text IS NULL OR action LIKE \(prefix) ESCAPE '\\')
                ORDER BY id DESC LIMIT \(max(0, limit))
                """, logger: Self.logger).collect().reversed().map { row in
                let (id, at, pinned, who, behalf, what, subject, detail) =
                    try row.decode((Int64, Int64, Int64?, String, String?, String, String?, String?).self)
                return AuditEntry(id: id, at: at, pinnedAt: pinned, actor: who, onBehalfOf: behalf, action: what,
                                  subject: subject, detail: detail)
            }
        }
    }

    public func counts() async throws(RegistryError) -> RegistryCounts {
        try await transaction("counting") { connection in
            let row = try await connection.query("""
                SELECT (SELECT count(*) FROM firm), (SELECT count(*) FROM permit), (SELECT count(*) FROM revocation),
                       (SELECT count(*) FROM audit_log)
                """, logger: Self.logger).collect()[0]
            let (firms, permits, revocations, audit) = try row.decode((Int, Int, Int, Int).self)
            return RegistryCounts(firms: firms, permits: permits, revocations: revocations, auditEntries: audit)
        }
    }

    // MARK: - Renewal runs

    public func renewalRun(orderNumber: String, orderEnd: Int64, context: AuditContext) async throws(RegistryError)
        -> Int64
    {
        try await transaction("starting a renewal run") { connection in
            let detail = "\(orderNumber) until \(Timestamp.rfc3339(orderEnd))"
            // Two operators at once: the key makes the second's insert do nothing, and it joins the first's run.
            if let id = try await connection.query("""
                INSERT INTO renewal_run (order_number, order_end, started_at, started_by)
                VALUES (\(orderNumber), \(orderEnd), \(context.recordedAt), \(context.account))
                ON CONFLICT (order_number, order_end) DO NOTHING RETURNING id
                """, logger: Self.logger).collect().first.map({ try $0.decode(Int64.self) }) {
                try await Self.audit(connection, context, "renewal.start", "run \(id)", detail)
                return id
            }
            let id = try await connection.query("""
                SELECT id FROM renewal_run WHERE order_number = \(orderNumber) AND order_end = \(orderEnd)
                """, logger: Self.logger).collect()[0].decode(Int64.self)
            try await Self.audit(connection, context, "renewal.resume", "run \(id)", detail)
            return id
        }
    }
}

extension RegistryError.Code where Domain == RegistryDomain {
    /// The database role may not do this (the application role changing the audit log, an auditor writing).
    public static var permissionDenied: Self { .init("permissionDenied", kind: .setup) }
}
