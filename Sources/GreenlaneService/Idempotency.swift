import Hummingbird
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneStore
import Logging
import HTTPTypes

/// `Idempotency-Key` on every POST, held in the registry so it holds across instances: the key is claimed
/// before the route runs; the same key and the same call (method, path and body) give the first answer
/// again, a key still being worked on is 409 `idempotency.inProgress`, and a key reused for another call is
/// 422 `idempotency.keyReused`. An answer that failed for a reason a retry can cure (5xx, 429, 401) is not
/// kept: the claim is released so the client's retry runs again. An answer marked `Cache-Control: no-store`
/// carries a secret shown once (a token, an enrolment code): it is kept without its body, and a replay says
/// so (409 `idempotency.answerNotKept`) instead of showing the secret again.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = ServiceContext
    let store: any PermitStore
    let maxBodyBytes: Int
    let clock: @Sendable () -> Int64
    /// How long a claim stays another call's before a retry takes it over (its instance died mid-call): until
    /// then the retry is 409 `idempotency.inProgress`. Taking over a call that is in fact still running is safe:
    /// the registry holds each route to once as well (a request per credential and key, a row issued once, a
    /// decision made once, an enrolment code used once); only an administrator's added credential could become
    /// two tokens, both shown to that administrator.
    let leaseSeconds: Int64
    /// Who may reuse a key: the caller's credential, or for an unauthenticated call something of the body.
    let scope: @Sendable (ServiceContext, [UInt8]) -> String?

    func handle(_ request: Request, context: ServiceContext,
                next: (Request, ServiceContext) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = try RequestFlow.idempotencyKey(request) else {
            return try await next(request, context)
        }
        let body = try await RequestFlow.body(request, limit: maxBodyBytes)
        guard let scope = scope(context, body) else { return try await next(request, context) }
        var request = request
        request.body = RequestBody(buffer: ByteBuffer(bytes: body))
        let fingerprint = SHA256.hash(Array("\(request.method.rawValue) \(request.uri.path)\n".utf8) + body)
        let claim = IdempotencyClaim(scope: scope, key: key, fingerprint: fingerprint, claimedAt: clock())
        switch try await storeCall({ try await store.claimIdempotencyKey(claim, leaseSeconds: leaseSeconds) }) {
        case .mismatch:
            throw Problem(.unprocessableContent, "idempotency.keyReused",
                          "Idempotency-Key \(key) was used with another call (another path or body)")
        case .inProgress:
            throw Problem(.conflict, "idempotency.inProgress",
                          "the call with Idempotency-Key \(key) is still in progress; retry shortly", retryAfter: 1)
        case .finished(let answer):
            guard let kept = answer.body else {
                throw Problem(.conflict, "idempotency.answerNotKept", "the call with Idempotency-Key \(key) was "
                    + "done (\(answer.status)); its answer carried a secret shown once, which is not kept")
            }
            var headers: HTTPFields = [.idempotentReplayed: "true"]
            if let type = answer.contentType { headers[.contentType] = type }
            return Response(status: .init(code: answer.status), headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: kept)))
        case .claimed:
            break
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            let answer = try error.response(from: request, context: context)
            return try await settle(answer, scope: scope, key: key, logger: context.logger)
        } catch {
            try? await store.releaseIdempotencyKey(scope: scope, key: key)
            throw error
        }
        return try await settle(response, scope: scope, key: key, logger: context.logger)
    }

    /// Keeps a final answer, or releases the claim when a retry could get another.
    func settle(_ response: Response, scope: String, key: String, logger: Logger) async throws -> Response {
        let code = response.status.code
        if code >= 500 || code == 429 || code == 401 {
            do { try await store.releaseIdempotencyKey(scope: scope, key: key) } catch {
                logger.error("could not release an idempotency key", metadata: ["reason": .string(error.reason)])
            }
            return response
        }
        var response = response
        let collector = BodyCollector()
        try await response.body.write(collector)
        let bytes = collector.box.bytes
        let secret = response.headers[.cacheControl]?.contains("no-store") == true
        let answer = IdempotentAnswer(status: code, contentType: response.headers[.contentType],
                                      body: secret ? nil : bytes)
        try await storeCall { try await store.finishIdempotencyKey(scope: scope, key: key, answer: answer, at: clock()) }
        response.body = .init(byteBuffer: ByteBuffer(bytes: bytes))
        return response
    }
}

/// Collects a response body our routes built from one buffer, so it can be kept and sent.
struct BodyCollector: ResponseBodyWriter {
    final class Box: @unchecked Sendable {
        // Written only by the one task that writes the body, then read by it.
        var bytes: [UInt8] = []
    }
    let box = Box()

    mutating func write(_ buffer: ByteBuffer) async throws { box.bytes += buffer.readableBytesView }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

extension HTTPField.Name {
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
