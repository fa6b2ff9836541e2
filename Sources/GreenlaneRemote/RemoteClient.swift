import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
public import GreenlaneSupport

/// The issuing service's client: one HTTP client over TLS that is always verified (the system's CAs, or only
/// the authority's CA with `--ca`), the token from the credential file on every call, problem details turned
/// into `RemoteError`s, and a bounded retry on 429, 503 and 409 `idempotency.inProgress` that honours
/// `Retry-After`. Every POST carries an `Idempotency-Key`, the same on each of its retries, so a retried POST
/// cannot act twice.
public final class RemoteClient: Sendable {
    public let settings: RemoteSettings
    /// Nil only for the one call made before there is a credential (`POST /v1/enrol`).
    let credential: Credential?
    let http: HTTPClient
    let userAgent: String
    /// At most this many attempts of one call, and at most this long a wait before one of them.
    public static let maxAttempts = 4
    public static let maxRetryWait = 30

    /// A client for `settings`, used by `body` and shut down after it, whatever it throws.
    /// `anonymous` sends no token (enrolment, which is how a firm gets its first one).
    public static func with<T: Sendable>(_ settings: RemoteSettings, userAgent: String, anonymous: Bool = false,
                                         _ body: (RemoteClient) async throws -> T) async throws -> T {
        let client = try RemoteClient(settings, userAgent: userAgent, anonymous: anonymous)
        do {
            let result = try await body(client)
            try? await client.http.shutdown()
            return result
        } catch {
            try? await client.http.shutdown()
            throw error
        }
    }

    init(_ settings: RemoteSettings, userAgent: String, anonymous: Bool) throws(RemoteError) {
        self.settings = settings
        self.userAgent = userAgent
        credential = anonymous ? nil : try Credential.load(settings.credentialFile)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        if let ca = settings.ca {
            let bytes: [UInt8]
            do { bytes = try FileReader.read(ca, what: "CA certificate", limit: 1 << 20) } catch {
                throw RemoteError(.configuration, error.reason, underlying: error)
            }
            let certificates: [NIOSSLCertificate]
            do { certificates = try NIOSSLCertificate.fromPEMBytes(bytes) } catch {
                throw RemoteError(.configuration, "--ca \(ca) is not a PEM certificate", underlying: error)
            }
            guard !certificates.isEmpty else {
                throw RemoteError(.configuration, "--ca \(ca) holds no PEM certificate")
            }
            // Only the authority's CA: not the system's as well, so no other CA can vouch for the server.
            tls.trustRoots = .certificates(certificates)
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(120)))
        configuration.httpVersion = .http1Only
        // One command, one server: a refused connection or an untrusted certificate is reported at once, not
        // retried until the connect timeout (the command's own retries are for 429 and 503 answers).
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// What the server answered to a call that succeeded (2xx).
    public struct Answer: Sendable {
        public let status: Int
        public let body: [UInt8]
    }

    /// GET `path` (with its query).
    public func get(_ path: String) async throws(RemoteError) -> Answer {
        try await call(.GET, path, body: nil, idempotencyKey: nil)
    }

    /// POST `body` (JSON) to `path`, with `idempotencyKey` or a new one, kept across the retries.
    public func post(_ path: String, json body: [UInt8]?, idempotencyKey: String? = nil)
        async throws(RemoteError) -> Answer
    {
        try await call(.POST, path, body: body ?? Array("{}".utf8), idempotencyKey: idempotencyKey ?? Self.newKey())
    }

    /// 128 random bits from the system's CSPRNG, as 32 hex digits.
    public static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let text = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }

    func call(_ method: HTTPMethod, _ path: String, body: [UInt8]?, idempotencyKey: String?)
        async throws(RemoteError) -> Answer
    {
        var attempt = 1
        while true {
            let (status, headers, bytes) = try await once(method, path, body: body, idempotencyKey: idempotencyKey)
            if (200..<300).contains(status) { return Answer(status: status, body: bytes) }
            let problem = RemoteProblem(status: status, body: bytes)
            // 409 idempotency.inProgress: the same call (this key) is still being worked on, perhaps by an
            // instance that died holding it; the claim's lease ends and the retry then gets the answer or does it.
            let inProgress = status == 409 && problem.code == "idempotency.inProgress"
            if status == 429 || status == 503 || inProgress, attempt < Self.maxAttempts {
                let wait = headers.first(name: "Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                    ?? (status == 503 || inProgress ? attempt : nil)
                if let wait, (0...Self.maxRetryWait).contains(wait) {
                    try? await Task.sleep(for: .seconds(wait))
                    attempt += 1
                    continue
                }
                throw problem.error(method: method.rawValue, path: path, retryAfter: wait)
            }
            throw problem.error(method: method.rawValue, path: path,
                                retryAfter: headers.first(name: "Retry-After").flatMap { Int($0) })
        }
    }

    func once(_ method: HTTPMethod, _ path: String, body: [UInt8]?, idempotencyKey: String?)
        async throws(RemoteError) -> (Int, HTTPHeaders, [UInt8])
    {
        var request = HTTPClientRequest(url: settings.server.url(path))
        request.method = method
        if let credential { request.headers.add(name: "Authorization", value: "Bearer \(credential.token)") }
        request.headers.add(name: "Accept", value: "application/json, application/problem+json")
        request.headers.add(name: "User-Agent", value: userAgent)
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await http.execute(request, timeout: .seconds(300))
            let buffer = try await response.body.collect(upTo: 64 << 20)
            return (Int(response.status.code), response.headers, Array(buffer.readableBytesView))
        } catch {
            throw Self.transportError(error, server: settings.server, ca: settings.ca)
        }
    }

    /// A failure before any answer, in words: above all a server whose certificate is not vouched for.
    static func transportError(_ error: any Error, server: ServerAddress, ca: String?) -> RemoteError {
        let text = String(describing: error)
        if error is NIOSSLError || text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("handshakeFailed") {
            let trusted = ca.map { "the CA in --ca \($0)" } ?? "this machine's CAs (or pin the authority's with --ca)"
            return RemoteError(.unavailable, "the server \(server) could not be trusted: its TLS certificate is "
                + "not signed by \(trusted), or does not name \(server.host); nothing was sent", underlying: error)
        }
        if let client = error as? HTTPClientError, client == .connectTimeout || client == .deadlineExceeded {
            return RemoteError(.unavailable, "the server \(server) did not answer in time", underlying: error)
        }
        if text.contains("connection reset") || text.contains("remoteConnectionClosed") {
            return RemoteError(.unavailable, "the server \(server) closed the connection (is it serving "
                + (server.isTLS ? "TLS" : "plain http") + " on that port?)", underlying: error)
        }
        return RemoteError(.unavailable, "cannot reach the server \(server) (is it running, and the URL right?)",
                           underlying: error)
    }
}

/// An RFC 9457 problem detail from the server, or what can be said of an answer that is not one.
public struct RemoteProblem: Sendable {
    public let status: Int
    /// The stable code (`auth.revoked`, `request.alreadyDecided`), or nil when the answer had none.
    public let code: String?
    public let detail: String?

    init(status: Int, body: [UInt8]) {
        self.status = status
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        code = (object?["code"] as? String).map { SafeText.escaped(String($0.prefix(100))) }
        detail = (object?["detail"] as? String).map { SafeText.escaped(String($0.prefix(1_000))) }
    }

    /// The error a command reports: the server's code and detail, and the kind its exit code comes from
    /// (docs/SERVICE.md, "The client"): 401 the credential (3), 429 and 5xx the server (3), 4xx a refusal (1).
    func error(method: String, path: String, retryAfter: Int?) -> RemoteError {
        let what = "\(method) \(path): HTTP \(status)" + (code.map { " \($0)" } ?? "")
        let words = detail.map { ": \($0)" } ?? ""
        switch status {
        case 401:
            return RemoteError(.credential, "the server refused the credential (\(what))\(words); ask your "
                + "administrator for a new token")
        case 429, 503:
            let later = retryAfter.map { "; the server asks to wait \($0) s, longer than this command waits" } ?? ""
            return RemoteError(.unavailable, "the server is busy (\(what))\(words)\(later); try again later")
        case 500...:
            return RemoteError(.unavailable, "the server failed (\(what))\(words)")
        case 404 where code == nil:
            // Not a problem detail: the route itself is missing, not the request or permit it names.
            let route = path.prefix { $0 != "?" }
            return RemoteError(.refused, "the server has no \(method) \(route) (HTTP 404 without a problem "
                + "detail): it is an older greenlane-server, or --server names something else")
        case 400..<500:
            return RemoteError(.refused, "the server refused (\(what))\(words)")
        default:
            return RemoteError(.protocolViolation, "unexpected answer (\(what))\(words)")
        }
    }
}
