public import GreenlaneStore
public import GreenlaneFormat
public import GreenlaneSupport
import GRDB
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The registry on embedded SQLite: every firm, vehicle, permit and revocation, and the audit log of every action.
///
/// SQLite in WAL mode through a GRDB `DatabasePool`: many readers, one writer at a time, across processes.
/// Every write is one `BEGIN IMMEDIATE` transaction: it takes the write lock up front and waits for it while
/// another dispatcher writes (busy timeout), so what the engine's rules read inside it cannot change before it
/// commits, concurrent issuing never fails on a busy database and never allocates a serial twice.
public struct SQLiteStore: PermitStore {
    let writer: any DatabaseWriter
    public let path: String
    public var name: String { path }
    /// What `registry init` recorded; nil only for a registry opened read-only that was never initialised.
    public let settings: RegistrySettings?

    /// Where the registry lives unless `--registry` or `GREENLANE_REGISTRY` say otherwise.
    public static let defaultPath = "greenlane-registry.sqlite"

    /// Opens the registry at `path` and brings its schema up to date. A registry is made on purpose, by
    /// `create` (`greenlane registry init`): a path with no file, or a file that was never initialised, is
    /// refused, naming the path and that command, so a mistyped path or another folder never starts a second
    /// registry at serial 000001.
    ///
    /// Read-only (auditors) opens without migrating or writing anything, also on a read-only file or folder.
    public init(path: String, readOnly: Bool = false) throws(RegistryError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw RegistryError(
                .noRegistry, "no registry at \(path); create one with `greenlane registry init --policy FILE` "
                    + "(or give --registry / GREENLANE_REGISTRY)")
        }
        var config = SQLiteStore.configuration(readOnly: readOnly)
        if readOnly {
            writer = try SQLiteStore.openReadOnly(path: path, configuration: &config)
        } else {
            try SQLiteStore.makePrivate(path, keepGroupRead: true)
            do {
                writer = try SQLiteStore.openPool(path: path, configuration: config, migrate: true)
            } catch {
                throw RegistryError(.cannotOpen, "cannot open registry \(path): \(SQLiteStore.describe(error))", underlying: error)
            }
        }
        self.path = path
        let settings = try SQLiteStore.loadSettings(writer, path: path)
        self.settings = settings
        if !readOnly {
            if settings?.fileGroup == nil { try SQLiteStore.makePrivate(path, keepGroupRead: false) }
            guard settings != nil else {
                throw RegistryError(
                    .noRegistry, "\(path) was never initialised (no issuer, station or serial prefix recorded); run "
                        + "`greenlane registry init --policy FILE --registry \(path)`")
            }
        }
    }

    static func configuration(readOnly: Bool) -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.readonly = readOnly
        // Another process may hold the write lock; wait rather than fail. Generous: a batch commits in
        // chunks that each take well under a second.
        config.busyMode = .timeout(60)
        config.label = "greenlane-registry"
        // The writer's page cache: issuing inserts into B-trees keyed by plate and by code, whose pages it
        // touches all over; SQLite's default 2 MB made a 100,000-row batch read them again and again (about
        // twice as slow as with this). Readers keep the default, so a streamed export stays small. The writer
        // checkpoints when the log passes 32,000 pages (128 MiB), not 8,000: a batch rewrites the same pages of
        // those B-trees chunk after chunk, and a checkpoint copies each page once however often the log holds it.
        // A 100,000-row batch put 349 MB of pages in the log for 88 MB of file; at 8,000 its checkpoints cost a
        // fifth of its time, on the writer's thread (BENCHMARKS.md, issue 13). A checkpoint copied by another
        // connection in the background was slower still on two busy cores (it ran again and again).
        config.prepareDatabase { db in
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 32000")
            }
        }
        return config
    }

    /// An auditor's connection. WAL needs the `-shm` file: where it cannot be created (a read-only folder, a
    /// copy on read-only media) the file is opened as immutable, which is right for a registry nobody writes
    /// there (a backup is one file with no WAL).
    static func openReadOnly(path: String, configuration: inout Configuration) throws(RegistryError) -> any DatabaseWriter {
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            _ = try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }
            return queue
        } catch let first {
            let escaped = path.unicodeScalars.map { "?#%".unicodeScalars.contains($0) ? "%" + String($0.value, radix: 16) : String($0) }.joined()
            do {
                let queue = try DatabaseQueue(path: "file:" + escaped + "?immutable=1", configuration: configuration)
                _ = try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }
                return queue
            } catch {
                throw RegistryError(.cannotOpen, "cannot open registry \(path): \(SQLiteStore.describe(first))", underlying: first)
            }
        }
    }

    static func loadSettings(_ reader: any DatabaseReader, path: String) throws(RegistryError) -> RegistrySettings? {
        do {
            return try reader.read { db in
                guard try db.tableExists("registry_settings") else { return nil }
                return try SQLiteStore.fetchSettings(db)
            }
        } catch {
            throw RegistryError(.cannotOpen, "cannot open registry \(path): \(SQLiteStore.describe(error))", underlying: error)
        }
    }

    /// Makes a registry: `greenlane registry init`. The file is created here (0600, or 0640 and owned by
    /// `settings.fileGroup` so its auditors can read it), never over an existing registry; a file an older
    /// version made without settings is adopted when its permits agree with them.
    public static func create(path: String, settings: RegistrySettings, context: AuditContext)
        async throws(RegistryError) -> SQLiteStore
    {
        try createNow(path: path, settings: settings, context: context)
    }

    /// `create`, on the caller's thread (the tests' opening races run it on many threads at once).
    static func createNow(path: String, settings: RegistrySettings, context: AuditContext)
        throws(RegistryError) -> SQLiteStore
    {
        if let problem = settings.problem() { throw RegistryError(.invalidValue, problem) }
        var group: gid_t?
        if let name = settings.fileGroup {
            guard let entry = getgrnam(name) else {
                throw RegistryError(.invalidValue, "there is no group '\(AuditText.escaped(name))' on this machine")
            }
            group = entry.pointee.gr_gid
        }
        let mode: mode_t = group == nil ? 0o600 : 0o640
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let code = errno
            throw RegistryError(
                .cannotOpen, "cannot create registry \(path): " + (code == ELOOP ? "it is a symbolic link" : systemText(code)))
        }
        var info = stat()
        let isFile = fstat(fd, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
        var failure: String?
        if !isFile { failure = "not a regular file" }
        if failure == nil, let group {
            if fchown(fd, uid_t.max, group) != 0 { failure = "cannot give it to group \(settings.fileGroup!): " + systemText(errno) }
        }
        if failure == nil, fchmod(fd, mode) != 0 { failure = systemText(errno) }
        close(fd)
        if let failure { throw RegistryError(.cannotOpen, "cannot create registry \(path): \(failure)") }
        let pool: DatabasePool
        do {
            pool = try openPool(path: path, configuration: configuration(readOnly: false), migrate: true)
        } catch {
            throw RegistryError(.cannotOpen, "cannot create registry \(path): \(SQLiteStore.describe(error))", underlying: error)
        }
        let registry = SQLiteStore(writer: pool, path: path, settings: settings)
        try registry.initialiseNow(settings, context: context)
        return registry
    }

    public func initialise(_ settings: RegistrySettings, context: AuditContext) async throws(RegistryError) {
        try initialiseNow(settings, context: context)
    }

    func initialiseNow(_ settings: RegistrySettings, context: AuditContext) throws(RegistryError) {
        if let problem = settings.problem() { throw RegistryError(.invalidValue, problem) }
        let path = self.path
        try writeNow { db in
            if let existing = try SQLiteStore.fetchSettings(db) {
                throw RegistryError(
                    .registryExists, "\(path) is already a registry (issuer \(existing.issuer), station "
                        + "\(existing.station), serials \(existing.serialPrefix)-…); it is never initialised twice")
            }
            let others = try String.fetchAll(db, sql: "SELECT DISTINCT issuer FROM permit WHERE issuer <> ?",
                                             arguments: [settings.issuer])
            if !others.isEmpty {
                throw RegistryError(
                    .otherIssuer, "\(path) already holds permits of issuer \(others.joined(separator: ", ")), "
                        + "not \(settings.issuer)")
            }
            try SQLiteStore.insert(settings, db)
            try SQLiteStore.audit(db, context, "registry.init", path,
                      "issuer \(settings.issuer) · station \(settings.station) · serials \(settings.serialPrefix)-"
                          + (settings.fileGroup.map { " · group \($0) may read" } ?? ""))
        }
    }

    init(writer: any DatabaseWriter, path: String, settings: RegistrySettings?) {
        self.writer = writer
        self.path = path
        self.settings = settings
    }

    /// The registry holds citizen ID numbers, names and test times: `create` makes its file 0600 (0640 for a
    /// group of auditors), and SQLite gives the `-wal` and `-shm` files it creates the database file's own
    /// mode. Whatever else can read it (a file made by an older version, a careless chmod) is removed: every
    /// bit for others, group write, and group read unless the registry was made for a group.
    static func makePrivate(_ path: String, keepGroupRead: Bool) throws(RegistryError) {
        let fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw RegistryError(
                .cannotOpen, "cannot open registry \(path): " + (code == ELOOP ? "it is a symbolic link" : systemText(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw RegistryError(.cannotOpen, "cannot open registry \(path): not a regular file")
        }
        let remove: mode_t = keepGroupRead ? 0o037 : 0o077
        guard info.st_mode & remove != 0 else { return }
        _ = fchmod(fd, info.st_mode & 0o777 & ~remove)
        for suffix in ["-wal", "-shm"] {
            var other = stat()
            if lstat(path + suffix, &other) == 0, other.st_mode & S_IFMT == S_IFREG {
                _ = chmod(path + suffix, other.st_mode & 0o777 & ~remove)
            }
        }
    }

    static func systemText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// Opens the pool and migrates, retrying while another process is doing the same.
    ///
    /// When no process has the registry open, its `-wal` file is gone, and GRDB's pool set-up writes to
    /// recreate it in a deferred transaction: of several dispatchers starting at once, one can get
    /// SQLITE_BUSY ("database is locked") straight away, without the busy timeout, because another has
    /// just committed. That race lasts milliseconds: wait a little and open again.
    static func openPool(path: String, configuration: Configuration, migrate: Bool) throws -> DatabasePool {
        var attempt = 0
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                if migrate { try SQLiteStore.migrate(pool) }
                return pool
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < 100 {
                attempt += 1
                usleep(UInt32(10_000 * min(attempt, 5)))
            }
        }
    }

    /// Brings the schema up to date, when several processes may be opening a new registry at once.
    ///
    /// GRDB reads which migrations are applied before it takes the write lock to run the missing ones, so
    /// two dispatchers creating the same registry can both decide to run `v1-registry`; the second then
    /// fails with "table firm already exists". When a migration fails and another process has applied
    /// migrations in the meantime, look again: the loop ends because each retry needs one more migration
    /// applied than before, and an error with no such progress is a real one.
    static func migrate(_ pool: DatabasePool) throws {
        let migrator = Schema.migrator
        while true {
            let before = try pool.read { try migrator.appliedIdentifiers($0) }
            do {
                try migrator.migrate(pool)
                return
            } catch {
                let after = try pool.read { try migrator.appliedIdentifiers($0) }
                guard after.isStrictSuperset(of: before) else { throw error }
            }
        }
    }

    /// An in-memory registry, for tests, initialised with `settings`.
    public init(inMemory settings: RegistrySettings) throws(RegistryError) {
        do {
            let queue = try DatabaseQueue()
            try Schema.migrator.migrate(queue)
            try queue.write { db in try SQLiteStore.insert(settings, db) }
            writer = queue
        } catch {
            throw RegistryError(.cannotOpen, "cannot create an in-memory registry: \(SQLiteStore.describe(error))")
        }
        path = ":memory:"
        self.settings = settings
    }

    /// For tests (the contract suite's `initialise`): a registry file fully migrated, never initialised.
    static func uninitialised(path: String) throws -> SQLiteStore {
        let pool = try openPool(path: path, configuration: configuration(readOnly: false), migrate: true)
        return SQLiteStore(writer: pool, path: path, settings: nil)
    }

    /// For tests: a registry file whose schema stops at `migration`, as an older greenlane left it.
    init(path: String, migratedUpTo migration: String) throws {
        let pool = try DatabasePool(path: path)
        try Schema.migrator.migrate(pool, upTo: migration)
        writer = pool
        self.path = path
        settings = nil
    }

    // MARK: - Transactions

    /// Runs `body` in one IMMEDIATE transaction: it commits entirely or not at all.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(RegistryError) -> T {
        try await transaction { db in (try body(db), Database.TransactionCompletion.commit) }
    }

    /// One IMMEDIATE transaction that `body` commits or rolls back.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> (T, Database.TransactionCompletion))
        async throws(RegistryError) -> T
    {
        do {
            return try await writer.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    let (value, completion) = try body(db)
                    result = value
                    return completion
                }
                return result!
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.database, SQLiteStore.describe(error), underlying: error)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(RegistryError) -> T {
        do {
            return try await writer.read(body)
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.database, SQLiteStore.describe(error), underlying: error)
        }
    }

    /// A synchronous IMMEDIATE transaction, for `registry init`.
    func writeNow<T>(_ body: (Database) throws -> T) throws(RegistryError) -> T {
        do {
            return try writer.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.database, SQLiteStore.describe(error), underlying: error)
        }
    }

    /// Synchronous reads, for opening and for `backup`'s check of its copy.
    func readNow<T>(_ body: (Database) throws -> T) throws(RegistryError) -> T {
        do {
            return try writer.read(body)
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.database, SQLiteStore.describe(error), underlying: error)
        }
    }

    /// What a database failure means, in words. SQLite's own message stays in the underlying error (for
    /// `GREENLANE_DEBUG` and logs): it names tables and constraints, not what the operator should do.
    static func describe(_ error: any Error) -> String {
        if let error = error as? RegistryError { return error.reason }
        guard let error = error as? DatabaseError else { return "the registry failed unexpectedly" }
        switch error.resultCode.primaryResultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "another process has held the registry locked for too long"
        case .SQLITE_FULL: return "the disk is full"
        case .SQLITE_READONLY: return "the registry is read-only here"
        case .SQLITE_PERM, .SQLITE_AUTH: return "permission denied"
        case .SQLITE_CANTOPEN: return "the file cannot be opened (missing folder or permissions)"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return "the file is not a greenlane registry, or it is damaged"
        case .SQLITE_IOERR: return "a disk error"
        case .SQLITE_CONSTRAINT: return "a value the registry's rules do not allow"
        case .SQLITE_NOMEM: return "out of memory"
        default: return "the database failed (SQLite result \(error.resultCode.primaryResultCode.rawValue))"
        }
    }

    /// Appends one entry. Every text must be one line of printable characters: the callers check what people
    /// typed and say which flag was wrong; this is the last guard (and the schema's trigger the one after it).
    static func audit(_ db: Database, _ context: AuditContext, _ action: String, _ subject: String?,
                      _ detail: String? = nil) throws {
        for (text, what) in [(action, "audit action"), (subject, "audit subject"), (detail, "audit detail")] {
            if let text { try AuditText.check(text, what, maxLength: 1_000) }
        }
        // One cached statement: an audit entry is written for every permit issued.
        try db.cachedStatement(sql: """
            INSERT INTO audit_log (at, pinned_at, actor, on_behalf_of, action, subject, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                context.recordedAt, context.pinnedAt, context.account, context.onBehalfOf, action, subject, detail,
            ])
    }


    // MARK: - Firms

    /// Longest legal name, licence or firm status reason, in characters.
    public static let maxFirmTextLength = Limits.firmText.upperBound

    public func addFirm(_ firm: Firm, context: AuditContext) async throws(RegistryError) {
        try AuditText.check(firm.legalName, "legal name", maxLength: Self.maxFirmTextLength)
        try AuditText.check(firm.licence, "licence", maxLength: Self.maxFirmTextLength)
        try await write { db in
            if try SQLiteStore.fetchFirm(db, firm.id) != nil {
                throw RegistryError(.firmExists, "firm \(firm.id) is already registered")
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM firm WHERE licence = ?", arguments: [firm.licence]) != nil {
                throw RegistryError(.firmExists, "licence \(firm.licence) is already registered to another firm")
            }
            try db.execute(sql: """
                INSERT INTO firm (id, legal_name, kind, licence, status, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [firm.id, firm.legalName, firm.kind.rawValue, firm.licence, firm.status.rawValue,
                                 firm.createdAt])
            try SQLiteStore.audit(db, context, "firm.add", firm.id,
                                  "\(firm.legalName) · \(firm.kind.rawValue) · \(firm.licence)")
        }
    }

    public func setFirmStatus(_ id: String, _ status: Firm.Status, reason: String,
                              revokingLivePassesAs revocationReason: RevocationReason?, context: AuditContext)
        async throws(RegistryError) -> [String]
    {
        try AuditText.check(reason, "the reason", maxLength: Self.maxFirmTextLength)
        return try await write { db in
            guard try SQLiteStore.fetchFirm(db, id) != nil else {
                throw RegistryError(.unknownFirm, "no firm with id \(id)")
            }
            try db.execute(sql: "UPDATE firm SET status = ? WHERE id = ?", arguments: [status.rawValue, id])
            try SQLiteStore.audit(db, context, status == .suspended ? "firm.suspend" : "firm.reinstate", id, reason)
            guard let revocationReason else { return [] }
            let live = try String.fetchAll(db, sql: """
                SELECT p.serial FROM permit p
                WHERE p.firm_id = ? AND p.expires_at > ?
                  AND NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = p.serial)
                ORDER BY p.serial
                """, arguments: [id, context.effectiveTime])
            for serial in live {
                try SQLiteStore.revoke(db, serial: serial, reason: revocationReason, note: nil, context: context)
            }
            return live
        }
    }

    public func transferVehicle(_ compact: String, to firmID: String, reason: String, context: AuditContext,
                                check: @escaping @Sendable (VehicleFacts, Firm?) -> RegistryError?)
        async throws(RegistryError)
    {
        try AuditText.check(reason, "the reason", maxLength: Self.maxFirmTextLength)
        try await write { db in
            let firm = try SQLiteStore.fetchFirm(db, firmID)
            guard let facts = try SQLiteStore.vehicleFacts(db, compact), let owner = facts.owner else {
                throw RegistryError(.unknownVehicle, "no vehicle \(compact) in the registry: it has never had a pass")
            }
            if let refusal = check(facts, firm) { throw refusal }
            try db.execute(sql: "UPDATE vehicle_owner SET firm_id = ?, since = ? WHERE compact_plate = ?",
                           arguments: [firmID, context.effectiveTime, compact])
            try SQLiteStore.audit(db, context, "vehicle.transfer", compact, "\(owner) → \(firmID) · \(reason)")
        }
    }

    public func firms() async throws(RegistryError) -> [Firm] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM firm ORDER BY id").map(SQLiteStore.firm)
        }
    }

    public func firm(_ id: String) async throws(RegistryError) -> Firm? {
        try await read { db in try SQLiteStore.fetchFirm(db, id) }
    }

    // MARK: - Permits

    public func permit(_ serial: String, at now: Int64) async throws(RegistryError) -> PermitListing? {
        try await read { db in
            guard var listing = try Row.fetchOne(
                db, sql: SQLiteStore.listingSQL + " WHERE p.serial = :serial", arguments: ["serial": serial, "now": now]
            ).map(SQLiteStore.listing) else { return nil }
            // The note column arrived with v3-audit-truth; a registry opened read-only may predate it.
            if listing.revocation != nil,
                try db.columns(in: "revocation").contains(where: { $0.name == "note" })
            {
                listing.revocation?.note = try String.fetchOne(
                    db, sql: "SELECT note FROM revocation WHERE serial = ?", arguments: [serial])
            }
            return listing
        }
    }

    /// Longest revocation note, in characters.
    public static let maxNoteLength = Limits.revocationNote.upperBound

    public func revoke(_ serial: String, reason: RevocationReason, note: String?, context: AuditContext)
        async throws(RegistryError)
    {
        if let note { try AuditText.check(note, "the note", maxLength: Self.maxNoteLength) }
        try await write { db in try SQLiteStore.revoke(db, serial: serial, reason: reason, note: note, context: context) }
    }

    static func revoke(_ db: Database, serial: String, reason: RevocationReason, note: String? = nil,
                       context: AuditContext) throws {
        guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM permit WHERE serial = ?"), arguments: [serial])
            != nil
        else {
            throw RegistryError(.unknownPermit, "no permit with serial \(serial)")
        }
        if let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT revoked_at, reason FROM revocation WHERE serial = ?"), arguments: [serial])
        {
            throw RegistryError(
                .alreadyRevoked,
                "permit \(serial) was already revoked at \(Timestamp.rfc3339(existing[0])) "
                    + "(\(AuditText.escaped(existing[1])))")
        }
        guard reason.isKnown else {
            throw RegistryError(.invalidValue, "unknown revocation reason '\(reason.code)'")
        }
        try db.cachedStatement(sql: """
            INSERT INTO revocation (serial, revoked_at, reason, revoked_by, note) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [serial, context.effectiveTime, reason.code, context.account, note])
        try audit(db, context, "permit.revoke", serial, reason.code + (note.map { " · " + $0 } ?? ""))
    }

    /// Revocations of permits that have not yet expired at `time`: what a checkpoint still needs. A reason
    /// stored before reason codes that is not a code goes out as `other` (and is named in `freeTextReasons`):
    /// the revocation must reach checkpoints, and the free text must not.
    public func revocations(relevantAt time: Int64) async throws(RegistryError) -> RevocationExport {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.serial, r.revoked_at, r.reason FROM revocation r JOIN permit p ON p.serial = r.serial
                WHERE p.expires_at > ? ORDER BY r.serial
                """, arguments: [time])
            var export = RevocationExport(entries: [], freeTextReasons: [])
            for row in rows {
                let serial: String = row[0]
                let reason = RevocationReason(known: row[2]) ?? {
                    export.freeTextReasons.append(serial)
                    return .other
                }()
                export.entries.append(RevocationList.Entry(serial: serial, revokedAt: row[1], reason: reason))
            }
            return export
        }
    }

    public func nextRevocationListSequence(kid: String) async throws(RegistryError) -> UInt64 {
        guard kid.utf8.count == 16, kid.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { throw RegistryError(.invalidValue, "'\(SafeText.escaped(kid))' is not a key id (16 hex digits)") }
        return try await write { db in
            let last = try Int64.fetchOne(
                db, sql: "SELECT sequence FROM revocation_list_sequence WHERE kid = ?", arguments: [kid]) ?? 0
            try db.execute(sql: """
                INSERT INTO revocation_list_sequence (kid, sequence) VALUES (?, ?)
                ON CONFLICT (kid) DO UPDATE SET sequence = excluded.sequence
                """, arguments: [kid, last + 1])
            return UInt64(last + 1)
        }
    }

    public func recordAudit(_ action: String, subject: String?, detail: String?, context: AuditContext)
        async throws(RegistryError)
    {
        try await write { db in try SQLiteStore.audit(db, context, action, subject, detail) }
    }

    // MARK: - Audit log

    public func auditLog(limit: Int, actor: String?, action: String?) async throws(RegistryError) -> [AuditEntry] {
        try await read { db in
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let actor {
                // A registry opened read-only is not migrated: before v3 there is no on_behalf_of column.
                let columns = try db.columns(in: "audit_log").map(\.name)
                if columns.contains("on_behalf_of") {
                    conditions.append("(actor = ? OR on_behalf_of = ?)")
                    arguments += [actor, actor]
                } else {
                    conditions.append("actor = ?")
                    arguments.append(actor)
                }
            }
            if let action {
                conditions.append("action LIKE ? ESCAPE '\\'")
                let escaped = action.replacingOccurrences("\\", "\\\\").replacingOccurrences("%", "\\%")
                    .replacingOccurrences("_", "\\_")
                arguments.append(escaped + "%")
            }
            let columns = try db.columns(in: "audit_log").map(\.name)
            let pinned = columns.contains("pinned_at") ? "pinned_at" : "NULL"
            let behalf = columns.contains("on_behalf_of") ? "on_behalf_of" : "NULL"
            var sql = "SELECT id, at, \(pinned), actor, \(behalf), action, subject, detail FROM audit_log"
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).reversed().map { row in
                AuditEntry(id: row[0], at: row[1], pinnedAt: row[2], actor: row[3], onBehalfOf: row[4], action: row[5],
                           subject: row[6], detail: row[7])
            }
        }
    }

    public func counts() async throws(RegistryError) -> RegistryCounts {
        try await read { db in try SQLiteStore.counts(db) }
    }

    static func counts(_ db: Database) throws -> RegistryCounts {
        func count(_ table: String) throws -> Int { try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 }
        return RegistryCounts(firms: try count("firm"), permits: try count("permit"),
                              revocations: try count("revocation"), auditEntries: try count("audit_log"))
    }

    /// Copies the registry to `destination` with SQLite's online backup, while other processes keep issuing:
    /// the copy is one consistent snapshot (unlike `cp` of a WAL database in use). Written to a temporary file
    /// in the destination's folder (mode 0600), checked (integrity, counts), then renamed into place; an
    /// existing file is never overwritten. Returns the copy's counts. The audit entry is written after the
    /// snapshot, so the copy does not hold it.
    public func backup(to destination: String, context: AuditContext) async throws(RegistryError) -> RegistryCounts {
        let counts = try backupNow(to: destination)
        try await write { db in try SQLiteStore.audit(db, context, "registry.backup", destination, counts.description) }
        return counts
    }

    private func backupNow(to destination: String) throws(RegistryError) -> RegistryCounts {
        var info = stat()
        if lstat(destination, &info) == 0 {
            throw RegistryError(.invalidValue, "\(destination) exists; a backup never overwrites a file")
        }
        let temporary = destination + ".partial-\(getpid())"
        let fd = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(0o600))
        guard fd >= 0 else {
            throw RegistryError(.cannotOpen, "cannot write the backup \(destination): " + SQLiteStore.systemText(errno))
        }
        close(fd)
        do {
            let copy = try DatabaseQueue(path: temporary)
            try writer.backup(to: copy)
            // One file, no WAL: it can be copied, mailed or opened read-only anywhere.
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            let check = try copy.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
            guard check == "ok" else {
                throw RegistryError(.database, "the backup failed its integrity check: \(check ?? "no answer")")
            }
            try copy.close()
            let opened = try SQLiteStore(path: temporary, readOnly: true)
            let counts = try opened.readNow { db in try SQLiteStore.counts(db) }
            guard fsyncPath(temporary), rename(temporary, destination) == 0 else {
                throw RegistryError(.cannotOpen, "cannot write the backup \(destination): " + SQLiteStore.systemText(errno))
            }
            return counts
        } catch {
            unlink(temporary)
            if let error = error as? RegistryError { throw error }
            throw RegistryError(.database, "the backup failed: \(SQLiteStore.describe(error))", underlying: error)
        }
    }

    private func fsyncPath(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return fsync(fd) == 0
    }

    /// SQLite's own integrity check: "ok" when the file is sound.
    public func integrityCheck() async throws(RegistryError) -> String {
        try await read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
