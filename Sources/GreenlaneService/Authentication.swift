import Hummingbird
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneStore
import Logging
import HTTPTypes
import Synchronization

/// API tokens and enrolment codes: 24 random bytes (192 bits) from OpenSSL's CSPRNG, shown once; the
/// registry keeps only their SHA-256.
enum Secret {
    static let tokenPrefix = "glt_", enrolmentPrefix = "gle_"

    static func make(_ prefix: String) -> String { prefix + Hex.encode(SecureRandom.bytes(24)) }

    /// The hash the store looks up, or nil for text that cannot be one of ours (no database work then).
    static func hash(_ text: Substring, prefix: String) -> [UInt8]? {
        guard text.hasPrefix(prefix), text.utf8.count == prefix.utf8.count + 48,
            text.utf8.dropFirst(prefix.utf8.count).allSatisfy({
                (0x30...0x39).contains($0) || (0x61...0x66).contains($0)
            })
        else { return nil }
        return SHA256.hash(Array(text.utf8))
    }

    static func credentialID() -> String { "cr-" + Hex.encode(SecureRandom.bytes(8)) }
}

/// Failed authentications per source and minute, kept in memory: checked before any database work, so a
/// flood of bad tokens costs a dictionary look-up. (Across instances: the PostgreSQL slice, docs/SERVICE.md.)
final class FailureLimiter: Sendable {
    let limit: Int
    /// This minute's failures per source, and the minute before's: a source is limited while the two together
    /// reach `limit`, so guesses spread across a minute's boundary are counted as one burst (a window reset on
    /// the minute alone would let twice the limit through around each boundary).
    private let counts = Mutex<(minute: Int64, current: [String: Int], previous: [String: Int])>((0, [:], [:]))

    init(limit: Int) { self.limit = limit }

    private static func advance(_ state: inout (minute: Int64, current: [String: Int], previous: [String: Int]),
                                to minute: Int64) {
        guard state.minute != minute else { return }
        state = (minute, [:], state.minute == minute - 1 ? state.current : [:])
    }

    /// Seconds until `source` may try again, or nil when it may now.
    func retryAfter(_ source: String, now: Int64) -> Int? {
        counts.withLock { state in
            Self.advance(&state, to: now / 60)
            let current = state.current[source] ?? 0, previous = state.previous[source] ?? 0
            guard current + previous >= limit else { return nil }
            // The previous minute's failures lapse at the next boundary; this minute's one minute later.
            return Int(60 - now % 60) + (current >= limit ? 60 : 0)
        }
    }

    func recordFailure(_ source: String, now: Int64) {
        counts.withLock { state in
            Self.advance(&state, to: now / 60)
            state.current[source, default: 0] += 1
        }
    }
}

/// Finds the caller from `Authorization: Bearer glt_…` before any route runs: the limiter first, then one
/// look-up by the token's hash. A missing, malformed, unknown or revoked token is 401 and counts as a failure.
/// A failure against a known credential (a revoked token) is audited against it; the others are counted per
/// source and minute in one registry row. A success is audited (credential, request id, source) before the
/// route runs: a call that cannot be audited is not made.
struct TokenAuthenticator: RouterMiddleware {
    typealias Context = ServiceContext
    let store: any PermitStore
    let limiter: FailureLimiter
    let clock: @Sendable () -> Int64

    func handle(_ request: Request, context: ServiceContext,
                next: (Request, ServiceContext) async throws -> Response) async throws -> Response {
        let now = clock()
        if let wait = limiter.retryAfter(context.peer, now: now) {
            throw Problem(.tooManyRequests, "auth.rateLimited", "too many failed authentications from this "
                + "address; try again later", retryAfter: wait)
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            let hash = Secret.hash(header.dropFirst(7), prefix: Secret.tokenPrefix)
        else {
            try await countFailure(context, now: now)
            throw Problem.unauthenticated
        }
        guard let credential = try await storeCall({ try await store.credential(tokenHash: hash) }) else {
            try await countFailure(context, now: now)
            throw Problem.unauthenticated
        }
        if credential.revokedAt != nil {
            limiter.recordFailure(context.peer, now: now)
            if let audit = try? AuditContext(account: "credential \(credential.id)", recordedAt: now) {
                try? await store.recordAudit("auth.revokedToken", subject: credential.id,
                                             detail: "from \(context.peer) · request \(context.id)", context: audit)
            }
            throw Problem(.unauthorized, "auth.revoked", "this token was revoked")
        }
        try await storeCall {
            let audit = try AuditContext(account: "credential \(credential.id)", onBehalfOf: "request \(context.id)",
                                         recordedAt: now)
            try await store.recordAudit("auth.success", subject: credential.id,
                                        detail: "from \(context.peer) · request \(context.id)", context: audit)
        }
        var context = context
        context.identity = credential
        context.logger[metadataKey: "credential"] = .string(credential.id)
        return try await next(request, context)
    }

    /// An unattributable failure: counted in memory (the limiter) and in the registry's row for this source
    /// and minute. The limiter caps how many of these one source can make, so the row costs a bounded write.
    func countFailure(_ context: ServiceContext, now: Int64) async throws {
        limiter.recordFailure(context.peer, now: now)
        _ = try await storeCall { try await store.countAuthFailure(source: context.peer, minute: now / 60) }
    }
}

/// One log line per request with its id, method, path, status and credential (swift-log metadata; the
/// JSON handler prints it as one object), and the id handed back in `X-Request-Id`.
struct RequestLogger: RouterMiddleware {
    typealias Context = ServiceContext

    func handle(_ request: Request, context: ServiceContext,
                next: (Request, ServiceContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        func log(_ status: HTTPResponse.Status) {
            let elapsed = ContinuousClock.now - started
            context.logger.info("request", metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "status": .stringConvertible(status.code),
                "ms": .stringConvertible(Double(elapsed.components.attoseconds / 1_000_000_000_000_000)
                    + Double(elapsed.components.seconds) * 1_000),
            ])
        }
        do {
            var response = try await next(request, context)
            response.headers[.requestID] = context.id
            log(response.status)
            return response
        } catch let error as any HTTPResponseError {
            log(error.status)
            var response = try error.response(from: request, context: context)
            response.headers[.requestID] = context.id
            return response
        }
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
    static let idempotencyKey = Self("Idempotency-Key")!
}
