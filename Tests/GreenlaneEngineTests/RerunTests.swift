import GreenlaneEngine
import GreenlaneFormat
import GreenlaneStore
import Testing

/// A batch run again after it stopped (a crash, the registry restarting): the rows already committed are
/// reported as already issued with their serials, the others issued, and nothing else counts as issued.
@Suite struct RerunTests {
    static let fleet = (1...5).map { request(plate: String(format: "29C-300.%02d", $0)) }

    static func alreadyIssued(_ results: [PermitEngine.RowResult]) -> [String] {
        results.compactMap { if case .alreadyIssued(let record, _) = $0 { record.serial } else { nil } }
    }

    @Test func rerunOfAStoppedBatchReportsTheIssuedRowsAsSuchAndIssuesExactlyTheRest() async throws {
        let (engine, registry) = try await makeEngine()
        let (first, _) = try await issueAll(engine, Array(Self.fleet.prefix(3)))
        #expect(serials(first) == ["HN-000001", "HN-000002", "HN-000003"])
        let (again, summary) = try await issueAll(engine, Self.fleet)
        #expect(Self.alreadyIssued(again) == ["HN-000001", "HN-000002", "HN-000003"])
        #expect(serials(again) == ["HN-000004", "HN-000005"])
        #expect(summary.issued == 2 && summary.alreadyIssued == 3 && summary.refused == 0)
        // Each already-issued row names its own row and its permit, untouched.
        guard case .alreadyIssued(let record, let source) = again[1] else {
            Issue.record("row 2 is not reported as already issued")
            return
        }
        guard case .issued(let issued, _) = first[1] else { Issue.record("row 2 was not issued"); return }
        #expect(record == issued)
        #expect(source == "test")
        #expect(try await registry.counts().permits == 5)
        #expect(try await registry.permit("HN-000002", at: issueTime)?.status == .active)
    }

    @Test func rerunLaterTheSameMorningStillFindsTheRowsIssuedAtEight() async throws {
        // Without valid_from a row's pass starts when it is issued: compared as of the pass's issue time.
        let (engine, _) = try await makeEngine()
        _ = try await issueAll(engine, Array(Self.fleet.prefix(2)))
        let (again, summary) = try await issueAll(engine, Self.fleet, now: time("2021-07-26T09:30:00+07:00"))
        #expect(Self.alreadyIssued(again) == ["HN-000001", "HN-000002"])
        #expect(summary.issued == 3 && summary.refused == 0)
    }

    @Test func aRowAskingAnythingElseThanItsVehiclesLivePassIsStillRefused() async throws {
        let (engine, _) = try await makeEngine()
        _ = try await issueAll(engine, [request(plate: "29C-310.01"), request(plate: "29C-310.02"),
                                        request(plate: "29C-310.03"), request(plate: "29C-310.04")])
        var otherDriver = request(plate: "29C-310.04")
        otherDriver.driverName = "Trần Thị Bình"
        let changed = [
            request(plate: "29C-310.01", zones: "ba-dinh,dong-da"),
            request(plate: "29C-310.02", validUntil: "2021-07-27T12:00:00+07:00"),
            request(plate: "29C-310.03", vehicleClass: "van"),
            otherDriver,
        ]
        let (again, summary) = try await issueAll(engine, changed)
        #expect(summary.refused == 4 && summary.alreadyIssued == 0 && summary.issued == 0)
        for result in again {
            guard case .refused(let refusal) = result else { Issue.record("not refused: \(result)"); continue }
            #expect(refusal.reasons.joined().contains("already has an active pass"))
        }
    }

    @Test func anAllOrNothingRerunCommitsTheMissingRowsBesideTheIssuedOnes() async throws {
        let (engine, _) = try await makeEngine()
        _ = try await issueAll(engine, Array(Self.fleet.prefix(2)))
        let (again, summary) = try await issueAll(engine, Self.fleet, allOrNothing: true)
        #expect(!summary.rolledBack)
        #expect(Self.alreadyIssued(again) == ["HN-000001", "HN-000002"])
        #expect(serials(again) == ["HN-000003", "HN-000004", "HN-000005"])
    }

    @Test func aRepeatedRowInTheRerunIsRefusedNamingThePassAlreadyIssued() async throws {
        let (engine, _) = try await makeEngine()
        _ = try await issueAll(engine, [Self.fleet[0]])
        let (again, summary) = try await issueAll(engine, [Self.fleet[0], Self.fleet[0]])
        #expect(Self.alreadyIssued(again) == ["HN-000001"])
        #expect(summary.refused == 1)
        guard case .refused(let refusal) = again[1] else { Issue.record("the repeat was not refused"); return }
        #expect(refusal.reasons.joined().contains("(HN-000001)"))
    }

    @Test func withReplaceARerunRowIsIssuedAgainAndTheOldPassRevoked() async throws {
        let (engine, registry) = try await makeEngine()
        _ = try await issueAll(engine, [Self.fleet[0]])
        let (again, summary) = try await issueAll(engine, [Self.fleet[0]], replace: true)
        #expect(serials(again) == ["HN-000002"] && summary.alreadyIssued == 0)
        #expect(try await registry.permit("HN-000001", at: issueTime)?.status == .revoked)
    }
}
