public import Hummingbird
public import GreenlaneStore

/// Each request's context: the identity the authentication middleware found (nil until then, and on the
/// routes that need none), and the peer address the failure limiter counts by.
public struct ServiceContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set only by `TokenAuthenticator`; every authorisation decision reads this, never the body.
    public var identity: ServiceCredential?
    public let peer: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The authenticated credential; the middleware guarantees one on the routes it guards.
    func caller() throws -> ServiceCredential {
        guard let identity, identity.revokedAt == nil else { throw Problem.unauthenticated }
        return identity
    }
}
