public import GreenlaneStore
import GreenlanePostgresStore
import GreenlaneSQLiteStore

/// Where a registry is, as a person writes it: an SQLite file's path, or a `postgres://` URL (docs/POSTGRES.md).
/// One opener for the processes that take a registry from their configuration (greenlane-server, its `token`
/// command, greenlane-signer), so several server instances and their signer can share one PostgreSQL registry.
public enum RegistryLocation {
    /// Opens the registry, which `greenlane registry init` made. The password of a PostgreSQL role comes from
    /// the URL's `passwordFile=`, `GREENLANE_PG_PASSWORD_FILE` or `GREENLANE_PG_PASSWORD`, never from argv.
    public static func open(_ location: String, environment: [String: String]) async throws(RegistryError)
        -> any PermitStore
    {
        guard PostgresLocation.isURL(location) else { return try SQLiteStore(path: location) }
        var passwords: [String: String] = [:]
        for name in ["GREENLANE_PG_PASSWORD_FILE", "GREENLANE_PG_PASSWORD"] { passwords[name] = environment[name] }
        let url = try PostgresLocation(url: location, environment: passwords)
        return try await PostgresStore.open(url, environment: passwords)
    }
}
