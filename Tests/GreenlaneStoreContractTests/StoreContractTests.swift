import GreenlaneFormat
import GreenlaneStore
import Testing

/// What every `PermitStore` must do, the same on each: every operation once with a success and once with a
/// failure (a refusal, or nothing found). Run for each store in `StoreFactory.all`; `scripts/contract-cases.sh`
/// prints how many cases ran per store.
@Suite struct StoreContractTests {
    // MARK: Settings

    @Test(arguments: StoreFactory.all) func initialiseRecordsTheSettingsAndAuditsIt(_ factory: StoreFactory) async throws {
        let store = try await factory.make(nil)
        #expect(store.settings == nil)
        try await store.initialise(contractSettings, context: contractContext())
        #expect(try await store.auditLog(limit: 5, actor: nil, action: "registry.init").count == 1)
    }

    @Test(arguments: StoreFactory.all) func initialiseTwiceIsRefused(_ factory: StoreFactory) async throws {
        let store = try await factory.make(contractSettings)
        #expect(store.settings == contractSettings)
        await #expect { try await store.initialise(contractSettings, context: contractContext()) } throws: {
            ($0 as? RegistryError)?.code == .registryExists
        }
    }

    // MARK: Firms

    @Test(arguments: StoreFactory.all) func addFirmRegistersAndAuditsIt(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        #expect(try await store.firms().map(\.id) == ["VNPOST", "VNPT-HN"])
        #expect(try await store.auditLog(limit: 10, actor: "contract", action: "firm.add").count == 2)
    }

    @Test(arguments: StoreFactory.all) func addFirmRefusesATakenIdOrLicence(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        for firm in [vnpost, Firm(id: "OTHER", legalName: "Other", kind: .postal, licence: vnpost.licence, createdAt: 0)] {
            await #expect { try await store.addFirm(firm, context: contractContext()) } throws: {
                ($0 as? RegistryError)?.code == .firmExists
            }
        }
        #expect(try await store.firms().count == 2)
    }

    @Test(arguments: StoreFactory.all) func firmsListsNoneInANewRegistry(_ factory: StoreFactory) async throws {
        #expect(try await factory.make(contractSettings).firms().isEmpty)
    }

    @Test(arguments: StoreFactory.all) func firmFindsARegisteredFirm(_ factory: StoreFactory) async throws {
        #expect(try await factory.withFirms().firm("VNPOST") == vnpost)
    }

    @Test(arguments: StoreFactory.all) func firmFindsNothingForAnUnknownID(_ factory: StoreFactory) async throws {
        #expect(try await factory.withFirms().firm("NOBODY") == nil)
    }

    @Test(arguments: StoreFactory.all) func setFirmStatusRevokesLivePassesWhenAsked(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-100.01", "29C-100.02"]))
        let revoked = try await store.setFirmStatus(
            "VNPOST", .suspended, reason: "licence review", revokingLivePassesAs: .firmSuspended, context: contractContext())
        #expect(revoked == ["HN-000001", "HN-000002"])
        #expect(try await store.firm("VNPOST")?.status == .suspended)
        #expect(try await store.revocations(relevantAt: contractNow).entries.allSatisfy { $0.reason == .firmSuspended })
        #expect(try await store.setFirmStatus("VNPOST", .active, reason: "done", revokingLivePassesAs: nil,
                                              context: contractContext()).isEmpty)
    }

    @Test(arguments: StoreFactory.all) func setFirmStatusRefusesAnUnknownFirm(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        await #expect {
            try await store.setFirmStatus("NOBODY", .suspended, reason: "x", revokingLivePassesAs: nil, context: contractContext())
        } throws: { ($0 as? RegistryError)?.code == .unknownFirm }
    }

    // MARK: Vehicles

    @Test(arguments: StoreFactory.all) func transferVehicleMovesItWhenTheCheckAllows(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-100.01"], expiresAt: contractNow + 60))
        try await store.transferVehicle("29C10001", to: "VNPT-HN", reason: "QĐ 12", context: contractContext()) { facts, firm in
            facts.owner == "VNPOST" && facts.livePass?.serial == "HN-000001" && firm?.id == "VNPT-HN"
                ? nil : RegistryError(.invalidValue, "unexpected facts \(facts)")
        }
        #expect(try await store.auditLog(limit: 1, actor: nil, action: "vehicle.transfer").first?.subject == "29C10001")
    }

    @Test(arguments: StoreFactory.all) func transferVehicleRefusesAnUnknownVehicleOrAFailedCheck(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        await #expect {
            try await store.transferVehicle("29C99999", to: "VNPT-HN", reason: "x", context: contractContext()) { _, _ in nil }
        } throws: { ($0 as? RegistryError)?.code == .unknownVehicle }
        try await issue(store, ScriptedRules(plates: ["29C-100.01"]))
        await #expect {
            try await store.transferVehicle("29C10001", to: "VNPT-HN", reason: "x", context: contractContext()) { _, _ in
                RegistryError(.invalidValue, "the rule says no")
            }
        } throws: { ($0 as? RegistryError)?.reason == "the rule says no" }
        #expect(try await store.auditLog(limit: 5, actor: nil, action: "vehicle.transfer").isEmpty)
    }

    // MARK: Issuing

    @Test(arguments: StoreFactory.all) func issueRecordsPermitsWithSerialsLivePassesAndAuditEntries(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        let plates = (1...5).map { "29C-200.0\($0)" }
        let commit = try await issue(store, ScriptedRules(plates: plates, refuse: [2]))
        #expect(commit.committed && commit.permits.map(\.record.serial) == ["HN-000001", "HN-000002", "HN-000003", "HN-000004"])
        #expect(commit.decisions.filter { $0.acceptance == nil }.count == 1)
        let listed = try await listAll(store, PermitFilter(now: contractNow))
        #expect(listed.map(\.permit) == commit.permits.map(\.record))
        #expect(try await store.auditLog(limit: 10, actor: nil, action: "permit.issue").count == 4)
        // A replacement revokes the old pass and takes the vehicle's one live row, in the same transaction.
        var replace = ScriptedRules(plates: ["29C-200.01"])
        replace.revokes = [0: "HN-000001"]
        #expect(try await issue(store, replace).permits.map(\.record.serial) == ["HN-000005"])
        #expect(try await store.permit("HN-000001", at: contractNow)?.status == .revoked)
        #expect(try await store.counts().permits == 5)
    }

    @Test(arguments: StoreFactory.all) func issueRefusesAnotherPrefixAndASecondLivePassAndRollsBack(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        await #expect { try await issue(store, ScriptedRules(plates: ["29C-300.01"]), prefix: "HX") } throws: {
            ($0 as? RegistryError)?.code == .otherIssuer
        }
        // All or nothing: a refusal commits nothing, not even a serial.
        let rolledBack = try await issue(store, ScriptedRules(plates: ["29C-300.01", "29C-300.02"], refuse: [1]),
                                         allOrNothing: true)
        #expect(!rolledBack.committed && rolledBack.permits.isEmpty)
        try await issue(store, ScriptedRules(plates: ["29C-300.01"]))
        // Rules that let a vehicle have two live passes are stopped by the store itself (the live_pass key),
        // and the whole chunk with them.
        await #expect(throws: RegistryError.self) {
            try await issue(store, ScriptedRules(plates: ["29C-300.03", "29C-300.01"]))
        }
        #expect(try await listAll(store, PermitFilter(now: contractNow)).map(\.permit.serial) == ["HN-000001"])
    }

    // MARK: Revocation

    @Test(arguments: StoreFactory.all) func issueShowsTheRulesALivePassWithItsPermit(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        let first = try await issue(store, ScriptedRules(plates: ["29C-140.01"])).permits[0].record
        try await issue(store, ScriptedRules(plates: ["29C-140.02"], expiresAt: contractNow + 60))
        var rules = ScriptedRules(plates: ["29C-140.01", "29C-140.02", "29C-140.03"])
        rules.refuse = [0, 1, 2]
        rules.seen = SeenFacts()
        // As of two minutes later: the second pass has expired by then, and comes without its permit.
        _ = try await store.issue(
            IssueBatch(items: rules.items, serialPrefix: "HN", renewalRun: nil, allOrNothing: false,
                       context: contractContext(contractNow + 120)),
            rules: rules)
        let facts = try #require(rules.seen?.facts.withLock { $0 }.last)
        #expect(facts.vehicles["29C14001"]?.livePass?.permit == first)
        #expect(facts.vehicles["29C14002"]?.livePass?.serial == "HN-000002")
        #expect(facts.vehicles["29C14002"]?.livePass?.permit == nil)
        #expect(facts.vehicles["29C14003"] == nil)
    }

    @Test(arguments: StoreFactory.all) func issueWritesNothingForAnItemAlreadyIssuedAndDoesNotCountItRefused(
        _ factory: StoreFactory
    ) async throws {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-150.01"]))
        var rules = ScriptedRules(plates: ["29C-150.01", "29C-150.02"])
        rules.alreadyIssued = [0]
        let commit = try await issue(store, rules, allOrNothing: true)
        #expect(commit.committed)
        #expect(commit.permits.map(\.record.serial) == ["HN-000002"])
        #expect(try await store.counts() == RegistryCounts(firms: 2, permits: 2, revocations: 0, auditEntries: 5))
        #expect(try await store.permit("HN-000001", at: contractNow)?.status == .active)
        // A refusal beside it still rolls an all-or-nothing batch back.
        var refused = ScriptedRules(plates: ["29C-150.01", "29C-150.03"])
        refused.alreadyIssued = [0]
        refused.refuse = [1]
        #expect(try await issue(store, refused, allOrNothing: true).committed == false)
        #expect(try await store.counts().permits == 2)
    }

    @Test(arguments: StoreFactory.all) func revokeRecordsTheRevocationAndAuditsIt(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-400.01"]))
        try await store.revoke("HN-000001", reason: .lost, note: "the driver lost it", context: contractContext())
        let listing = try #require(try await store.permit("HN-000001", at: contractNow))
        #expect(listing.status == .revoked && listing.revocation?.reason == "lost"
            && listing.revocation?.note == "the driver lost it")
        #expect(try await store.auditLog(limit: 1, actor: nil, action: "permit.revoke").first?.subject == "HN-000001")
    }

    @Test(arguments: StoreFactory.all) func revokeRefusesAnUnknownOrRevokedPermit(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        await #expect { try await store.revoke("HN-000009", reason: .lost, note: nil, context: contractContext()) } throws: {
            ($0 as? RegistryError)?.code == .unknownPermit
        }
        try await issue(store, ScriptedRules(plates: ["29C-400.01"]))
        try await store.revoke("HN-000001", reason: .lost, note: nil, context: contractContext())
        await #expect { try await store.revoke("HN-000001", reason: .stolen, note: nil, context: contractContext()) } throws: {
            ($0 as? RegistryError)?.code == .alreadyRevoked
        }
    }

    @Test(arguments: StoreFactory.all) func revocationsListThoseNotYetExpired(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-500.01", "29C-500.02"]))
        try await store.revoke("HN-000002", reason: .stolen, note: nil, context: contractContext())
        let export = try await store.revocations(relevantAt: contractNow)
        #expect(export.entries.map(\.serial) == ["HN-000002"] && export.entries[0].reason == .stolen)
    }

    @Test(arguments: StoreFactory.all) func revocationsLeaveOutExpiredPermits(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-500.01"]))
        try await store.revoke("HN-000001", reason: .stolen, note: nil, context: contractContext())
        #expect(try await store.revocations(relevantAt: contractNow + 86_400).entries.isEmpty)
    }

    // MARK: Reading

    @Test(arguments: StoreFactory.all) func permitHasItsStatusAtATime(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-600.01"]))
        #expect(try await store.permit("HN-000001", at: contractNow)?.status == .active)
        #expect(try await store.permit("HN-000001", at: contractNow - 1)?.status == .pending)
        #expect(try await store.permit("HN-000001", at: contractNow + 86_400)?.status == .expired)
        #expect(try await store.permit("HN-000001", at: contractNow)?.firmName == vnpost.legalName)
    }

    @Test(arguments: StoreFactory.all) func permitFindsNothingForAnUnknownSerial(_ factory: StoreFactory) async throws {
        #expect(try await factory.withFirms().permit("HN-999999", at: contractNow) == nil)
    }

    @Test(arguments: StoreFactory.all) func permitsStreamInPagesWithFiltersAndLimit(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: (1...7).map { "29C-700.0\($0)" }))
        try await issue(store, ScriptedRules(plates: ["29A-700.09"], firmID: "VNPT-HN"))
        var serials: [String] = []
        for try await listing in PermitListings(store: store, filter: PermitFilter(now: contractNow), pageSize: 3) {
            serials.append(listing.permit.serial)
        }
        #expect(serials == (1...8).map { "HN-00000\($0)" })
        var filter = PermitFilter(now: contractNow)
        filter.firmID = "VNPOST"
        filter.limit = 4
        #expect(try await listAll(store, filter).count == 4)
        var plate = PermitFilter(now: contractNow)
        plate.plate = "29c 70003"
        #expect(try await listAll(store, plate).map(\.permit.serial) == ["HN-000003"])
        #expect(try await store.permitPage(PermitFilter(now: contractNow), after: "HN-000006", count: 10).count == 2)
    }

    @Test(arguments: StoreFactory.all) func permitsValidAtATimeAreStartedUnexpiredAndUnrevokedWhateverTheirSerial(
        _ factory: StoreFactory
    ) async throws {
        let store = try await factory.withFirms()
        let day: Int64 = 86_400
        // (plate, starts, ends) in days from now, issued in this order: serials HN-000001 ... HN-000005.
        let permits: [(String, Int64, Int64)] = [
            ("29C-710.01", 0, 30),  // the longest validity: started long before the time asked about
            ("29C-710.02", 10, 12),
            ("29C-710.03", 0, 1),  // expired by then
            ("29C-710.04", 9, 11),  // revoked
            ("29C-710.05", 20, 25),  // not started yet
            ("29C-710.06", 10, 11),
        ]
        for (plate, starts, ends) in permits {
            var rules = ScriptedRules(plates: [plate])
            rules.notBefore = contractNow + starts * day
            rules.expiresAt = contractNow + ends * day
            try await issue(store, rules)
        }
        try await store.revoke("HN-000004", reason: .lost, note: nil, context: contractContext())
        var filter = PermitFilter(now: contractNow)
        filter.validAt = contractNow + 10 * day + day / 2
        #expect(try await listAll(store, filter).map(\.permit.serial) == ["HN-000001", "HN-000002", "HN-000006"])
        #expect(try await store.permitPage(filter, after: "HN-000001", count: 1).map(\.permit.serial) == ["HN-000002"])
        filter.validAt = contractNow + 26 * day
        #expect(try await listAll(store, filter).map(\.permit.serial) == ["HN-000001"])
        filter.validAt = contractNow + 30 * day
        #expect(try await listAll(store, filter).isEmpty)
    }

    @Test(arguments: StoreFactory.all) func permitsFindNothingWhenNothingMatches(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-800.01"]))
        var filter = PermitFilter(now: contractNow)
        filter.status = .revoked
        #expect(try await listAll(store, filter).isEmpty)
    }

    @Test(arguments: StoreFactory.all) func statisticsCountByStatusFirmDayAndDistrict(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-900.01", "29C-900.02"]))
        try await store.revoke("HN-000002", reason: .lost, note: nil, context: contractContext())
        let stats = try await store.statistics(now: contractNow)
        #expect(stats.total == 2)
        #expect(stats.byStatus.map { "\($0.0)=\($0.1)" } == ["active=1", "revoked=1"])
        #expect(stats.byFirm.map(\.0) == ["VNPOST"] && stats.byDay.map(\.1) == [2])
        #expect(stats.byZone.filter { $0.1 > 0 }.count == 2)
    }

    @Test(arguments: StoreFactory.all) func statisticsOfAnEmptyRegistryAreZero(_ factory: StoreFactory) async throws {
        let stats = try await factory.withFirms().statistics(now: contractNow)
        #expect(stats.total == 0 && stats.byStatus.isEmpty && stats.byZone.allSatisfy { $0.1 == 0 })
    }

    @Test(arguments: StoreFactory.all) func countsCountEveryTable(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-900.01"]))
        try await store.revoke("HN-000001", reason: .lost, note: nil, context: contractContext())
        #expect(try await store.counts() == RegistryCounts(firms: 2, permits: 1, revocations: 1, auditEntries: 5))
    }

    @Test(arguments: StoreFactory.all) func countsOfANewRegistryHoldOnlyItsInitEntry(_ factory: StoreFactory) async throws {
        #expect(try await factory.make(contractSettings).counts() == RegistryCounts(auditEntries: 1))
    }

    // MARK: Audit log

    @Test(arguments: StoreFactory.all) func auditLogFiltersByAccountOnBehalfOfAndAction(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        let forSomeone = try AuditContext(account: "clerk", onBehalfOf: "Sở GTVT", recordedAt: 1, pinnedAt: nil)
        try await store.recordAudit("revocations.export", subject: nil, detail: "3 entries", context: forSomeone)
        let entries = try await store.auditLog(limit: 10, actor: "Sở GTVT", action: "revocations.")
        #expect(entries.count == 1 && entries[0].actor == "clerk" && entries[0].onBehalfOf == "Sở GTVT")
        #expect(try await store.auditLog(limit: 2, actor: nil, action: nil).map(\.action) == ["firm.add", "revocations.export"])
    }

    @Test(arguments: StoreFactory.all) func auditLogFindsNothingForAnUnknownAccount(_ factory: StoreFactory) async throws {
        #expect(try await factory.withFirms().auditLog(limit: 10, actor: "nobody", action: nil).isEmpty)
    }

    @Test(arguments: StoreFactory.all) func recordAuditAppendsOneEntry(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        try await store.recordAudit("registry.note", subject: "x", detail: "one line", context: contractContext())
        let last = try #require(try await store.auditLog(limit: 1, actor: nil, action: nil).first)
        #expect(last.action == "registry.note" && last.detail == "one line" && last.pinnedAt == contractNow)
    }

    @Test(arguments: StoreFactory.all) func recordAuditRefusesALineBreak(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        await #expect(throws: RegistryError.self) {
            try await store.recordAudit("registry.note", subject: nil, detail: "two\nlines", context: contractContext())
        }
    }

    // MARK: Revocation list sequences

    @Test(arguments: StoreFactory.all) func nextRevocationListSequenceGrowsPerKey(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        let first = try await store.nextRevocationListSequence(kid: "0123456789abcdef")
        let second = try await store.nextRevocationListSequence(kid: "0123456789abcdef")
        let other = try await store.nextRevocationListSequence(kid: "fedcba9876543210")
        #expect((first, second, other) == (1, 2, 1))
    }

    @Test(arguments: StoreFactory.all) func nextRevocationListSequenceRefusesWhatIsNotAKeyID(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        for kid in ["", "xyz", "0123456789ABCDEF", "0123456789abcdef0"] {
            await #expect(throws: RegistryError.self) { try await store.nextRevocationListSequence(kid: kid) }
        }
    }

    // MARK: Renewal runs

    @Test(arguments: StoreFactory.all) func renewalRunIsJoinedForTheSameOrderEnd(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        let first = try await store.renewalRun(orderNumber: "17/CT-UBND", orderEnd: contractNow + 86_400, context: contractContext())
        let again = try await store.renewalRun(orderNumber: "17/CT-UBND", orderEnd: contractNow + 86_400, context: contractContext())
        let other = try await store.renewalRun(orderNumber: "17/CT-UBND", orderEnd: contractNow + 90_000, context: contractContext())
        #expect(first == again && other != first)
        #expect(try await store.auditLog(limit: 5, actor: nil, action: "renewal.resume").count == 1)
    }

    @Test(arguments: StoreFactory.all) func renewalRunRefusesAnEmptyOrderNumber(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        await #expect(throws: RegistryError.self) {
            try await store.renewalRun(orderNumber: "", orderEnd: contractNow, context: contractContext())
        }
    }

    @Test(arguments: StoreFactory.all) func renewalCandidatesAreLivePermitsOfOtherRuns(_ factory: StoreFactory) async throws {
        let store = try await factory.withFirms()
        let run = try await store.renewalRun(orderNumber: "17/CT-UBND", orderEnd: contractNow + 86_400, context: contractContext())
        try await issue(store, ScriptedRules(plates: ["29C-110.01", "29C-110.02", "29C-110.03"]))
        try await issue(store, ScriptedRules(plates: ["29C-110.04"]), renewalRun: run)
        try await store.revoke("HN-000002", reason: .lost, note: nil, context: contractContext())
        let candidates = try await store.renewalCandidates(run: run, firmID: nil, now: contractNow)
        #expect(candidates.map(\.serial) == ["HN-000001", "HN-000003"])
    }

    @Test(arguments: StoreFactory.all) func renewalCandidatesLeaveOutOtherFirmsAndExpiredPermits(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        try await issue(store, ScriptedRules(plates: ["29C-120.01"]))
        #expect(try await store.renewalCandidates(run: 1, firmID: "VNPT-HN", now: contractNow).isEmpty)
        #expect(try await store.renewalCandidates(run: 1, firmID: nil, now: contractNow + 86_400).isEmpty)
    }
}
