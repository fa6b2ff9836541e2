public import Hummingbird
import GreenlaneEngine
import GreenlaneSQLiteStore
import GreenlaneSigning
public import GreenlaneStore
public import Logging
import Foundation

/// The system clock, in Unix seconds: the only clock the server has.
@Sendable func systemNow() -> Int64 { Int64(Date().timeIntervalSince1970) }

/// The application `greenlane-server` runs and the tests run on loopback: routes, middleware and the store.
/// `store` is opened from `configuration.registry` when not given (the tests give theirs).
public func buildApplication(_ configuration: ServerConfiguration, store given: (any PermitStore)? = nil,
                             logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "greenlane-server")
    logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
    let store: any PermitStore
    if let given { store = given } else {
        do { store = try SQLiteStore(path: configuration.registry) } catch {
            throw ServiceError(.startup, error.reason, underlying: error)
        }
    }
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

    let router = Router(context: ServiceContext.self)
    router.add(middleware: RequestLogger())
    router.get("/health") { _, _ in "ok\n" }
    router.get("/ready") { _, _ -> Response in
        // Ready when the registry answers; the signed lists' freshness joins this with the static read side.
        _ = try await storeCall { try await store.counts() }
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
    }
    router.post("/v1/enrol", use: identities.enrol)
    let api = router.group("/v1").add(
        middleware: TokenAuthenticator(store: store, limiter: limiter, clock: systemNow))
    api.post("/requests", use: flow.submit)
    api.get("/requests/:id", use: flow.show)
    api.post("/requests/:id/approve", use: flow.approve)
    api.get("/requests/:id/codes", use: flow.codes)
    api.post("/firms/:firm/enrolments", use: identities.addEnrolment)
    api.post("/credentials", use: identities.addCredential)
    api.post("/credentials/:id/revoke", use: identities.revoke)

    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                             serverName: "greenlane-server"),
        logger: logger)
}
