import GreenlaneFormat
import GreenlaneStore
import Testing

/// The service's credentials and requests, on every store: each operation once with a success and once with a
/// failure, as in `StoreContractTests`.
@Suite struct ServiceContractTests {
    static func hash(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 32) }

    static func dispatcher(_ id: String = "cr-dispatch", hash byte: UInt8 = 1, firm: String = "VNPOST")
        -> ServiceCredential
    {
        ServiceCredential(id: id, tokenHash: hash(byte), firmID: firm, role: .dispatcher, label: "An", createdAt: 0)
    }

    static func request(_ id: String = "rq-1", key: String? = "k1", body byte: UInt8 = 7) -> ServiceRequest {
        ServiceRequest(
            id: id, firmID: "VNPOST", credentialID: "cr-dispatch", idempotencyKey: key, bodyHash: hash(byte),
            createdAt: contractNow,
            rows: [.init(index: 0, payload: "{}", status: .accepted),
                   .init(index: 1, payload: "{}", status: .refused, detail: "[\"plate.invalid\"]")])
    }

    // MARK: Credentials

    @Test(arguments: StoreFactory.all) func addCredentialIsFoundByItsHashAndAudited(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        try await store.addCredential(Self.dispatcher(), context: contractContext())
        #expect(try await store.credential(tokenHash: Self.hash(1)) == Self.dispatcher())
        #expect(try await store.auditLog(limit: 5, actor: nil, action: "credential.add").count == 1)
    }

    @Test(arguments: StoreFactory.all) func addCredentialRefusesATakenHashOrAnUnknownFirm(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        try await store.addCredential(Self.dispatcher(), context: contractContext())
        await #expect { try await store.addCredential(Self.dispatcher("cr-other"), context: contractContext()) }
            throws: { ($0 as? RegistryError)?.code == .credentialExists }
        await #expect {
            try await store.addCredential(Self.dispatcher("cr-x", hash: 2, firm: "NOBODY"), context: contractContext())
        } throws: { ($0 as? RegistryError)?.code == .unknownFirm }
    }

    @Test(arguments: StoreFactory.all) func credentialFindsNothingForAnUnknownHash(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        #expect(try await store.credential(tokenHash: Self.hash(9)) == nil)
        #expect(try await store.credential(tokenHash: [1, 2, 3]) == nil)
    }

    @Test(arguments: StoreFactory.all) func revokeCredentialMarksItRevoked(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await store.addCredential(Self.dispatcher(), context: contractContext())
        try await store.revokeCredential("cr-dispatch", context: contractContext())
        #expect(try await store.credential(tokenHash: Self.hash(1))?.revokedAt != nil)
    }

    @Test(arguments: StoreFactory.all) func revokeCredentialRefusesUnknownOrRevokedOnes(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        await #expect { try await store.revokeCredential("cr-nobody", context: contractContext()) }
            throws: { ($0 as? RegistryError)?.code == .unknownCredential }
        try await store.addCredential(Self.dispatcher(), context: contractContext())
        try await store.revokeCredential("cr-dispatch", context: contractContext())
        await #expect { try await store.revokeCredential("cr-dispatch", context: contractContext()) }
            throws: { ($0 as? RegistryError)?.code == .alreadyRevoked }
    }

    // MARK: Enrolment

    @Test(arguments: StoreFactory.all) func redeemEnrolmentGivesTheFirmsDispatcherOnce(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        let expires = contractContext().recordedAt + 3_600
        try await store.addEnrolment(ServiceEnrolment(codeHash: Self.hash(5), firmID: "VNPT-HN", expiresAt: expires,
                                                      createdAt: 0), context: contractContext())
        // The firm and role come from the enrolment, whatever the credential said.
        let asked = ServiceCredential(id: "cr-new", tokenHash: Self.hash(6), firmID: "VNPOST", role: .admin,
                                      label: "first", createdAt: 0)
        let made = try await store.redeemEnrolment(codeHash: Self.hash(5), credential: asked,
                                                   context: contractContext())
        #expect(made.firmID == "VNPT-HN" && made.role == .dispatcher)
        #expect(try await store.credential(tokenHash: Self.hash(6)) == made)
        let again = ServiceCredential(id: "cr-again", tokenHash: Self.hash(7), firmID: nil, role: .dispatcher,
                                      label: "again", createdAt: 0)
        await #expect { try await store.redeemEnrolment(codeHash: Self.hash(5), credential: again,
                                                        context: contractContext()) }
            throws: { ($0 as? RegistryError)?.code == .unknownEnrolment }
    }

    @Test(arguments: StoreFactory.all) func addEnrolmentRefusesAnUnknownFirm(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        await #expect {
            try await store.addEnrolment(ServiceEnrolment(codeHash: Self.hash(5), firmID: "NOBODY", expiresAt: 1,
                                                          createdAt: 0), context: contractContext())
        } throws: { ($0 as? RegistryError)?.code == .unknownFirm }
    }

    @Test(arguments: StoreFactory.all) func redeemEnrolmentRefusesAnExpiredCode(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        let past = contractContext().recordedAt - 1
        try await store.addEnrolment(ServiceEnrolment(codeHash: Self.hash(5), firmID: "VNPOST", expiresAt: past,
                                                      createdAt: 0), context: contractContext())
        await #expect { try await store.redeemEnrolment(codeHash: Self.hash(5), credential: Self.dispatcher(),
                                                        context: contractContext()) }
            throws: { ($0 as? RegistryError)?.code == .unknownEnrolment }
        #expect(try await store.credential(tokenHash: Self.hash(1)) == nil)
    }

    // MARK: Requests

    @Test(arguments: StoreFactory.all) func submitRequestRecordsItOncePerIdempotencyKey(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        try await store.addCredential(Self.dispatcher(), context: contractContext())
        let first = try await store.submitRequest(Self.request(), context: contractContext())
        #expect(first == Self.request())
        #expect(try await store.serviceRequest("rq-1") == first)
        // The same key again, whatever the body: the earlier request, and nothing new recorded.
        let replay = try await store.submitRequest(Self.request("rq-2", body: 8), context: contractContext())
        #expect(replay == first)
        #expect(try await store.serviceRequest("rq-2") == nil)
    }

    @Test(arguments: StoreFactory.all) func submitRequestRefusesAnUnknownCredential(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        await #expect { try await store.submitRequest(Self.request(), context: contractContext()) }
            throws: { ($0 as? RegistryError) != nil }
        #expect(try await store.serviceRequest("rq-1") == nil)
    }

    @Test(arguments: StoreFactory.all) func decideRequestApprovesOnce(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await store.addCredential(Self.dispatcher(), context: contractContext())
        _ = try await store.submitRequest(Self.request(), context: contractContext())
        let approved = try await store.decideRequest("rq-1", .approved, context: contractContext())
        #expect(approved.status == .approved && approved.decidedBy == "contract")
        await #expect { try await store.decideRequest("rq-1", .refused, context: contractContext()) }
            throws: { ($0 as? RegistryError)?.code == .alreadyDecided }
    }

    @Test(arguments: StoreFactory.all) func decideRequestRefusesAnUnknownRequest(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        await #expect { try await store.decideRequest("rq-none", .approved, context: contractContext()) }
            throws: { ($0 as? RegistryError)?.code == .unknownRequest }
    }

    @Test(arguments: StoreFactory.all) func recordRowOutcomesLinksIssuedPermits(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await store.addCredential(Self.dispatcher(), context: contractContext())
        _ = try await store.submitRequest(Self.request(), context: contractContext())
        _ = try await store.decideRequest("rq-1", .approved, context: contractContext())
        try await issue(store, ScriptedRules(plates: ["29C-100.01"]))
        let done = try await store.recordRowOutcomes(
            "rq-1", [ServiceRowOutcome(index: 0, serial: "HN-000001", detail: nil)], context: contractContext())
        #expect(done.rows.map(\.status) == [.issued, .refused])
        #expect(done.rows[0].serial == "HN-000001")
    }

    @Test(arguments: StoreFactory.all) func recordRowOutcomesRefusesAPendingRequest(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        try await store.addCredential(Self.dispatcher(), context: contractContext())
        _ = try await store.submitRequest(Self.request(), context: contractContext())
        await #expect {
            try await store.recordRowOutcomes("rq-1", [ServiceRowOutcome(index: 0, serial: nil, detail: "x")],
                                              context: contractContext())
        } throws: { ($0 as? RegistryError)?.code == .unknownRequest }
    }

    // MARK: Issuing a request's rows (the signer's transaction)

    /// Issues rows 0 and 1 of request `id` (plates in that order), the second refused by the rules.
    static func issueRows(_ store: any PermitStore, _ id: String, rows: [Int] = [0, 2], refuse: Set<Int> = [1])
        async throws -> IssueCommit
    {
        let rules = ScriptedRules(plates: ["29C-100.01", "29C-100.02"], refuse: refuse)
        var batch = IssueBatch(items: rules.items, serialPrefix: "HN", renewalRun: nil, allOrNothing: false,
                               context: contractContext())
        batch.requestRows = .init(requestID: id, indexes: rows) { "[\"registry.refused: \($0)\"]" }
        return try await store.issue(batch, rules: rules)
    }

    static func threeRowRequest() -> ServiceRequest {
        var request = Self.request()
        request.rows = [.init(index: 0, payload: "{}", status: .accepted),
                        .init(index: 1, payload: "{}", status: .refused, detail: "[\"plate.invalid\"]"),
                        .init(index: 2, payload: "{}", status: .accepted)]
        return request
    }

    @Test(arguments: StoreFactory.all) func issueWithRequestRowsRecordsEachOutcomeWithItsPermit(
        _ factory: StoreFactory) async throws
    {
        let store = try await factory.withFirms()
        try await store.addCredential(Self.dispatcher(), context: contractContext())
        _ = try await store.submitRequest(Self.threeRowRequest(), context: contractContext())
        _ = try await store.decideRequest("rq-1", .approved, context: contractContext())
        let commit = try await Self.issueRows(store, "rq-1")
        #expect(commit.permits.map(\.record.serial) == ["HN-000001"])
        let done = try #require(try await store.serviceRequest("rq-1"))
        #expect(done.rows.map(\.status) == [.issued, .refused, .notIssued])
        #expect(done.rows[0].serial == "HN-000001")
        #expect(done.rows[2].detail?.contains("refused by the script") == true)
        #expect(try await store.auditLog(limit: 5, actor: nil, action: "request.issue").count == 1)
    }

    @Test(arguments: StoreFactory.all) func issueWithRequestRowsRefusesAPendingRequestOrARowNoLongerAccepted(
        _ factory: StoreFactory) async throws
    {
        let store = try await factory.withFirms()
        try await store.addCredential(Self.dispatcher(), context: contractContext())
        _ = try await store.submitRequest(Self.threeRowRequest(), context: contractContext())
        await #expect { try await Self.issueRows(store, "rq-1") } throws: { ($0 as? RegistryError)?.code == .notApproved }
        await #expect { try await Self.issueRows(store, "rq-none") } throws: {
            ($0 as? RegistryError)?.code == .unknownRequest
        }
        _ = try await store.decideRequest("rq-1", .approved, context: contractContext())
        // Row 1 was refused at submission: it is never issued.
        await #expect { try await Self.issueRows(store, "rq-1", rows: [0, 1], refuse: []) } throws: {
            ($0 as? RegistryError)?.code == .rowNotAccepted
        }
        #expect(try await store.counts().permits == 0)
        // A second signer issuing the same rows after the first: refused whole, nothing issued twice.
        _ = try await Self.issueRows(store, "rq-1", refuse: [])
        await #expect { try await Self.issueRows(store, "rq-1", refuse: []) } throws: {
            ($0 as? RegistryError)?.code == .rowNotAccepted
        }
        #expect(try await store.counts().permits == 2)
    }
}
