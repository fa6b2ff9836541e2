public import Hummingbird
import HummingbirdCore
import GreenlaneCrypto
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneRegistryLocation
import GreenlaneSigning
public import GreenlaneStore
import GreenlaneSupport
public import Logging
import Foundation
import NIOSSL
import HummingbirdTLS

/// The system clock, in Unix seconds: the only clock the server has.
@Sendable func systemNow() -> Int64 { Int64(Date().timeIntervalSince1970) }

/// One route as docs/openapi.yaml names it: the method and the path with `{parameters}`.
public struct ServiceRoute: Hashable, Sendable, CustomStringConvertible {
    public let method: String
    public let path: String
    public var description: String { "\(method) \(path)" }
}

/// The application `greenlane-server` runs and the tests run on loopback: routes, middleware and the store.
/// `store` is opened from `configuration.registry` when not given (the tests give theirs).
public func buildApplication(_ configuration: ServerConfiguration, store given: (any PermitStore)? = nil,
                             logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "greenlane-server")
    logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
    let store: any PermitStore
    if let given { store = given } else {
        do {
            store = try await RegistryLocation.open(configuration.registry,
                                                    environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ServiceError(.startup, error.reason, underlying: error)
        }
    }
    let (router, _) = try buildRouter(configuration, store: store)
    // Slow clients: a connection has `headerTimeout` to send each request's head (HTTPConnectionStateHandler's
    // idle timer runs from the connection's start, or the last answer, until a head is decoded, so trickling
    // bytes does not reset it). Large heads: the decoder refuses a head over `maxHeaderBytes`.
    let http1 = HTTP1Channel.Configuration(
        idleTimeout: .seconds(Int64(configuration.headerTimeout)),
        httpDecoderConfiguration: .init(maxHeaderFieldSize: configuration.maxHeaderBytes,
                                        maxHeaderListSize: configuration.maxHeaderBytes, maxHeaderFieldCount: 100))
    return Application(
        router: router,
        server: try serverBuilder(configuration, http1: http1),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                             serverName: "greenlane-server"),
        logger: logger)
}

/// The router and every route it registers (docs/openapi.yaml must list exactly these as implemented: the
/// drift test compares them).
func buildRouter(_ configuration: ServerConfiguration, store: any PermitStore) throws
    -> (Router<ServiceContext>, [ServiceRoute])
{
    let policy: Policy
    do { policy = try Policy.load(path: configuration.policy) } catch {
        throw ServiceError(.startup, error.reason, underlying: error)
    }
    guard policy.issuer == store.settings?.issuer else {
        throw ServiceError(.startup, "the policy is for issuer \(policy.issuer); the registry issues for "
            + (store.settings?.issuer ?? "no issuer (never initialised)"))
    }
    let limiter = FailureLimiter(limit: configuration.authFailuresPerMinute)
    let flow = RequestFlow(store: store, policy: policy, configuration: configuration, clock: systemNow,
                           signer: SignerClient(socketPath: configuration.signerSocket))
    let identities = Identities(store: store, configuration: configuration, limiter: limiter, clock: systemNow)
    let decisions = Decisions(flow: flow, clock: systemNow)
    let listings = Listings(store: store, clock: systemNow)
    let permits = Permits(store: store, clock: systemNow)
    let published = PublishedFiles(directory: configuration.publishedDirectory, maxAge: configuration.publishedMaxAge)
    var routes: [ServiceRoute] = []
    func record(_ method: HTTPRequest.Method, _ path: String) {
        let parts = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
        routes.append(ServiceRoute(method: method.rawValue, path: "/" + parts.joined(separator: "/")))
    }

    let router = Router(context: ServiceContext.self)
    router.add(middleware: RequestLogger())
    func open(_ method: HTTPRequest.Method, _ path: String,
              _ handler: @escaping @Sendable (Request, ServiceContext) async throws -> Response) {
        router.on(RouterPath(path), method: method, use: handler)
        record(method, path)
    }
    open(.get, "/health") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
    open(.get, "/ready") { _, _ in
        // Ready when the registry answers and the published revocation list verifies and is not overdue.
        do { _ = try await store.counts() } catch {
            throw Problem(.serviceUnavailable, "notReady", "the registry does not answer: "
                + ((error as? RegistryError)?.reason ?? "\(error)"))
        }
        if let reason = published.unreadiness(now: systemNow()) {
            throw Problem(.serviceUnavailable, "notReady", reason)
        }
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
    }
    open(.get, "/published/:file", published.serve)
    open(.head, "/published/:file", published.serve)
    // Unauthenticated: an enrolment code's answer is a token shown once, so the idempotency record keeps no
    // body; the key is scoped by the body's hash (the code is in it), not by a caller there is not yet.
    router.group("/v1/enrol")
        .add(middleware: IdempotencyMiddleware(
            store: store, maxBodyBytes: 4_096, clock: systemNow,
            leaseSeconds: Int64(configuration.idempotencyLeaseSeconds),
            scope: { _, body in "enrol:" + Hex.encode(Array(SHA256.hash(body).prefix(16))) }))
        .post(use: identities.enrol)
    record(.post, "/v1/enrol")

    let api = router.group("/v1")
        .add(middleware: TokenAuthenticator(store: store, limiter: limiter, clock: systemNow))
        .add(middleware: RateLimiter(store: store, perCredential: configuration.requestsPerMinutePerCredential,
                                     perFirm: configuration.requestsPerMinutePerFirm))
        .add(middleware: IdempotencyMiddleware(store: store, maxBodyBytes: configuration.maxBodyBytes,
                                               clock: systemNow,
                                               leaseSeconds: Int64(configuration.idempotencyLeaseSeconds),
                                               scope: { context, _ in context.identity?.id }))
    func guarded(_ method: HTTPRequest.Method, _ path: String,
                 _ handler: @escaping @Sendable (Request, ServiceContext) async throws -> Response) {
        api.on(RouterPath(path), method: method, use: handler)
        record(method, "/v1" + path)
    }
    guarded(.post, "/requests", flow.submit)
    guarded(.get, "/requests", listings.requests)
    guarded(.get, "/requests/:id", flow.show)
    guarded(.post, "/requests/:id/approve", flow.approve)
    guarded(.post, "/requests/:id/endorse", decisions.endorse)
    guarded(.post, "/requests/:id/refuse", decisions.refuse)
    guarded(.get, "/requests/:id/codes", flow.codes)
    guarded(.post, "/decisions", decisions.decideList)
    guarded(.get, "/queue", listings.queue)
    guarded(.get, "/permits", permits.list)
    guarded(.post, "/permits/:serial/revoke", permits.revoke)
    guarded(.post, "/firms/:firm/enrolments", identities.addEnrolment)
    guarded(.post, "/credentials", identities.addCredential)
    guarded(.post, "/credentials/:id/revoke", identities.revoke)
    return (router, routes)
}

/// HTTP/1.1, over TLS when the configuration names a certificate and its key (TLS 1.2 at least). The key
/// is refused unless only its owner can read it, as the signing key is.
func serverBuilder(_ configuration: ServerConfiguration, http1: HTTP1Channel.Configuration) throws
    -> HTTPServerBuilder
{
    guard let certificatePath = configuration.tlsCertificate, let keyPath = configuration.tlsKey else {
        return .http1(configuration: http1)
    }
    do {
        let chain = try NIOSSLCertificate.fromPEMBytes(
            try FileReader.read(certificatePath, what: "TLS certificate (tlsCertificate)", limit: 1 << 20))
        guard !chain.isEmpty else {
            throw ServiceError(.startup, "tlsCertificate \(certificatePath) holds no PEM certificate")
        }
        let keyBytes = try FileReader.read(keyPath, what: "TLS key (tlsKey)", limit: 1 << 20, secret: true)
        let key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        return try .tls(.http1(configuration: http1), tlsConfiguration: tls)
    } catch let error as any GreenlaneError {
        throw ServiceError(.startup, error.reason, underlying: error)
    } catch {
        // NIOSSL's own words go to the diagnostic (GREENLANE_DEBUG), not the reason.
        throw ServiceError(.startup, "cannot serve TLS with tlsCertificate \(certificatePath) and tlsKey "
            + "\(keyPath): is each PEM, and the key the certificate's?", underlying: error)
    }
}
