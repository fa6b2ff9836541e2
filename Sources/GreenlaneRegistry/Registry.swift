public import GreenlaneFormat
import GRDB
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The permit registry: every firm, vehicle, permit and revocation, and the audit log of every action.
///
/// Embedded SQLite in WAL mode through a GRDB `DatabasePool`: many readers, one writer at a time,
/// across processes. Writes take the lock up front (`BEGIN IMMEDIATE`) and wait for it while another
/// dispatcher writes, so concurrent issuing never fails on a busy database and never allocates a
/// serial twice.
public struct Registry: Sendable {
    let writer: any DatabaseWriter
    public let path: String

    /// Where the registry lives unless `--registry` or `GREENLANE_REGISTRY` say otherwise.
    public static let defaultPath = "greenlane-registry.sqlite"

    /// Opens (creating if needed) the registry at `path` and brings its schema up to date.
    public init(path: String, readOnly: Bool = false) throws(RegistryError) {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.readonly = readOnly
        // Another process may hold the write lock; wait rather than fail. Generous: a batch commits in
        // chunks that each take well under a second.
        config.busyMode = .timeout(60)
        config.label = "greenlane-registry"
        if !readOnly { try Registry.makePrivate(path) }
        do {
            writer = try Registry.openPool(path: path, configuration: config, migrate: !readOnly)
        } catch {
            throw RegistryError(.cannotOpen, "cannot open registry \(path): \(Registry.describe(error))", underlying: error)
        }
        self.path = path
    }

    /// The registry holds citizen ID numbers, names and test times: its file is created 0600 before SQLite
    /// opens it, and SQLite gives the `-wal` and `-shm` files it creates the database file's own mode. A
    /// registry that others can read (made by an older version) has those bits removed.
    static func makePrivate(_ path: String) throws(RegistryError) {
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode_t(0o600))
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
        guard info.st_mode & 0o077 != 0 else { return }
        _ = fchmod(fd, info.st_mode & 0o700)
        for suffix in ["-wal", "-shm"] {
            var other = stat()
            if lstat(path + suffix, &other) == 0, other.st_mode & S_IFMT == S_IFREG {
                _ = chmod(path + suffix, other.st_mode & 0o700)
            }
        }
    }

    private static func systemText(_ code: Int32) -> String {
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
                if migrate { try Registry.migrate(pool) }
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

    /// An in-memory registry, for tests.
    public init(inMemory: Void) throws(RegistryError) {
        do {
            let queue = try DatabaseQueue()
            try Schema.migrator.migrate(queue)
            writer = queue
        } catch {
            throw RegistryError(.cannotOpen, "cannot create an in-memory registry: \(Registry.describe(error))")
        }
        path = ":memory:"
    }

    /// For tests: a registry file whose schema stops at `migration`, as an older greenlane left it.
    init(path: String, migratedUpTo migration: String) throws {
        let pool = try DatabasePool(path: path)
        try Schema.migrator.migrate(pool, upTo: migration)
        writer = pool
        self.path = path
    }

    // MARK: - Transactions

    /// Runs `body` in one IMMEDIATE transaction: it commits entirely or not at all.
    func write<T>(_ body: (Database) throws -> T) throws(RegistryError) -> T {
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
            throw RegistryError(.database, Registry.describe(error), underlying: error)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(RegistryError) -> T {
        do {
            return try writer.read(body)
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.database, Registry.describe(error), underlying: error)
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

    public func addFirm(_ firm: Firm, context: AuditContext) throws(RegistryError) {
        try AuditText.check(firm.legalName, "legal name", maxLength: Self.maxFirmTextLength)
        try AuditText.check(firm.licence, "licence", maxLength: Self.maxFirmTextLength)
        try write { db in
            if try Firm.fetchOne(db, key: firm.id) != nil {
                throw RegistryError(.firmExists, "firm \(firm.id) is already registered")
            }
            if try Firm.filter(Column("licence") == firm.licence).fetchOne(db) != nil {
                throw RegistryError(.firmExists, "licence \(firm.licence) is already registered to another firm")
            }
            try firm.insert(db)
            try Registry.audit(db, context, "firm.add", firm.id,
                               "\(firm.legalName) · \(firm.kind.rawValue) · \(firm.licence)")
        }
    }

    public func setFirmStatus(_ id: String, _ status: Firm.Status, reason: String, context: AuditContext)
        throws(RegistryError)
    {
        try AuditText.check(reason, "the reason", maxLength: Self.maxFirmTextLength)
        try write { db in
            guard var firm = try Firm.fetchOne(db, key: id) else {
                throw RegistryError(.unknownFirm, "no firm with id \(id)")
            }
            firm.status = status
            try firm.update(db)
            try Registry.audit(db, context, status == .suspended ? "firm.suspend" : "firm.reinstate", id, reason)
        }
    }

    public func firms() throws(RegistryError) -> [Firm] {
        try read { db in try Firm.order(Column("id")).fetchAll(db) }
    }

    public func firm(_ id: String) throws(RegistryError) -> Firm? {
        try read { db in try Firm.fetchOne(db, key: id) }
    }

    // MARK: - Permits

    /// One permit with its status at `now` (active, pending, expired or revoked), computed as `list` does.
    public func permit(_ serial: String, at now: Int64) throws(RegistryError) -> PermitListing? {
        try read { db in
            guard var listing = try Row.fetchOne(
                db, sql: Registry.listingSQL + " WHERE p.serial = :serial", arguments: ["serial": serial, "now": now]
            ).map(Registry.listing) else { return nil }
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

    /// Revokes a permit as of `context.effectiveTime`. Revoking twice is an error that names when it was
    /// first revoked. `replaced` and `renewed` are refused: only the engine sets them, with the new permit.
    public func revoke(_ serial: String, reason: RevocationReason, note: String? = nil, context: AuditContext)
        throws(RegistryError)
    {
        guard reason.isKnown, !RevocationReason.engineOnly.contains(reason) else {
            throw RegistryError(
                .invalidValue, "'\(reason.code)' is not a reason to revoke by hand; use one of "
                    + RevocationReason.manual.map(\.code).joined(separator: ", "))
        }
        if let note { try AuditText.check(note, "the note", maxLength: Self.maxNoteLength) }
        try write { db in try Registry.revoke(db, serial: serial, reason: reason, note: note, context: context) }
    }

    static func revoke(_ db: Database, serial: String, reason: RevocationReason, note: String? = nil,
                       context: AuditContext) throws {
        guard try PermitRecord.fetchOne(db, key: serial) != nil else {
            throw RegistryError(.unknownPermit, "no permit with serial \(serial)")
        }
        if let existing = try Revocation.fetchOne(db, key: serial) {
            throw RegistryError(
                .alreadyRevoked,
                "permit \(serial) was already revoked at \(Timestamp.rfc3339(existing.revokedAt)) "
                    + "(\(AuditText.escaped(existing.reason)))")
        }
        guard reason.isKnown else {
            throw RegistryError(.invalidValue, "unknown revocation reason '\(reason.code)'")
        }
        try Revocation(serial: serial, revokedAt: context.effectiveTime, reason: reason.code,
                       revokedBy: context.account, note: note).insert(db)
        try audit(db, context, "permit.revoke", serial, reason.code + (note.map { " · " + $0 } ?? ""))
    }

    /// What a revocation list needs: the revocations of permits not yet expired at a time.
    public struct RevocationExport: Sendable {
        public var entries: [RevocationList.Entry]
        /// Serials whose stored reason is free text from before reason codes: exported as `other`.
        public var freeTextReasons: [String]
    }

    /// Revocations of permits that have not yet expired at `time`: what a checkpoint still needs. A reason
    /// stored before reason codes that is not a code goes out as `other` (and is named in `freeTextReasons`):
    /// the revocation must reach checkpoints, and the free text must not.
    public func revocations(relevantAt time: Int64) throws(RegistryError) -> RevocationExport {
        try read { db in
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

    public func recordExport(_ what: String, detail: String, context: AuditContext) throws(RegistryError) {
        try write { db in try Registry.audit(db, context, what, nil, detail) }
    }

    // MARK: - Audit log

    /// The last `limit` entries, oldest first. `actor` matches the account or whom it acted for.
    public func auditLog(limit: Int, actor: String? = nil, action: String? = nil)
        throws(RegistryError) -> [AuditEntry]
    {
        try read { db in
            var request = AuditEntry.order(Column("id").desc).limit(limit)
            if let actor {
                // A registry opened read-only is not migrated: before v3 there is no on_behalf_of column.
                let columns = try db.columns(in: "audit_log").map(\.name)
                request = columns.contains("on_behalf_of")
                    ? request.filter(Column("actor") == actor || Column("on_behalf_of") == actor)
                    : request.filter(Column("actor") == actor)
            }
            if let action { request = request.filter(Column("action").like(action + "%")) }
            return try request.fetchAll(db).reversed()
        }
    }

    /// SQLite's own integrity check: "ok" when the file is sound.
    public func integrityCheck() throws(RegistryError) -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }
}
