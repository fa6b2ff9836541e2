import Hummingbird
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneStore
import GreenlaneSupport
import Foundation

/// A firm's passes and their revocation. A dispatcher sees and revokes its own firm's permits only (another
/// firm's is answered as one that does not exist), and revokes only for `lost`, `stolen` or `off-duty`; an
/// officer revokes any permit with any reason a person may give. Revocation is the registry's own operation
/// (`Registry.revoke`, as `greenlane-office revoke`), audited with the credential.
struct Permits: Sendable {
    let store: any PermitStore
    let clock: @Sendable () -> Int64

    /// The reasons a firm gives for its own permits.
    static let firmReasons: [RevocationReason] = [.lost, .stolen, .offDuty]

    /// GET /v1/permits?expiringBefore=&limit=&after=[&firm=]: in serial order, each with its validity and state.
    func list(_ request: Request, context: ServiceContext) async throws -> Response {
        let caller = try context.caller()
        let query = request.uri.queryParameters
        let now = clock()
        var filter = PermitFilter(now: now)
        switch caller.role {
        case .dispatcher:
            guard let firm = caller.firmID else { throw Problem.forbidden("this dispatcher has no firm") }
            if query["firm"] != nil {
                throw Problem(.badRequest, "query.unknownParameter", "a dispatcher lists its own firm's permits; "
                    + "there is no 'firm' to choose")
            }
            filter.firmID = firm
        case .officer, .auditor, .admin, .endorser:
            filter.firmID = query["firm"].map(String.init)
        }
        if let text = query["expiringBefore"] {
            guard let time = Timestamp.parse(String(text)) else {
                throw Problem(.badRequest, "query.invalidTime", "expiringBefore must be an RFC 3339 time")
            }
            filter.expiresBefore = time
        }
        let limit = try Listings.limit(query)
        let page = try await storeCall {
            try await store.permitPage(filter, after: query["after"].map(String.init), count: limit)
        }
        let permits = page.map { listing -> [String: Any] in
            var entry: [String: Any] = [
                "serial": listing.permit.serial, "firm": listing.permit.firmID, "plate": listing.permit.plate,
                "state": listing.status.rawValue, "validFrom": Timestamp.rfc3339(listing.permit.notBefore),
                "validUntil": Timestamp.rfc3339(listing.permit.expiresAt),
                "expiresInSeconds": max(0, listing.permit.expiresAt - now),
            ]
            if let revocation = listing.revocation {
                let reason = RevocationReason(code: revocation.reason)
                entry["revocation"] = [
                    "code": revocation.reason, "vi": reason?.vietnameseName ?? revocation.reason,
                    "en": reason?.englishName ?? revocation.reason, "at": Timestamp.rfc3339(revocation.revokedAt),
                ]
            }
            return entry
        }
        var body: [String: Any] = ["permits": permits]
        if page.count == limit, let last = page.last { body["next"] = last.permit.serial }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// POST /v1/permits/{serial}/revoke `{"reason": code, "note"?}`
    func revoke(_ request: Request, context: ServiceContext) async throws -> Response {
        let caller = try context.caller()
        let serial = context.parameters.get("serial") ?? ""
        _ = try RequestFlow.idempotencyKey(request)  // checked; revoking twice is answered permit.alreadyRevoked
        let body = try await RequestFlow.body(request, limit: 4_096)
        let object = try Decisions.object(body, members: ["reason", "note"])
        let note = try Decisions.note(object)
        let now = clock()
        let allowed: [RevocationReason]
        switch caller.role {
        case .dispatcher: allowed = Self.firmReasons
        case .officer: allowed = RevocationReason.manual
        default: throw Problem.forbidden("only a firm's dispatcher or an officer revokes permits")
        }
        let found = try await storeCall { try await store.permit(serial, at: now) }
        guard let found, caller.role != .dispatcher || found.permit.firmID == caller.firmID else {
            throw Problem.notFound("permit \(SafeText.escaped(String(serial.prefix(64))))")
        }
        guard let code = (object["reason"] as? String).flatMap(RevocationReason.init(known:)),
            allowed.contains(code)
        else {
            throw Problem(.unprocessableContent, "revocation.reasonNotAllowed", "'reason' must be one of: "
                + allowed.map(\.code).joined(separator: ", "))
        }
        do {
            try await Registry(store: store).revoke(found.permit.serial, reason: code, note: note,
                                                    context: try audit(caller, context, now))
        } catch let error as RegistryError where error.code == .alreadyRevoked {
            throw Problem(.conflict, "permit.alreadyRevoked", error.reason)
        } catch let error as RegistryError {
            throw Problem(error)
        }
        let data = try JSONSerialization.data(withJSONObject: [
            "serial": found.permit.serial, "state": "revoked", "reason": code.code,
            "revokedAt": Timestamp.rfc3339(now),
        ], options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
