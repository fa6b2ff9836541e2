public import GreenlaneSupport
import Foundation

/// What `greenlane-server` needs to run: read from a JSON file (`--config FILE` or `GREENLANE_SERVER_CONFIG`),
/// then overridden member by member from the environment (docs/SERVICE.md lists both). The server keeps the
/// system clock: a configuration that names a clock is refused.
public struct ServerConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The registry (SQLite), made beforehand with `greenlane registry init`.
    public var registry: String
    /// The policy file every request is checked against.
    public var policy: String
    /// The signer's Unix socket: the server asks it to issue approved requests and never holds the key.
    public var signerSocket: String
    /// Largest request body, in bytes: larger ones are refused with 413 before they are read.
    public var maxBodyBytes = 1 << 20
    /// Most vehicles in one request.
    public var maxRows = 1_000
    /// Failed authentications one source may make per minute; past that it gets 429 and no database work.
    public var authFailuresPerMinute = 20
    /// How long an enrolment code can be exchanged, in seconds.
    public var enrolmentLifetime = 72 * 3_600
    public var logLevel = "info"
    /// The server's certificate chain (PEM, the server's own certificate first): with `tlsKey`, the server
    /// speaks TLS itself (HummingbirdTLS); without both, plain HTTP for a TLS proxy in front (docs/SERVICE.md).
    public var tlsCertificate: String?
    /// The certificate's private key (PEM, mode 0600, like the signing key).
    public var tlsKey: String?
    /// The folder the authority's export writes `trust.json` and `revocations.glr` into, served under
    /// `/published/` (docs/SERVICE.md); nil publishes nothing and readiness checks only the registry.
    public var publishedDirectory: String?
    /// `Cache-Control: max-age` of the published files, in seconds.
    public var publishedMaxAge = 60
    /// Calls one credential may make per minute (a token bucket that size, refilled over the minute).
    public var requestsPerMinutePerCredential = 120
    /// Calls all of one firm's dispatchers may make per minute together.
    public var requestsPerMinutePerFirm = 600
    /// Seconds a connection may take to send a request's headers (and may stay idle between requests).
    public var headerTimeout = 10
    /// Seconds an unfinished Idempotency-Key claim holds before a retry takes it over (a server killed mid-call
    /// leaves its claim behind; until then the retry is 409 `idempotency.inProgress`).
    public var idempotencyLeaseSeconds = 60
    /// Largest request head (request line and headers), in bytes: larger ones are refused (431).
    public var maxHeaderBytes = 16 * 1_024

    public init(registry: String, policy: String, signerSocket: String) {
        self.registry = registry
        self.policy = policy
        self.signerSocket = signerSocket
    }

    /// The members a configuration file may have; any other is refused (a typo must not become a default).
    static let members: Set<String> = [
        "host", "port", "registry", "policy", "signerSocket", "maxBodyBytes", "maxRows", "authFailuresPerMinute",
        "enrolmentLifetimeSeconds", "logLevel", "tlsCertificate", "tlsKey", "publishedDirectory",
        "publishedMaxAgeSeconds", "requestsPerMinutePerCredential", "requestsPerMinutePerFirm", "headerTimeoutSeconds", "idempotencyLeaseSeconds",
        "maxHeaderBytes",
    ]

    /// The environment variable for each member.
    public static let environmentNames: [(variable: String, member: String)] = [
        ("GREENLANE_SERVER_HOST", "host"), ("GREENLANE_SERVER_PORT", "port"), ("GREENLANE_REGISTRY", "registry"),
        ("GREENLANE_POLICY", "policy"), ("GREENLANE_SIGNER_SOCKET", "signerSocket"),
        ("GREENLANE_SERVER_MAX_BODY_BYTES", "maxBodyBytes"), ("GREENLANE_SERVER_MAX_ROWS", "maxRows"),
        ("GREENLANE_SERVER_AUTH_FAILURES_PER_MINUTE", "authFailuresPerMinute"),
        ("GREENLANE_SERVER_ENROLMENT_LIFETIME_SECONDS", "enrolmentLifetimeSeconds"),
        ("GREENLANE_SERVER_LOG_LEVEL", "logLevel"), ("GREENLANE_SERVER_TLS_CERTIFICATE", "tlsCertificate"),
        ("GREENLANE_SERVER_TLS_KEY", "tlsKey"),
        ("GREENLANE_SERVER_PUBLISHED", "publishedDirectory"),
        ("GREENLANE_SERVER_PUBLISHED_MAX_AGE_SECONDS", "publishedMaxAgeSeconds"),
        ("GREENLANE_SERVER_REQUESTS_PER_MINUTE_PER_CREDENTIAL", "requestsPerMinutePerCredential"),
        ("GREENLANE_SERVER_REQUESTS_PER_MINUTE_PER_FIRM", "requestsPerMinutePerFirm"),
        ("GREENLANE_SERVER_HEADER_TIMEOUT_SECONDS", "headerTimeoutSeconds"),
        ("GREENLANE_SERVER_IDEMPOTENCY_LEASE_SECONDS", "idempotencyLeaseSeconds"),
        ("GREENLANE_SERVER_MAX_HEADER_BYTES", "maxHeaderBytes"),
    ]

    /// The file's members (when `file` is given), then the environment's; refuses `GREENLANE_CLOCK`.
    public static func load(file: String?, environment: [String: String]) throws(ServiceError) -> Self {
        if environment["GREENLANE_CLOCK"] != nil {
            throw ServiceError(.configuration, "GREENLANE_CLOCK is set: the server uses the system clock only; "
                + "unset it (a pinned clock is for the desk's demos and drills)")
        }
        if environment["GREENLANE_SIGNING_KEY"] != nil {
            throw ServiceError(.configuration, Self.noKey("GREENLANE_SIGNING_KEY is set"))
        }
        var values: [String: String] = [:]
        if let file {
            let bytes: [UInt8]
            do { bytes = try FileReader.read(file, what: "server configuration", limit: 1 << 16) } catch {
                throw ServiceError(.configuration, error.reason)
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw ServiceError(.configuration, "\(file) is not a JSON object")
            }
            if object["clock"] != nil {
                throw ServiceError(.configuration, "\(file) names a clock: the server uses the system clock only")
            }
            if object["signingKey"] != nil {
                throw ServiceError(.configuration, Self.noKey("\(file) names signingKey"))
            }
            if let unknown = object.keys.sorted().first(where: { !members.contains($0) }) {
                throw ServiceError(.configuration, "\(file): unknown member '\(unknown)' (known: "
                    + members.sorted().joined(separator: ", ") + ")")
            }
            for (key, value) in object { values[key] = "\(value)" }
        }
        for (variable, member) in environmentNames { if let value = environment[variable] { values[member] = value } }
        guard let registry = values["registry"], let policy = values["policy"], let socket = values["signerSocket"]
        else {
            throw ServiceError(.configuration, "registry, policy and signerSocket are required (in the file, or "
                + "GREENLANE_REGISTRY, GREENLANE_POLICY and GREENLANE_SIGNER_SOCKET)")
        }
        var configuration = ServerConfiguration(registry: registry, policy: policy, signerSocket: socket)
        func number(_ member: String, _ range: ClosedRange<Int>) throws(ServiceError) -> Int? {
            guard let text = values[member] else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw ServiceError(.configuration, "\(member) '\(text)' is not a number in \(range)")
            }
            return value
        }
        if let host = values["host"] { configuration.host = host }
        if let port = try number("port", 0...65_535) { configuration.port = port }
        if let value = try number("maxBodyBytes", 1_024...(64 << 20)) { configuration.maxBodyBytes = value }
        if let value = try number("maxRows", 1...10_000) { configuration.maxRows = value }
        if let value = try number("authFailuresPerMinute", 1...10_000) { configuration.authFailuresPerMinute = value }
        if let value = try number("enrolmentLifetimeSeconds", 60...(30 * 86_400)) {
            configuration.enrolmentLifetime = value
        }
        if let folder = values["publishedDirectory"] { configuration.publishedDirectory = folder }
        if let value = try number("publishedMaxAgeSeconds", 0...86_400) { configuration.publishedMaxAge = value }
        if let value = try number("requestsPerMinutePerCredential", 1...100_000) {
            configuration.requestsPerMinutePerCredential = value
        }
        if let value = try number("requestsPerMinutePerFirm", 1...1_000_000) {
            configuration.requestsPerMinutePerFirm = value
        }
        if let value = try number("headerTimeoutSeconds", 1...300) { configuration.headerTimeout = value }
        if let value = try number("idempotencyLeaseSeconds", 1...3_600) { configuration.idempotencyLeaseSeconds = value }
        if let value = try number("maxHeaderBytes", 1_024...(1 << 20)) { configuration.maxHeaderBytes = value }
        if let level = values["logLevel"] {
            guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
                throw ServiceError(.configuration, "logLevel '\(level)' is not a swift-log level")
            }
            configuration.logLevel = level
        }
        configuration.tlsCertificate = values["tlsCertificate"]
        configuration.tlsKey = values["tlsKey"]
        guard (configuration.tlsCertificate == nil) == (configuration.tlsKey == nil) else {
            throw ServiceError(.configuration, "tlsCertificate and tlsKey go together: give both to serve TLS, "
                + "or neither for a TLS proxy in front (nginx, docs/SERVICE.md)")
        }
        return configuration
    }
}

extension ServerConfiguration {
    /// The server never holds the signing key: greenlane-signer does.
    static func noKey(_ what: String) -> String {
        what + ": the server no longer takes a signing key; give the key to greenlane-signer (--key) and the "
            + "server its socket (signerSocket or GREENLANE_SIGNER_SOCKET), docs/SERVICE.md"
    }
}

/// Why the service could not start or do what was asked.
public enum ServiceDomain: ErrorDomain {}
public typealias ServiceError = CodedError<ServiceDomain>

extension ServiceError.Code where Domain == ServiceDomain {
    public static var configuration: Self { .init("configuration", kind: .usage) }
    public static var startup: Self { .init("startup", kind: .setup) }
}
