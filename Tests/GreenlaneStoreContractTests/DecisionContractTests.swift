import GreenlaneFormat
import GreenlaneStore
import Testing

/// Endorsers, request stages, whole-list decisions, the queue, the firms' lists and permits by expiry, on every
/// store: each operation once with a success and once with a failure.
@Suite struct DecisionContractTests {
    static func hash(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 32) }

    /// Two dispatchers (VNPOST postal, VNPT-HN telecom) and requests `ids` of `firm`, each submitted `age` seconds
    /// before the next, the first needing endorsement when `endorsed` says so.
    static func store(_ factory: StoreFactory, requests: [(id: String, firm: String, createdAt: Int64,
                                                            endorsement: Bool)]) async throws -> any PermitStore {
        let store = try await factory.withFirms()
        try await store.addCredential(
            ServiceCredential(id: "cr-vnpost", tokenHash: hash(1), firmID: "VNPOST", role: .dispatcher, label: "An",
                              createdAt: 0), context: contractContext())
        try await store.addCredential(
            ServiceCredential(id: "cr-vnpt", tokenHash: hash(2), firmID: "VNPT-HN", role: .dispatcher, label: "Bình",
                              createdAt: 0), context: contractContext())
        for request in requests {
            _ = try await store.submitRequest(ServiceRequest(
                id: request.id, firmID: request.firm, credentialID: request.firm == "VNPOST" ? "cr-vnpost" : "cr-vnpt",
                idempotencyKey: nil, bodyHash: hash(9), createdAt: request.createdAt,
                rows: [.init(index: 0, payload: "{}", status: .accepted),
                       .init(index: 1, payload: "{}", status: .refused, detail: "[]")],
                needsEndorsement: request.endorsement), context: contractContext())
        }
        return store
    }

    static func code(_ result: ServiceDecisionResult) -> RegistryError.Code? {
        if case .refused(let error) = result.outcome { return error.code }
        return nil
    }

    // MARK: Endorser credentials

    @Test(arguments: StoreFactory.all) func addCredentialKeepsAnEndorsersSector(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        let endorser = ServiceCredential(id: "cr-sotttt", tokenHash: Self.hash(3), firmID: nil, role: .endorser,
                                         label: "Sở TT&TT", createdAt: 0, sector: .postal)
        try await store.addCredential(endorser, context: contractContext())
        #expect(try await store.credential(tokenHash: Self.hash(3)) == endorser)
    }

    @Test(arguments: StoreFactory.all) func addCredentialRefusesAnEndorserWithoutASectorOrAnOfficerWithOne(
        _ factory: StoreFactory) async throws
    {
        let store = try await factory.withFirms()
        let cases: [(ServiceRole, Firm.Kind?)] = [(.endorser, nil), (.officer, .postal)]
        for (role, sector) in cases {
            let credential = ServiceCredential(id: "cr-\(role.rawValue)", tokenHash: Self.hash(4), firmID: nil,
                                               role: role, label: "x", createdAt: 0, sector: sector)
            await #expect { try await store.addCredential(credential, context: contractContext()) }
                throws: { ($0 as? RegistryError)?.code == .invalidValue }
        }
        #expect(try await store.credential(tokenHash: Self.hash(4)) == nil)
    }

    // MARK: decideRequests

    @Test(arguments: StoreFactory.all) func decideRequestsEndorsesApprovesAndRefusesAWholeListInOrder(
        _ factory: StoreFactory) async throws
    {
        let store = try await Self.store(factory, requests: [
            ("rq-a", "VNPOST", contractNow, true), ("rq-b", "VNPT-HN", contractNow + 1, true),
            ("rq-c", "VNPOST", contractNow + 2, false),
        ])
        #expect(try await store.serviceRequest("rq-a")?.stage == .endorsement)
        let endorsed = try await store.decideRequests(["rq-a", "rq-b"], ServiceDecision(.endorse, note: "ok"),
                                                      context: contractContext()) { _ in nil }
        #expect(endorsed.map { Self.code($0) } == [nil, nil])
        let a = try #require(try await store.serviceRequest("rq-a"))
        #expect(a.stage == .approval && a.endorsedBy == "contract" && a.endorsedAt != nil && a.status == .pending)

        let approved = try await store.decideRequests(["rq-a", "rq-c"], ServiceDecision(.approve),
                                                      context: contractContext()) { _ in nil }
        guard case .decided(let summary) = approved[0].outcome else { Issue.record("rq-a not approved"); return }
        #expect(summary.status == .approved && summary.stage == nil && summary.rows == 2 && summary.acceptedRows == 1)
        let refused = try await store.decideRequests(
            ["rq-b"], ServiceDecision(.refuse, reason: "refusal.notEssential", note: "không thiết yếu"),
            context: contractContext()) { _ in nil }
        #expect(Self.code(refused[0]) == nil)
        let b = try #require(try await store.serviceRequest("rq-b"))
        #expect(b.status == .refused && b.refusalReason == "refusal.notEssential" && b.refusalNote == "không thiết yếu")
        #expect(try await store.auditLog(limit: 20, actor: nil, action: "request.").map(\.action).filter {
            $0 != "request.submit"
        } == ["request.endorse", "request.endorse", "request.approve", "request.approve", "request.refuse"])
    }

    @Test(arguments: StoreFactory.all) func decideRequestsRefusesEachRequestItCannotDecideAndDecidesTheRest(
        _ factory: StoreFactory) async throws
    {
        let store = try await Self.store(factory, requests: [
            ("rq-a", "VNPOST", contractNow, true), ("rq-b", "VNPT-HN", contractNow + 1, true),
            ("rq-c", "VNPOST", contractNow + 2, false),
        ])
        _ = try await store.decideRequest("rq-c", .refused, context: contractContext())
        // Approving before endorsement, an unknown id, a decided one, a repeat.
        let approve = try await store.decideRequests(["rq-a", "rq-none", "rq-c", "rq-a"], ServiceDecision(.approve),
                                                     context: contractContext()) { _ in nil }
        #expect(approve.map { Self.code($0) } == [.awaitingEndorsement, .unknownRequest, .alreadyDecided,
                                                   .invalidValue])
        // The caller's rule, run on the facts: only the postal sector.
        let endorse = try await store.decideRequests(["rq-a", "rq-b"], ServiceDecision(.endorse),
                                                     context: contractContext()) { facts in
            facts.sector == .postal ? nil : RegistryError(.otherSector, "not this endorser's sector")
        }
        #expect(endorse.map { Self.code($0) } == [nil, .otherSector])
        let again = try await store.decideRequests(["rq-a"], ServiceDecision(.endorse), context: contractContext()) {
            _ in nil
        }
        #expect(again.map { Self.code($0) } == [.notAwaitingEndorsement])
        #expect(try await store.serviceRequest("rq-b")?.stage == .endorsement)
        await #expect {
            try await store.decideRequests(["rq-b"], ServiceDecision(.refuse, reason: "because"),
                                           context: contractContext()) { _ in nil }
        } throws: { ($0 as? RegistryError)?.code == .invalidValue }
        #expect(try await store.serviceRequest("rq-b")?.status == .pending)
    }

    // MARK: The queue

    @Test(arguments: StoreFactory.all) func serviceQueueListsOneStageOldestFirstAPageAtATime(_ factory: StoreFactory)
        async throws
    {
        let store = try await Self.store(factory, requests: [
            ("rq-new", "VNPOST", contractNow, false), ("rq-old", "VNPOST", contractNow - 90_000, false),
            ("rq-mid", "VNPT-HN", contractNow - 3_600, false), ("rq-end", "VNPT-HN", contractNow - 7_200, true),
        ])
        let approval = try await store.serviceQueue(ServiceQueueQuery(stage: .approval))
        #expect(approval.map(\.id) == ["rq-old", "rq-mid", "rq-new"])
        #expect(approval.first?.createdAt == contractNow - 90_000 && approval.first?.acceptedRows == 1)
        let page = try await store.serviceQueue(ServiceQueueQuery(stage: .approval, after: "rq-old", limit: 1))
        #expect(page.map(\.id) == ["rq-mid"])
        let telecom = try await store.serviceQueue(ServiceQueueQuery(stage: .endorsement, sector: .telecom))
        #expect(telecom.map(\.id) == ["rq-end"])
        #expect(try await store.serviceQueue(ServiceQueueQuery(stage: .endorsement, sector: .postal)).isEmpty)
    }

    @Test(arguments: StoreFactory.all) func serviceQueueRefusesAnUnknownCursorOrAnEmptyPage(_ factory: StoreFactory)
        async throws
    {
        let store = try await Self.store(factory, requests: [("rq-a", "VNPOST", contractNow, false)])
        await #expect { try await store.serviceQueue(ServiceQueueQuery(stage: .approval, after: "rq-none")) }
            throws: { ($0 as? RegistryError)?.code == .unknownRequest }
        await #expect { try await store.serviceQueue(ServiceQueueQuery(stage: .approval, limit: 0)) }
            throws: { ($0 as? RegistryError)?.code == .invalidValue }
    }

    // MARK: The firms' lists

    @Test(arguments: StoreFactory.all) func serviceRequestsListsOneFirmsNewestFirst(_ factory: StoreFactory)
        async throws
    {
        let store = try await Self.store(factory, requests: [
            ("rq-1", "VNPOST", contractNow - 20, false), ("rq-2", "VNPT-HN", contractNow - 10, false),
            ("rq-3", "VNPOST", contractNow, false),
        ])
        #expect(try await store.serviceRequests(firmID: "VNPOST", after: nil, limit: 10).map(\.id) == ["rq-3", "rq-1"])
        #expect(try await store.serviceRequests(firmID: nil, after: "rq-3", limit: 1).map(\.id) == ["rq-2"])
    }

    @Test(arguments: StoreFactory.all) func serviceRequestsRefusesAnotherFirmsRequestAsACursor(_ factory: StoreFactory)
        async throws
    {
        let store = try await Self.store(factory, requests: [
            ("rq-1", "VNPOST", contractNow, false), ("rq-2", "VNPT-HN", contractNow, false),
        ])
        await #expect { try await store.serviceRequests(firmID: "VNPOST", after: "rq-2", limit: 10) }
            throws: { ($0 as? RegistryError)?.code == .unknownRequest }
        await #expect { try await store.serviceRequests(firmID: nil, after: nil, limit: 0) }
            throws: { ($0 as? RegistryError)?.code == .invalidValue }
    }

    // MARK: Permits by expiry

    @Test(arguments: StoreFactory.all) func permitPageFindsWhatExpiresBeforeAnInstant(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-400.01"], expiresAt: contractNow + 3_600))
        try await issue(store, ScriptedRules(plates: ["29C-400.02"], expiresAt: contractNow + 86_400))
        var filter = PermitFilter(now: contractNow)
        filter.expiresBefore = contractNow + 7_200
        #expect(try await store.permitPage(filter, after: nil, count: 10).map(\.permit.serial) == ["HN-000001"])
        // Nothing ends before the first one does.
        filter.expiresBefore = contractNow + 3_600
        #expect(try await store.permitPage(filter, after: nil, count: 10).isEmpty)
    }
}
