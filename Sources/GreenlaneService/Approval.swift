import Hummingbird
import GreenlaneSigning
import GreenlaneStore
import GreenlaneSupport

/// An officer's approval, then the signer. The decision is recorded in the store first, by the officer's own
/// call; then the server asks greenlane-signer (on its Unix socket) to issue the approved request. The signer
/// reads the request back from the store and signs only what it rebuilds there, so this process never holds
/// the key or hands over anything that is signed. Signer down: 503 `signer.unavailable` with the approval
/// kept; the same call again (the same Idempotency-Key, or none) finishes it, and never issues a row twice.
extension RequestFlow {
    /// POST /v1/requests/{id}/approve
    func approve(_ request: Request, context: ServiceContext) async throws -> Response {
        let caller = try context.caller()
        _ = try Self.idempotencyKey(request)
        let found = try await visibleRequest(context)
        guard caller.role == .officer else { throw Problem.forbidden("only an officer approves requests") }
        var approved = found
        switch found.status {
        case .pending:
            let auditContext = try audit(caller, context, clock())
            do {
                approved = try await storeCall {
                    try await store.decideRequest(found.id, .approved, context: auditContext)
                }
            } catch let problem as Problem where problem.code == "request.alreadyDecided" {
                // Another officer's call (or this one's first attempt) approved it meanwhile.
                approved = try await visibleRequest(context)
                guard approved.status == .approved else { throw problem }
            }
        case .refused:
            throw Problem(.conflict, "request.alreadyDecided", "request \(found.id) was refused")
        case .approved:
            break
        }
        if approved.rows.contains(where: { $0.status == .accepted }) {
            approved = try await sign(approved.id)
        }
        return try Self.json(RequestView(approved, language: request.reasonLanguage), status: .ok, request: request,
                             context: context)
    }

    /// Asks the signer to issue the approved request `id`, then reads what it recorded.
    func sign(_ id: String) async throws -> ServiceRequest {
        let answer: SignerAnswer
        do { answer = try await signer.send(.issue(requestID: id)) } catch {
            throw Problem(.serviceUnavailable, "signer.unavailable", "the approval of \(id) is recorded, but the "
                + "signer cannot be reached (\(error.reason)); approve again to issue it", retryAfter: 5)
        }
        guard answer.ok else {
            let reason = answer.reason ?? "the signer refused"
            switch answer.code {
            case "signer.notApproved": throw Problem(.conflict, "request.notApproved", reason)
            case "signer.unknownRequest": throw Problem.notFound("request \(id)")
            default: throw Problem(.serviceUnavailable, "signer.unavailable", reason, retryAfter: 5)
            }
        }
        guard let stored = try await storeCall({ try await store.serviceRequest(id) }) else {
            throw Problem.notFound("request \(id)")
        }
        return stored
    }
}
