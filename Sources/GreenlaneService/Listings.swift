import Hummingbird
import GreenlaneFormat
import GreenlaneMessages
import GreenlaneStore
import Foundation

/// The officers' queue and the request lists: pages of `ServiceRequestSummary`, each page naming the cursor of
/// the next (`next`, given back as `after`).
struct Listings: Sendable {
    let store: any PermitStore
    let clock: @Sendable () -> Int64

    /// Undecided longer than this is overdue (the 24-hour target of 2021).
    static let overdueAfter: Int64 = 24 * 3_600

    /// GET /v1/queue?stage=endorsement|approval&limit=&after=: pending requests oldest first, each with its age and
    /// `overdue` past 24 hours. Officers, auditors and administrators see every sector; an endorser its own.
    func queue(_ request: Request, context: ServiceContext) async throws -> Response {
        let caller = try context.caller()
        guard caller.role != .dispatcher else { throw Problem.forbidden("the queue is the authority's") }
        let query = request.uri.queryParameters
        let stage: ServiceRequest.Stage
        if let text = query["stage"] {
            guard let value = ServiceRequest.Stage(rawValue: String(text)) else {
                throw Problem(.badRequest, "query.invalidStage", "stage must be endorsement or approval")
            }
            stage = value
        } else {
            stage = caller.role == .endorser ? .endorsement : .approval
        }
        let limit = try Self.limit(query)
        let found = try await storeCall {
            try await store.serviceQueue(ServiceQueueQuery(
                stage: stage, sector: caller.role == .endorser ? caller.sector : nil,
                after: query["after"].map(String.init), limit: limit))
        }
        let now = clock()
        let entries = found.map { summary -> [String: Any] in
            var entry = Self.object(summary, language: request.reasonLanguage)
            let age = max(0, now - summary.createdAt)
            entry["ageSeconds"] = age
            entry["overdue"] = age > Self.overdueAfter
            return entry
        }
        return try Self.page(["stage": stage.rawValue, "requests": entries], found, limit: limit)
    }

    /// GET /v1/requests?limit=&after=: newest first; a dispatcher's firm's only, every firm's for the authority.
    func requests(_ request: Request, context: ServiceContext) async throws -> Response {
        let caller = try context.caller()
        let query = request.uri.queryParameters
        let limit = try Self.limit(query)
        let firm = caller.role == .dispatcher ? caller.firmID : nil
        if caller.role == .dispatcher, firm == nil { throw Problem.forbidden("this dispatcher has no firm") }
        let found = try await storeCall {
            try await store.serviceRequests(firmID: firm, after: query["after"].map(String.init), limit: limit)
        }
        let entries = found.map { Self.object($0, language: request.reasonLanguage) }
        return try Self.page(["requests": entries], found, limit: limit)
    }

    static func object(_ summary: ServiceRequestSummary, language: Language?) -> [String: Any] {
        var entry: [String: Any] = [
            "id": summary.id, "firm": summary.firmID, "status": summary.status.rawValue,
            "submittedAt": Timestamp.rfc3339(summary.createdAt), "rows": summary.rows,
            "acceptedRows": summary.acceptedRows, "issuedRows": summary.issuedRows,
        ]
        if let sector = summary.sector { entry["sector"] = sector.rawValue }
        if let stage = summary.stage { entry["stage"] = stage.rawValue }
        if let at = summary.endorsedAt { entry["endorsedAt"] = Timestamp.rfc3339(at) }
        if let at = summary.decidedAt { entry["decidedAt"] = Timestamp.rfc3339(at) }
        if let code = summary.refusalReason { entry["refusal"] = Decisions.reasonObject(code, language) }
        return entry
    }

    static func limit(_ query: Parameters) throws -> Int {
        guard let text = query["limit"] else { return 100 }
        guard let value = Int(text), (1...1_000).contains(value) else {
            throw Problem(.badRequest, "query.invalidLimit", "limit must be a number from 1 to 1000")
        }
        return value
    }

    /// A page, with `next` when it is full (there may be more).
    static func page(_ body: [String: Any], _ found: [ServiceRequestSummary], limit: Int) throws -> Response {
        var body = body
        if found.count == limit, let last = found.last { body["next"] = last.id }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
