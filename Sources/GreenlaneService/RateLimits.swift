import Hummingbird
import GreenlaneStore
import Foundation

/// Token buckets per credential and per firm, kept in the registry so two instances on one registry share
/// them: each authenticated call takes a token from its credential's bucket and, for a dispatcher, from its
/// firm's; with either empty it is 429 `rate.limited` with `Retry-After`, before the route does any work.
struct RateLimiter: RouterMiddleware {
    typealias Context = ServiceContext
    let store: any PermitStore
    let perCredential: Int
    let perFirm: Int

    func handle(_ request: Request, context: ServiceContext,
                next: (Request, ServiceContext) async throws -> Response) async throws -> Response {
        let caller = try context.caller()
        var buckets = [RateBucket(name: "credential:\(caller.id)", capacity: perCredential)]
        if let firm = caller.firmID { buckets.append(RateBucket(name: "firm:\(firm)", capacity: perFirm)) }
        let millis = Int64(Date().timeIntervalSince1970 * 1_000)
        if let refusal = try await storeCall({ try await store.takeRateTokens(buckets, atMillis: millis) }) {
            let what = refusal.bucket.hasPrefix("firm:") ? "firm \(caller.firmID ?? "")" : "credential \(caller.id)"
            throw Problem(.tooManyRequests, "rate.limited", "too many calls for \(what); try again in "
                + "\(refusal.retryAfter) s", retryAfter: refusal.retryAfter)
        }
        return try await next(request, context)
    }
}
