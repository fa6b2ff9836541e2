import Hummingbird
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneMessages
import GreenlaneSigning
import GreenlaneStore
import GreenlaneSupport
import Foundation

/// Endorsement, refusal and whole-list decisions. Who may decide what:
///
/// - an endorser (a sector department) endorses or refuses requests awaiting endorsement of its own sector's
///   firms only (another sector's is `endorsement.otherSector`);
/// - an officer approves (after endorsement, when the policy requires it) and refuses any pending request;
/// - nobody else decides (a dispatcher is forbidden, even for its own firm's request).
///
/// The rule runs in the store's deciding transaction (`decideRequests`' `check`), per request, so one list may
/// mix firms and sectors and each request gets its own answer. Approved requests are then issued through
/// `RequestFlow.issue`, the one signing call.
struct Decisions: Sendable {
    let flow: RequestFlow
    var store: any PermitStore { flow.store }
    let clock: @Sendable () -> Int64

    /// Most requests in one list decision.
    static let maxRequests = 10_000

    /// POST /v1/requests/{id}/endorse `{"note"?}`
    func endorse(_ request: Request, context: ServiceContext) async throws -> Response {
        _ = try RequestFlow.idempotencyKey(request)  // checked; a decision repeated is answered as decided
        let body = try await RequestFlow.body(request, limit: 4_096)
        let object = try Self.object(body, members: ["note"])
        return try await decideOne(.init(.endorse, note: try Self.note(object)), request, context)
    }

    /// POST /v1/requests/{id}/refuse `{"reason": code, "note"?}`
    func refuse(_ request: Request, context: ServiceContext) async throws -> Response {
        _ = try RequestFlow.idempotencyKey(request)  // checked; a decision repeated is answered as decided
        let body = try await RequestFlow.body(request, limit: 4_096)
        let object = try Self.object(body, members: ["reason", "note"])
        let decision = ServiceDecision(.refuse, reason: try Self.reason(object), note: try Self.note(object))
        return try await decideOne(decision, request, context)
    }

    /// One request: as a list of one, answered with the request itself, or with the problem it came to.
    func decideOne(_ decision: ServiceDecision, _ request: Request, _ context: ServiceContext) async throws
        -> Response
    {
        let found = try await flow.visibleRequest(context)
        let results = try await decide([found.id], decision, context: context)
        if case .refused(let problem)? = results.first?.problem { throw problem }
        let now = try await storeCall { try await store.serviceRequest(found.id) } ?? found
        return try RequestFlow.json(RequestView(now, language: request.reasonLanguage), status: .ok,
                                    request: request, context: context)
    }

    /// POST /v1/decisions `{"decision": "approve"|"refuse"|"endorse", "requests": [id, …], "reason"?, "note"?}`:
    /// the whole list in one action, answered per request.
    func decideList(_ request: Request, context: ServiceContext) async throws -> Response {
        _ = try RequestFlow.idempotencyKey(request)  // checked; a decision repeated is answered as decided
        let caller = try context.caller()
        guard caller.role == .officer || caller.role == .endorser else {
            throw Problem.forbidden("only officers and endorsers decide requests")
        }
        let body = try await RequestFlow.body(request, limit: flow.configuration.maxBodyBytes)
        let object = try Self.object(body, members: ["decision", "requests", "reason", "note"])
        guard let kind = (object["decision"] as? String).flatMap(ServiceDecision.Kind.init(rawValue:)) else {
            throw Problem(.unprocessableContent, "body.invalidDecision",
                          "'decision' must be one of: approve, refuse, endorse")
        }
        guard let ids = object["requests"] as? [String], !ids.isEmpty else {
            throw Problem(.unprocessableContent, "body.noRequests", "'requests' must be a non-empty array of ids")
        }
        guard ids.count <= Self.maxRequests else {
            throw Problem(.contentTooLarge, "body.tooManyRequests", "at most \(Self.maxRequests) requests a decision")
        }
        let reason = kind == .refuse ? try Self.reason(object) : nil
        if kind != .refuse, object["reason"] != nil {
            throw Problem(.unprocessableContent, "body.unknownMember", "only a refusal has a 'reason'")
        }
        let decision = ServiceDecision(kind, reason: reason, note: try Self.note(object))
        let results = try await decide(ids, decision, context: context)
        let language = request.reasonLanguage
        var decided = 0
        var answers: [[String: Any]] = []
        answers.reserveCapacity(results.count)
        for result in results {
            var answer: [String: Any] = ["id": result.id]
            switch result.problem {
            case .decided(let status, let stage, let issued):
                decided += 1
                answer["status"] = status
                if let stage { answer["stage"] = stage }
                if let issued { answer["issuedRows"] = issued }
            case .refused(let problem):
                answer["problem"] = ["status": problem.status.code, "code": problem.code, "detail": problem.detail]
            }
            answers.append(answer)
        }
        var summary: [String: Any] = ["decision": kind.rawValue, "decided": decided,
                                      "refused": results.count - decided, "results": answers]
        if let reason { summary["reason"] = Self.reasonObject(reason, language) }
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// What one request of a list came to, as the service answers it.
    struct Result {
        enum Answer {
            case decided(status: String, stage: String?, issuedRows: Int?)
            case refused(Problem)
        }
        var id: String
        var problem: Answer
    }

    /// Decides `ids` in one store transaction under the caller's rule, then issues what was approved (and
    /// applies the approval rules to what was endorsed).
    func decide(_ ids: [String], _ decision: ServiceDecision, context: ServiceContext) async throws -> [Result] {
        let caller = try context.caller()
        let check = try Self.rule(for: caller, decision.kind)
        let now = clock()
        let auditContext = try audit(caller, context, now)
        let results = try await storeCall {
            try await store.decideRequests(ids, decision, context: auditContext, check: check)
        }
        var answers: [Result] = []
        answers.reserveCapacity(results.count)
        for result in results {
            switch result.outcome {
            case .refused(let error) where error.code == .alreadyDecided && decision.kind == .approve:
                // A retried list: an approved request whose issuing a failure cut short is issued now, as a
                // retried single approval does; anything else decided stays the problem it is.
                guard let request = try await storeCall({ try await store.serviceRequest(result.id) }),
                    request.status == .approved
                else {
                    answers.append(Result(id: result.id, problem: .refused(Problem(error))))
                    continue
                }
                let accepted = request.rows.contains { $0.status == .accepted }
                let now = accepted ? try await flow.sign(request.id) : request
                let issued = now.rows.filter { $0.status == .issued }.count
                answers.append(Result(id: result.id, problem: .decided(
                    status: now.status.rawValue, stage: nil, issuedRows: issued)))
            case .refused(let error): answers.append(Result(id: result.id, problem: .refused(Problem(error))))
            case .decided(let summary):
                var status = summary.status.rawValue, stage = summary.stage?.rawValue
                var issued: Int?
                if decision.kind == .approve || decision.kind == .endorse,
                    let request = try await storeCall({ try await store.serviceRequest(summary.id) })
                {
                    var now = request
                    if decision.kind == .approve {
                        if request.rows.contains(where: { $0.status == .accepted }) {
                            now = try await flow.sign(request.id)
                        }
                    } else {
                        now = try await flow.applyApprovalRules(request, context: context)
                    }
                    status = now.status.rawValue
                    stage = now.stage?.rawValue
                    if now.status == .approved { issued = now.rows.filter { $0.status == .issued }.count }
                }
                answers.append(Result(id: result.id,
                                      problem: .decided(status: status, stage: stage, issuedRows: issued)))
            }
        }
        return answers
    }

    /// The caller's rule for `kind`, run by the store on each request's facts; throws when the caller may make
    /// no such decision at all.
    static func rule(for caller: ServiceCredential, _ kind: ServiceDecision.Kind) throws
        -> @Sendable (ServiceRequestFacts) -> RegistryError?
    {
        switch (caller.role, kind) {
        case (.endorser, .endorse), (.endorser, .refuse):
            guard let sector = caller.sector else { throw Problem.forbidden("this endorser has no sector") }
            return { facts in
                if facts.sector != sector {
                    return RegistryError(.otherSector, "request \(facts.id) is of a "
                        + "\(facts.sector?.rawValue ?? "unknown") firm; this endorser endorses \(sector.rawValue) "
                        + "firms")
                }
                if kind == .refuse, facts.stage == .approval {
                    return RegistryError(.notPermitted,
                                         "request \(facts.id) is past endorsement; an officer decides it")
                }
                return nil
            }
        case (.officer, .approve), (.officer, .refuse):
            return { _ in nil }
        case (.officer, .endorse):
            throw Problem.forbidden("only the sector's endorser endorses requests")
        case (_, .approve):
            throw Problem.forbidden("only an officer approves requests")
        case (_, .endorse):
            throw Problem.forbidden("only the sector's endorser endorses requests")
        case (_, .refuse):
            throw Problem.forbidden("only an endorser or an officer refuses requests")
        }
    }

    // MARK: - Bodies

    static func object(_ body: [UInt8], members: Set<String>) throws -> [String: Any] {
        if body.isEmpty { return [:] }
        let tree: StrictJSON
        do { tree = try StrictJSON.parse(body) } catch {
            throw Problem(.badRequest, "body.invalidJSON", "the body is not JSON: \(error.description)")
        }
        if let first = tree.unknownMembers(members, at: "").first {
            throw Problem(.unprocessableContent, "body.unknownMember", "unknown member '\(first)' (known: "
                + members.sorted().joined(separator: ", ") + ")")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw Problem(.badRequest, "body.invalidJSON", "the body is not a JSON object")
        }
        return object
    }

    static func reason(_ object: [String: Any]) throws -> String {
        guard let reason = object["reason"] as? String, ServiceDecision.refusalCodes.contains(reason) else {
            throw Problem(.unprocessableContent, "body.unknownReason", "a refusal needs 'reason', one of: "
                + ServiceDecision.refusalCodes.joined(separator: ", "))
        }
        return reason
    }

    static func note(_ object: [String: Any]) throws -> String? {
        guard let value = object["note"] else { return nil }
        guard let note = value as? String, AuditText.problem(in: note, maxLength: 500) == nil else {
            throw Problem(.unprocessableContent, "body.invalidNote", "'note' must be one line of at most 500 "
                + "printable characters")
        }
        return note
    }

    static func reasonObject(_ code: String, _ language: Language?) -> [String: String] {
        let view = ReasonView(code: code, language: language)
        return ["code": view.code, "vi": view.vi, "en": view.en, "text": view.text].compactMapValues { $0 }
    }
}

extension RequestFlow {
    /// Approves `request` without an officer when a rule the authority set in the policy (`approvalRules`)
    /// covers it, and issues it; the decision is recorded and audited under the rule's name (`rule NAME`), on
    /// behalf of the HTTP request that brought it to approval; the signer then issues it under the rule's name.
    /// Otherwise returns it unchanged.
    func applyApprovalRules(_ request: ServiceRequest, context: ServiceContext) async throws -> ServiceRequest {
        guard request.stage == .approval, !policy.approvalRules.isEmpty else { return request }
        let accepted = request.rows.filter { $0.status == .accepted }
        var plates: [String] = []
        for row in accepted {
            guard let vehicle = try? JSONDecoder().decode(VehicleRow.self, from: Data(row.payload.utf8)) else {
                return request
            }
            plates.append(VehicleKey.compact(vehicle.plate))
        }
        let now = clock()
        for rule in ApprovalRule.allCases where policy.approvalRules.contains(rule) {
            let applies: Bool
            do {
                applies = try await rule.approves(firmID: request.firmID, compactPlates: plates, store: store, now: now)
            } catch { throw Problem(.serviceUnavailable, "registry.unavailable", "\(error)") }
            guard applies else { continue }
            let ruleContext: AuditContext
            do {
                ruleContext = try AuditContext(account: "rule \(rule.rawValue)", onBehalfOf: "request \(context.id)",
                                               recordedAt: now)
            } catch { throw Problem(.internalServerError, "internal", error.reason) }
            let results = try await storeCall {
                try await store.decideRequests([request.id], ServiceDecision(.approve), context: ruleContext) {
                    _ in nil
                }
            }
            guard case .decided? = results.first?.outcome else { return request }
            guard let approved = try await storeCall({ try await store.serviceRequest(request.id) }) else {
                return request
            }
            // The signer issues it as the rule's (the decision's `decidedBy`), as it does an officer's approval.
            return approved.rows.contains { $0.status == .accepted } ? try await sign(approved.id) : approved
        }
        return request
    }
}
