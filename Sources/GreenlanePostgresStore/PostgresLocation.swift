public import GreenlaneStore
#if canImport(Glibc)
import Glibc
#endif

/// Where a PostgreSQL registry is: `postgres://USER@HOST:PORT/DATABASE?sslmode=…&sslrootcert=…&passwordFile=…&schema=…`.
///
/// The password never comes from the URL (it would sit in argv and shell history): it is read from the file named
/// by `passwordFile=` or `GREENLANE_PG_PASSWORD_FILE`, else from `GREENLANE_PG_PASSWORD`. A URL with a password in
/// it is refused. `sslmode` is `disable`, `require` (encrypted, the server's certificate not checked) or
/// `verify-full` (the default: the certificate chains to `sslrootcert`, or the system's roots, and names the host).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, CaseIterable { case disable, require, verifyFull = "verify-full" }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    /// The schema the registry's tables live in (several registries can share one database).
    public var schema: String
    public var tls: TLSMode
    public var rootCertificate: String?
    public var passwordFile: String?

    public static let defaultSchema = "greenlane"

    /// Whether `text` names a PostgreSQL registry rather than a file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(url: String, environment: [String: String] = [:]) throws(RegistryError) {
        func refuse(_ why: String) -> RegistryError {
            RegistryError(.invalidValue, "registry URL \(Self.redacted(url)): \(why)")
        }
        guard let scheme = ["postgres://", "postgresql://"].first(where: url.hasPrefix) else {
            throw refuse("must start with postgres://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let at = rest.firstIndex(of: "@") else { throw refuse("name the user: postgres://USER@HOST/DATABASE") }
        let userInfo = rest[..<at]
        if userInfo.contains(":") {
            throw refuse("a password in the URL would be on the command line; use passwordFile= or "
                + "GREENLANE_PG_PASSWORD_FILE")
        }
        user = try Self.percentDecoded(userInfo, refuse)
        var hostPart = rest[rest.index(after: at)...]
        guard let slash = hostPart.firstIndex(of: "/") else { throw refuse("name the database: …/DATABASE") }
        database = try Self.percentDecoded(hostPart[hostPart.index(after: slash)...], refuse)
        hostPart = hostPart[..<slash]
        port = 5432
        if let colon = hostPart.lastIndex(of: ":"), !hostPart.hasSuffix("]") {
            guard let value = Int(hostPart[hostPart.index(after: colon)...]), (1...65_535).contains(value) else {
                throw refuse("the port must be a number from 1 to 65535")
            }
            port = value
            hostPart = hostPart[..<colon]
        }
        host = String(hostPart.trimmingPrefix("[")).replacingOccurrences("]", "")
        guard !user.isEmpty, !host.isEmpty, !database.isEmpty else { throw refuse("user, host and database are required") }
        schema = Self.defaultSchema
        tls = .verifyFull
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = try Self.percentDecoded(parts.count > 1 ? parts[1] : "", refuse)
            switch key {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw refuse("sslmode must be disable, require or verify-full")
                }
                tls = mode
            case "sslrootcert": rootCertificate = value
            case "passwordFile": passwordFile = value
            case "schema":
                guard Self.isIdentifier(value) else {
                    throw refuse("schema must be 1-48 of a-z, 0-9 and _, starting with a letter")
                }
                schema = value
            case "password": throw refuse("a password in the URL would be on the command line; use passwordFile=")
            default: throw refuse("unknown parameter '\(key)' (sslmode, sslrootcert, passwordFile, schema)")
            }
        }
        if passwordFile == nil { passwordFile = environment["GREENLANE_PG_PASSWORD_FILE"].flatMap { $0.isEmpty ? nil : $0 } }
    }

    /// The URL without its password file: what messages and the audit log show.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database) (schema \(schema))" }

    /// The password: from the password file, else `GREENLANE_PG_PASSWORD`, else none (the server may not ask).
    public func password(environment: [String: String]) throws(RegistryError) -> String? {
        guard let passwordFile else { return environment["GREENLANE_PG_PASSWORD"] }
        let fd = open(passwordFile, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw RegistryError(.cannotOpen, "cannot read the PostgreSQL password file \(passwordFile): "
                + String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw RegistryError(.cannotOpen, "the PostgreSQL password file \(passwordFile) is not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw RegistryError(.cannotOpen, "the PostgreSQL password file \(passwordFile) can be read by others; "
                + "chmod 600 it")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[0..<count]
            if bytes.count > 4_096 { break }
        }
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty, bytes.count <= 1_024 else {
            throw RegistryError(.cannotOpen, "the PostgreSQL password file \(passwordFile) is empty or too long")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, (0x61...0x7A).contains(first), text.utf8.count <= 48 else { return false }
        return text.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    /// `url` with anything after `?` removed, for messages about a URL that could not be read.
    static func redacted(_ url: String) -> String {
        let head = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        guard let at = head.firstIndex(of: "@"), let scheme = head.range(of: "://") else { return head }
        let userInfo = head[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return head }
        return String(head[..<colon]) + ":…" + String(head[at...])
    }

    static func percentDecoded(_ text: Substring, _ refuse: (String) -> RegistryError) throws(RegistryError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == 0x25 else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { throw refuse("a % must be followed by two hex digits") }
            bytes.append(value)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw refuse("not UTF-8") }
        return text
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
