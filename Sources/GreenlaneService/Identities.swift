import Hummingbird
import GreenlaneCrypto
import GreenlaneFormat
public import GreenlaneStore
import GreenlaneSupport
import Foundation

/// Tokens, enrolment codes and revocation. Secrets are made here, shown once in the answer, and handed to the
/// store only as hashes.
struct Identities: Sendable {
    let store: any PermitStore
    let configuration: ServerConfiguration
    let limiter: FailureLimiter
    let clock: @Sendable () -> Int64

    /// POST /v1/firms/{firm}/enrolments (admin): a one-time code for the firm's first dispatcher token.
    func addEnrolment(_ request: Request, context: ServiceContext) async throws -> Response {
        let caller = try context.caller()
        guard caller.role == .admin else { throw Problem.forbidden("only an administrator enrols firms") }
        let firmID = context.parameters.get("firm") ?? ""
        let code = Secret.make(Secret.enrolmentPrefix)
        let now = clock()
        let expires = now + Int64(configuration.enrolmentLifetime)
        try await storeCall {
            try await store.addEnrolment(
                ServiceEnrolment(codeHash: SHA256.hash(Array(code.utf8)), firmID: firmID, expiresAt: expires,
                                 createdAt: now), context: try audit(caller, context, now))
        }
        return try Self.answer(["code": code, "firm": firmID, "expiresAt": Timestamp.rfc3339(expires)])
    }

    /// POST /v1/enrol `{"code": "gle_…", "label": "…"}`, unauthenticated: the code, once, for a dispatcher token
    /// of the firm it was made for. Failures count against the source like bad tokens.
    func enrol(_ request: Request, context: ServiceContext) async throws -> Response {
        let now = clock()
        if let wait = limiter.retryAfter(context.peer, now: now) {
            throw Problem(.tooManyRequests, "auth.rateLimited", "too many failed attempts from this address",
                          retryAfter: wait)
        }
        let body = try await RequestFlow.body(request, limit: 4_096)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let code = object["code"] as? String,
            let hash = Secret.hash(Substring(code), prefix: Secret.enrolmentPrefix)
        else {
            limiter.recordFailure(context.peer, now: now)
            throw Problem(.notFound, "enrolment.unknown", "the enrolment code is unknown, used or expired")
        }
        let label = (object["label"] as? String) ?? "first dispatcher"
        let token = Secret.make(Secret.tokenPrefix)
        let credential = ServiceCredential(
            id: Secret.credentialID(), tokenHash: SHA256.hash(Array(token.utf8)), firmID: nil, role: .dispatcher,
            label: label, createdAt: now)
        do {
            let audit = try AuditContext(account: "enrolment", onBehalfOf: "request \(context.id)", recordedAt: now)
            let made = try await storeCall {
                try await store.redeemEnrolment(codeHash: hash, credential: credential, context: audit)
            }
            return try Self.answer(["token": token, "credential": made.id, "firm": made.firmID ?? "",
                                    "role": made.role.rawValue])
        } catch let problem as Problem where problem.code == "enrolment.unknown" {
            limiter.recordFailure(context.peer, now: now)
            throw problem
        } catch let error as RegistryError {
            throw Problem(.unprocessableContent, "invalidValue", error.reason)
        }
    }

    /// POST /v1/credentials `{"role": "officer", "label": "…", "firm": "…"}` (admin): a new token, shown once.
    func addCredential(_ request: Request, context: ServiceContext) async throws -> Response {
        let caller = try context.caller()
        guard caller.role == .admin else { throw Problem.forbidden("only an administrator issues credentials") }
        let body = try await RequestFlow.body(request, limit: 4_096)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let role = (object["role"] as? String).flatMap(ServiceRole.init(rawValue:)),
            let label = object["label"] as? String
        else {
            throw Problem(.unprocessableContent, "body.invalidCredential",
                          "a credential needs 'role' (dispatcher, endorser, officer, auditor, admin) and 'label'")
        }
        var sector: Firm.Kind?
        if let text = object["sector"] {
            guard let kind = (text as? String).flatMap(Firm.Kind.init(rawValue:)) else {
                throw Problem(.unprocessableContent, "body.invalidCredential", "'sector' must be postal or telecom")
            }
            sector = kind
        }
        let now = clock()
        let (token, credential) = try Self.make(role: role, firmID: object["firm"] as? String, sector: sector,
                                                label: label, now: now)
        try await storeCall { try await store.addCredential(credential, context: try audit(caller, context, now)) }
        return try Self.answer(["token": token, "credential": credential.id, "role": role.rawValue])
    }

    /// POST /v1/credentials/{id}/revoke: an administrator revokes any credential, anyone their own.
    func revoke(_ request: Request, context: ServiceContext) async throws -> Response {
        let caller = try context.caller()
        let id = context.parameters.get("id") ?? ""
        guard caller.role == .admin || caller.id == id else {
            throw Problem.notFound("credential \(SafeText.escaped(String(id.prefix(64))))")
        }
        let now = clock()
        try await storeCall { try await store.revokeCredential(id, context: try audit(caller, context, now)) }
        return try Self.answer(["credential": id, "status": "revoked"], status: .ok)
    }

    /// A new token and the record the store keeps of it.
    static func make(role: ServiceRole, firmID: String?, sector: Firm.Kind? = nil, label: String, now: Int64) throws
        -> (token: String, credential: ServiceCredential)
    {
        guard (role == .dispatcher) == (firmID != nil) else {
            throw Problem(.unprocessableContent, "body.invalidCredential",
                          "a dispatcher has a 'firm'; no one else does")
        }
        guard (role == .endorser) == (sector != nil) else {
            throw Problem(.unprocessableContent, "body.invalidCredential",
                          "an endorser has a 'sector' (postal, telecom); no one else does")
        }
        let token = Secret.make(Secret.tokenPrefix)
        return (token, ServiceCredential(id: Secret.credentialID(), tokenHash: SHA256.hash(Array(token.utf8)),
                                         firmID: firmID, role: role, label: label, createdAt: now, sector: sector))
    }

    static func answer(_ object: [String: String], status: HTTPResponse.Status = .created) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        // no-store marks an answer with a secret shown once: no cache keeps it, nor does the idempotency record.
        let secret = object["token"] != nil || object["code"] != nil
        return Response(status: status, headers: [.contentType: "application/json",
                                                  .cacheControl: secret ? "no-store" : "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A token made outside the API (the first administrator's, `greenlane-server token`), printed once.
public enum CredentialBootstrap {
    public static func addToken(store: any PermitStore, role: ServiceRole, firmID: String?, sector: Firm.Kind? = nil,
                                label: String) async throws -> (token: String, credential: ServiceCredential)
    {
        let now = Int64(Date().timeIntervalSince1970)
        let made = try Identities.make(role: role, firmID: firmID, sector: sector, label: label, now: now)
        let context = try AuditContext(account: AuditContext.processAccount(), recordedAt: now)
        try await store.addCredential(made.credential, context: context)
        return made
    }
}
