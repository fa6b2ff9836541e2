import Hummingbird
import GreenlaneCrypto
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneMessages
import GreenlaneSigning
import GreenlaneStore
import GreenlaneSupport
import Foundation

/// A refusal as the API gives it: the stable code, and the engine's words.
struct Reason: Codable, Sendable, Equatable {
    var code: String
    var detail: String
}

/// The API's view of a request and its rows; reason codes with their text (`ReasonView`).
struct RequestView: ResponseEncodable, Sendable {
    struct RowView: Codable, Sendable {
        var index: Int
        var status: String
        var plate: String?
        var reasons: [ReasonView]
        var serial: String?
    }
    var id: String
    var status: String
    /// `endorsement` or `approval` while pending; absent once decided.
    var stage: String?
    var needsEndorsement: Bool
    var createdAt: String
    var endorsedAt: String?
    var decidedAt: String?
    /// Who decided: a credential, or `rule NAME` for a request a policy rule approved.
    var decidedBy: String?
    var refusal: ReasonView?
    var note: String?
    var rows: [RowView]

    init(_ request: ServiceRequest, language: Language?) {
        id = request.id
        status = request.status.rawValue
        stage = request.stage?.rawValue
        needsEndorsement = request.needsEndorsement
        createdAt = Timestamp.rfc3339(request.createdAt)
        endorsedAt = request.endorsedAt.map(Timestamp.rfc3339)
        decidedAt = request.decidedAt.map(Timestamp.rfc3339)
        decidedBy = request.decidedBy
        refusal = request.refusalReason.map { ReasonView(code: $0, language: language) }
        note = request.refusalNote
        rows = request.rows.map { row in
            let plate = (try? JSONDecoder().decode(VehicleRow.self, from: Data(row.payload.utf8)))?.plate
            let reasons = row.detail.flatMap { try? JSONDecoder().decode([Reason].self, from: Data($0.utf8)) } ?? []
            return RowView(index: row.index, status: row.status.rawValue, plate: plate,
                           reasons: reasons.map { ReasonView(code: $0.code, detail: $0.detail, language: language) },
                           serial: row.serial)
        }
    }
}

/// Submitting, reading and downloading requests; approving is in Approval.swift. Every decision reads
/// `context.identity`.
struct RequestFlow: Sendable {
    let store: any PermitStore
    let policy: Policy
    let configuration: ServerConfiguration
    let clock: @Sendable () -> Int64
    /// The signer process holding the key (docs/SERVICE.md, "The signer"); this process never opens it.
    let signer: SignerClient

    /// POST /v1/requests: `{"vehicles": [ … ]}`. Each row is checked at once against the policy and the
    /// registry; the request is recorded with every row's answer and waits for an officer.
    func submit(_ request: Request, context: ServiceContext) async throws -> Response {
        let caller = try context.caller()
        guard caller.role == .dispatcher, let firmID = caller.firmID else {
            throw Problem.forbidden("only a firm's dispatcher submits requests")
        }
        let key = try Self.idempotencyKey(request)
        let body = try await Self.body(request, limit: configuration.maxBodyBytes)
        let vehicles = try parse(body)
        let now = clock()
        let firm = try await storeCall { try await store.firm(firmID) }
        var rows: [ServiceRequest.Row] = []
        var seen: Set<String> = []
        for (index, vehicle) in vehicles.enumerated() {
            let payload = String(decoding: try Self.encoder.encode(vehicle), as: UTF8.self)
            var reasons: [Reason] = []
            let asked = vehicle.permitRequest(firmID: firmID, source: "row \(index)")
            switch policy.draft(for: asked, firm: firm, now: now) {
            case .failure(let refusal):
                reasons = zip(refusal.codes, refusal.reasons).map { Reason(code: $0, detail: $1) }
            case .success(let draft):
                reasons = try await registryReasons(draft, firmID: firmID, now: now, seen: &seen)
            }
            let detail = reasons.isEmpty ? nil : String(decoding: try Self.encoder.encode(reasons), as: UTF8.self)
            rows.append(.init(index: index, payload: payload, status: reasons.isEmpty ? .accepted : .refused,
                              detail: detail))
        }
        let hash = SHA256.hash(body)
        let proposed = ServiceRequest(
            id: "rq-" + Hex.encode(SecureRandom.bytes(8)), firmID: firmID, credentialID: caller.id,
            idempotencyKey: key, bodyHash: hash, createdAt: now, rows: rows,
            needsEndorsement: firm.map { policy.sectorsNeedingEndorsement.contains($0.kind) } ?? false)
        var stored = try await storeCall {
            try await store.submitRequest(proposed, context: try audit(caller, context, now))
        }
        if stored.id != proposed.id, stored.bodyHash != hash {
            throw Problem(.unprocessableContent, "idempotency.keyReused",
                          "Idempotency-Key \(key ?? "") was used with another body")
        }
        if stored.id == proposed.id, stored.stage == .approval {
            stored = try await applyApprovalRules(stored, context: context)
        }
        return try Self.json(RequestView(stored, language: request.reasonLanguage), status: .created,
                             request: request, context: context)
    }

    /// Every row reason code the service gives beside the engine's policy codes (`RequestRefusal.policyCodes`):
    /// the registry's answers at submission, and at issue `registry.` + a policy code or `registry.refused`.
    static var rowCodes: Set<String> {
        let submission: Set<String> = ["vehicle.duplicateInRequest", "vehicle.otherFirm", "vehicle.livePass"]
        let atIssue = (RequestRefusal.policyCodes.union(["refused"])).map { "registry." + $0 }
        return submission.union(RequestRefusal.policyCodes).union(atIssue)
    }

    /// What the registry would say now (the rules run again, authoritatively, when the request is issued).
    func registryReasons(_ draft: PermitDraft, firmID: String, now: Int64, seen: inout Set<String>)
        async throws -> [Reason]
    {
        let compact = draft.plate.compact
        guard seen.insert(compact).inserted else {
            return [Reason(code: "vehicle.duplicateInRequest",
                           detail: "plate \(draft.plate.text) is in this request twice")]
        }
        var filter = PermitFilter(now: now)
        filter.plate = compact
        filter.validAt = now
        let live = try await storeCall { try await store.permitPage(filter, after: nil, count: 1) }
        guard let permit = live.first?.permit else { return [] }
        if permit.firmID != firmID {
            return [Reason(code: "vehicle.otherFirm", detail: "vehicle \(compact) belongs to another firm")]
        }
        return [Reason(code: "vehicle.livePass",
                       detail: "plate \(draft.plate.text) already has a live pass \(permit.serial)")]
    }

    /// GET /v1/requests/{id}
    func show(_ request: Request, context: ServiceContext) async throws -> Response {
        let found = try await visibleRequest(context)
        return try Self.json(RequestView(found, language: request.reasonLanguage), status: .ok, request: request,
                             context: context)
    }

    /// GET /v1/requests/{id}/codes: the pass codes of the issued rows.
    func codes(_ request: Request, context: ServiceContext) async throws -> Response {
        let found = try await visibleRequest(context)
        let now = clock()
        var codes: [[String: String]] = []
        for row in found.rows {
            guard let serial = row.serial,
                let listing = try await storeCall({ try await store.permit(serial, at: now) }) else { continue }
            codes.append(["index": String(row.index), "serial": serial, "code": listing.permit.code])
        }
        let body = try JSONSerialization.data(withJSONObject: ["id": found.id, "status": found.status.rawValue,
                                                               "codes": codes], options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The request named in the path, if the caller may see it: a dispatcher sees its own firm's only, and
    /// another firm's request is answered exactly as one that does not exist.
    func visibleRequest(_ context: ServiceContext) async throws -> ServiceRequest {
        let caller = try context.caller()
        let id = context.parameters.get("id") ?? ""
        let found = try await storeCall { try await store.serviceRequest(id) }
        guard let found, caller.role != .dispatcher || found.firmID == caller.firmID else {
            throw Problem.notFound("request \(SafeText.escaped(String(id.prefix(64))))")
        }
        return found
    }

    // MARK: - Bodies

    /// The vehicles of a body, strictly: unknown members are refused by name (a `firmID` among them: the firm
    /// is the caller's, never the body's).
    func parse(_ body: [UInt8]) throws -> [VehicleRow] {
        let tree: StrictJSON
        do { tree = try StrictJSON.parse(body) } catch {
            throw Problem(.badRequest, "body.invalidJSON", "the body is not JSON: \(error.description)")
        }
        let unknown = tree.unknownMembers(["vehicles"], at: "")
        if let first = unknown.first {
            throw Problem(.unprocessableContent, "body.unknownMember", "unknown member '\(first)' (a request has "
                + "only 'vehicles'; the firm is the caller's)")
        }
        guard case .array(let items)? = tree["vehicles"], !items.isEmpty else {
            throw Problem(.unprocessableContent, "body.noVehicles", "'vehicles' must be a non-empty array")
        }
        guard items.count <= configuration.maxRows else {
            throw Problem(.contentTooLarge, "body.tooManyRows", "at most \(configuration.maxRows) vehicles a request")
        }
        for (index, item) in items.enumerated() {
            if let first = item.unknownMembers(VehicleRow.members, at: "vehicles[\(index)]").first {
                throw Problem(.unprocessableContent, "body.unknownMember", "unknown member '\(first)' (a vehicle "
                    + "has only: " + VehicleRow.members.sorted().joined(separator: ", ")
                    + "; the firm is the caller's)")
            }
        }
        struct Body: Decodable { var vehicles: [VehicleRow] }
        do { return try JSONDecoder().decode(Body.self, from: Data(body)).vehicles } catch {
            throw Problem(.unprocessableContent, "body.invalidVehicle", DecodingErrorText.describe(error))
        }
    }

    static func body(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Problem(.contentTooLarge, "body.tooLarge", "the body is larger than \(limit) bytes")
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw Problem(.contentTooLarge, "body.tooLarge", "the body is larger than \(limit) bytes")
        }
    }

    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...255).contains(key.utf8.count), key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else {
            throw Problem(.badRequest, "idempotency.invalidKey",
                          "Idempotency-Key must be 1-255 printable ASCII characters")
        }
        return key
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status, request: Request,
                     context: ServiceContext) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Who acts, for the audit log: the credential, its role and firm, and the HTTP request id.
func audit(_ caller: ServiceCredential, _ context: ServiceContext, _ now: Int64) throws -> AuditContext {
    do {
        return try AuditContext(
            account: "credential \(caller.id) (\(caller.role.rawValue)\(caller.firmID.map { " " + $0 } ?? ""))",
            onBehalfOf: "request \(context.id)", recordedAt: now)
    } catch {
        throw Problem(.internalServerError, "internal", error.reason)
    }
}

/// A store call whose failure is a problem answer: refusals keep their code, a failing database is 503.
func storeCall<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let error as RegistryError { throw Problem(error) }
}

extension Problem {
    /// The answer for a store's refusal (a whole call's, or one request's in a list decision).
    init(_ error: RegistryError) {
        switch error.code {
        case .unknownRequest, .unknownFirm, .unknownCredential, .unknownPermit:
            self.init(.notFound, "notFound", error.reason)
        case .alreadyDecided: self.init(.conflict, "request.alreadyDecided", error.reason)
        case .awaitingEndorsement: self.init(.conflict, "request.awaitingEndorsement", error.reason)
        case .notAwaitingEndorsement: self.init(.conflict, "request.notAwaitingEndorsement", error.reason)
        case .otherSector: self.init(.forbidden, "endorsement.otherSector", error.reason)
        case .notPermitted: self.init(.forbidden, "role.forbidden", error.reason)
        case .alreadyRevoked: self.init(.conflict, "credential.alreadyRevoked", error.reason)
        case .credentialExists: self.init(.conflict, "credential.exists", error.reason)
        case .unknownEnrolment:
            self.init(.notFound, "enrolment.unknown", "the enrolment code is unknown, used or expired")
        case .invalidValue: self.init(.unprocessableContent, "invalidValue", error.reason)
        default: self.init(.serviceUnavailable, "registry.unavailable", error.reason)
        }
    }
}
