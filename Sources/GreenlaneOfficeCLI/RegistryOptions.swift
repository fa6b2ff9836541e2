import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneCrypto
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneStore
import GreenlanePostgresStore
import GreenlaneSQLiteStore
import GreenlaneSupport
import GreenlaneVerifier
import Synchronization

/// Says once per process that the clock is pinned, however many times a command asks for the time.
enum ClockAnnouncement {
    private static let done = Mutex(false)

    static func once(_ announce: () -> Void) {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        if first { announce() }
    }
}

/// Where the registry is, whom the account acts for, and what time it is.
struct RegistryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Registry file, or postgres://USER@HOST:PORT/DB?… (default: $GREENLANE_REGISTRY, else "
            + "./\(SQLiteStore.defaultPath)).",
        discussion: "A PostgreSQL registry's password comes from passwordFile= in the URL, "
            + "$GREENLANE_PG_PASSWORD_FILE or $GREENLANE_PG_PASSWORD, never from the command line; "
            + "sslmode=disable|require|verify-full (default verify-full), sslrootcert=FILE, schema=NAME."))
    var registry: String?

    @Option(name: .long, help: ArgumentHelp(
        "Whom you act for, recorded in the audit log beside your account.",
        discussion: "The audit log's 'who' is always the operating-system account running the command."))
    var actor: String?

    @Option(name: .long, help: ArgumentHelp(
        "Act as if it were this time (RFC 3339; default: $GREENLANE_CLOCK, else now).",
        discussion: "For demos and drills: the sample policy's order ran in July 2021. The audit log records "
            + "the real time as well, and the command says on standard error that the clock is pinned."))
    var clock: String?

    func validate() throws {
        if let actor, let problem = AuditText.problem(in: actor, maxLength: AuditContext.maxOnBehalfOfLength) {
            throw ValidationError("--actor \(problem); it must be one line of printable text")
        }
    }

    var path: String { registry ?? environment("GREENLANE_REGISTRY") ?? SQLiteStore.defaultPath }

    /// The time the command acts as of: the pinned clock (announced once on standard error), else now.
    func now() throws -> Int64 { try pinnedClock() ?? systemTime() }

    /// `--clock` or `GREENLANE_CLOCK`, or nil when the clock is not pinned.
    func pinnedClock() throws -> Int64? {
        let source = clock != nil ? "--clock" : "GREENLANE_CLOCK"
        guard let text = clock ?? environment("GREENLANE_CLOCK"), !text.isEmpty else { return nil }
        let time = try parseTime(text, flag: source)
        ClockAnnouncement.once {
            printError("greenlane: clock pinned to \(text) (\(source)); the audit log records the real time too")
        }
        return time
    }

    /// Who acts (this process's operating-system account, on behalf of `--actor`) and when (the real time,
    /// and the pinned clock when there is one).
    func auditContext() throws -> AuditContext {
        let pinned = try pinnedClock()
        do {
            return try AuditContext(account: AuditContext.processAccount(), onBehalfOf: actor,
                                    recordedAt: systemTime(), pinnedAt: pinned)
        } catch {
            throw ValidationError(error.reason)
        }
    }

    /// Opens the registry, which must exist and have been made by `greenlane registry init`: an SQLite file, or a
    /// PostgreSQL registry when `--registry` is a postgres:// URL.
    func open(readOnly: Bool = false) async throws(RegistryError) -> any PermitStore {
        if let location = try postgresLocation() {
            return try await PostgresStore.open(location, environment: Self.postgresEnvironment, readOnly: readOnly)
        }
        return try SQLiteStore(path: path, readOnly: readOnly)
    }

    /// The PostgreSQL registry `--registry` names, or nil for a file.
    func postgresLocation() throws(RegistryError) -> PostgresLocation? {
        guard PostgresLocation.isURL(path) else { return nil }
        return try PostgresLocation(url: path, environment: Self.postgresEnvironment)
    }

    /// An SQLite registry, for what only a file has (backup, integrity check).
    func openFile(readOnly: Bool = false, for command: String) throws(RegistryError) -> SQLiteStore {
        if PostgresLocation.isURL(path) {
            throw RegistryError(.invalidValue, "`greenlane registry \(command)` is for an SQLite registry; back up "
                + "PostgreSQL with its own tools (pg_basebackup, WAL archiving: docs/POSTGRES.md)")
        }
        return try SQLiteStore(path: path, readOnly: readOnly)
    }

    static var postgresEnvironment: [String: String] {
        var values: [String: String] = [:]
        for name in ["GREENLANE_PG_PASSWORD_FILE", "GREENLANE_PG_PASSWORD"] { values[name] = environment(name) }
        return values
    }

    /// The registry's name in messages: never a password file's contents (a URL holds none).
    var displayName: String { (try? postgresLocation()).map { $0.description } ?? path }
}

/// An issuer's private key, the passphrase that unlocks it, and the trust file entry that vouches for it.
struct SigningKeyOptions: ParsableArguments {
    @Option(name: .long, help: "Issuer private key (PKCS#8 PEM, mode 0600).")
    var key: String

    @OptionGroup var passphrase: PassphraseOptions

    @Option(name: .long, help: ArgumentHelp(
        "Trust file that lists this key for the issuer (its demo flag marks cards DEMO).",
        discussion: "Checked before anything is signed: the entry with the key's kid must name the issuer of the "
            + "policy and the registry; a key the checkpoints' trust file does not list would sign passes every "
            + "checkpoint refuses."))
    var keyTrust: String

    /// Refuses to issue what every checkpoint would refuse: passes longer than the key's trusted lifetime
    /// (`key-lifetime`), or signed outside the key's validity (`key-not-valid`).
    static func checkPassesFit(_ entry: TrustedKey, policy: Policy, at now: Int64) throws {
        let days = { (seconds: Int64) in seconds / 86_400 }
        guard policy.maxValidity <= entry.maxPassLifetime else {
            throw EngineError(.keyTrust, "the policy allows passes of \(days(policy.maxValidity)) days, but the key "
                + "\(entry.keyIDHex) is trusted for passes of at most \(days(entry.maxPassLifetime)) days: "
                + "checkpoints would refuse them (key-lifetime); shorten maxValidityDays or use another key")
        }
        if let notBefore = entry.notBefore, now < notBefore {
            throw EngineError(.keyTrust, "the key \(entry.keyIDHex) may sign only from "
                + "\(Timestamp.rfc3339(notBefore)): checkpoints would refuse its passes (key-not-valid)")
        }
        if let notAfter = entry.notAfter, now > notAfter {
            throw EngineError(.keyTrust, "the key \(entry.keyIDHex) was retired at \(Timestamp.rfc3339(notAfter)): "
                + "checkpoints would refuse its passes (key-not-valid)")
        }
    }

    /// The key, decrypted once for the whole command, and its entry in `--key-trust`, which must name `issuer`.
    func load(issuer: String, role: KeyRole) throws -> (key: PrivateKey, entry: TrustedKey) {
        let key = try PrivateKey.load(path: self.key, passphrase: try passphrase.passphrase())
        let kid = Hex.encode(key.publicKey.keyID)
        guard let entry = try TrustSet.load(path: keyTrust).key(for: key.publicKey.keyID) else {
            throw EngineError(.keyTrust, "--key-trust \(keyTrust) does not list --key \(self.key) (kid \(kid)): "
                + "checkpoints using that trust file would refuse everything it signs")
        }
        guard let entryIssuer = entry.issuer else {
            throw EngineError(.keyTrust, "--key-trust \(keyTrust): the entry for kid \(kid) names no issuer; "
                + "a signing key must be bound to one")
        }
        guard entryIssuer == issuer else {
            throw EngineError(.keyTrust, "--key \(self.key) (kid \(kid)) is trusted for issuer \(entryIssuer), "
                + "not \(issuer)")
        }
        // A key trusted only for lists must not sign passes, and the other way round: checkpoints would refuse
        // them (key-role), or not load the list.
        guard entry.roles.contains(role) else {
            throw EngineError(.keyTrust, "--key \(self.key) (kid \(kid)): its entry in --key-trust \(keyTrust) has "
                + "no '\(role.name)' role (it has: \(KeyRole.all.filter(entry.roles.contains).map(\.name).joined(separator: ", ")))")
        }
        return (key, entry)
    }
}
