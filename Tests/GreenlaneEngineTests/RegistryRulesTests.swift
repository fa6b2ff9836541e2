import Foundation
import GreenlaneCrypto
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneStore
@testable import GreenlaneSQLiteStore
import Testing

/// Issue 12: a registry made on purpose, renewals and suspensions that are correct, one live pass per vehicle.
@Suite struct RegistryRulesTests {
    // MARK: 1. A registry made on purpose

    @Test func pathWithNoRegistryIsRefusedNamingItAndRegistryInit() async throws {
        let path = temporaryRegistryPath()
        #expect {
            try Registry(path: path)
        } throws: { error in
            let error = error as! RegistryError
            return error.code == .noRegistry && error.reason.contains(path) && error.reason.contains("registry init")
        }
        #expect(!FileManager.default.fileExists(atPath: path), "opening must not create the file")
        _ = try await Registry.create(path: path, settings: sampleSettings, context: testContext())
        await #expect(throws: RegistryError.self) { try await Registry.create(path: path, settings: sampleSettings, context: testContext()) }
        #expect(try Registry(path: path).settings == sampleSettings)
    }

    @Test func registryRefusesAPolicyOfAnotherIssuerOrStationPrefix() async throws {
        let (engine, registry) = try await makeEngine()
        var other = engine.policy
        other.issuer = "VN-SG"
        #expect(throws: EngineError.self) { try PermitEngine(policy: other, registry: registry, key: engine.signer.key) }
        var prefix = engine.policy
        prefix.stations["SGTVT"] = "HX"
        #expect(throws: EngineError.self) { try PermitEngine(policy: prefix, registry: registry, key: engine.signer.key) }
        // The store itself refuses issuing serials of another prefix, whoever asks.
        let batch = IssueBatch(items: [], serialPrefix: "HX", renewalRun: nil, allOrNothing: false, context: testContext())
        await #expect(throws: RegistryError.self) { try await registry.store.issue(batch, rules: RefuseAll()) }
    }

    @Test func stationsOfOneIssuerHaveDistinctSerialPrefixes() async throws {
        let sample = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/policy.json"), encoding: .utf8)
        let two = sample.replacingOccurrences(of: "\"serialPrefix\": \"HN\",",
                                              with: "\"serialPrefix\": \"HN\", \"stations\": {\"CAUGIAY\": \"HNC\"},")
        let policy = try Policy(json: Data(two.utf8))
        #expect(policy.serialPrefix(forStation: "CAUGIAY") == "HNC" && policy.serialPrefix(forStation: "SGTVT") == "HN")
        let clash = sample.replacingOccurrences(of: "\"serialPrefix\": \"HN\",",
                                                with: "\"serialPrefix\": \"HN\", \"stations\": {\"CAUGIAY\": \"HN\"},")
        #expect { try Policy(json: Data(clash.utf8)) } throws: { ($0 as! EngineError).reason.contains("would collide") }
        let dashed = sample.replacingOccurrences(of: "\"serialPrefix\": \"HN\",", with: "\"serialPrefix\": \"HN-1\",")
        #expect(throws: EngineError.self) { try Policy(json: Data(dashed.utf8)) }
        // A second station's registry issues its own serials: the two never meet.
        let path = temporaryRegistryPath()
        let station = RegistrySettings(issuer: "VN-HN", station: "CAUGIAY", serialPrefix: "HNC", createdAt: 0)
        let registry = try await Registry.create(path: path, settings: station, context: testContext())
        try await registry.addFirm(postal, context: testContext())
        let engine = try PermitEngine(policy: policy, registry: registry, key: try PrivateKey.generate(.es256))
        let (results, _) = try await issueAll(engine, [request(plate: "29C-100.01")])
        #expect(serials(results) == ["HNC-000001"])
        #expect(try PassCode.unverifiedDecode(results.compactMap { if case .issued(let r, _) = $0 { r.code } else { nil } }[0])
            .claims.permit.station == "CAUGIAY")
    }

    @Test func policyWithUnknownOrDuplicateMembersIsRefused() async throws {
        let sample = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/policy.json"), encoding: .utf8)
        let typo = sample.replacingOccurrences(of: "\"maxValidityDays\"", with: "\"maxValidityDay\": 90, \"maxValidityDays\"")
        #expect { try Policy(json: Data(typo.utf8)) } throws: { ($0 as! EngineError).reason.contains("maxValidityDay'") }
        let twice = sample.replacingOccurrences(of: "\"issuer\": \"VN-HN\",", with: "\"issuer\": \"VN-HN\", \"issuer\": \"VN-SG\",")
        #expect { try Policy(json: Data(twice.utf8)) } throws: { ($0 as! EngineError).reason.contains("'issuer' appears twice") }
        let nested = sample.replacingOccurrences(of: "\"number\":", with: "\"numbr\": \"x\", \"number\":")
        #expect { try Policy(json: Data(nested.utf8)) } throws: { ($0 as! EngineError).reason.contains("order.numbr") }
    }

    @Test func backupWhileInUseRestoresWithSameCountsAndIntegrity() async throws {
        let (engine, registry) = try await makeEngine()
        _ = try await issueAll(engine, (1...20).map { request(plate: "29C-\(100 + $0).01") })
        try await registry.revoke("HN-000003", reason: .lost, context: testContext())
        let before = try await registry.counts()
        let copy = temporaryRegistryPath()
        let counts = try await registry.backup(to: copy, context: testContext())
        #expect(counts == before)
        await #expect(throws: RegistryError.self) { try await registry.backup(to: copy, context: testContext()) }
        var info = stat()
        #expect(stat(copy, &info) == 0 && info.st_mode & 0o777 == 0o600)
        // Restore drill: the copy is a whole registry: read-only for an auditor (nothing written beside it), then
        // put back into service, where issuing continues after the last serial.
        let audit = try Registry(path: copy, readOnly: true)
        #expect(try await audit.integrityCheck() == "ok")
        #expect(try await audit.counts() == before)
        #expect(!FileManager.default.fileExists(atPath: copy + "-wal"))
        let restored = try Registry(path: copy)
        #expect(restored.settings == sampleSettings)
        let again = try PermitEngine(policy: engine.policy, registry: restored, key: engine.signer.key)
        #expect(serials(try await issueAll(again, [request(plate: "29C-999.01")]).0) == ["HN-000021"])
        #expect(try await restored.permit("HN-000003", at: issueTime)?.status == .revoked)
    }

    // MARK: 2. Renewal that is correct

    @Test func rerunningRenewalReissuesNothingAndRevokesNothingHandedOut() async throws {
        let (engines, registry) = try await extendedOrder()
        _ = try await issueAll(engines.before, [request(plate: "29C-500.01"), request(plate: "29C-500.02")])
        let options = PermitEngine.BatchOptions(context: testContext(renewalTime))
        let first = try await engines.after.renew(firmID: nil, options: options) { _ in }
        #expect(first.summary.issued == 2)
        // A rerun (after a crash, or a second operator) joins the same run and finds nothing to do.
        let second = try await engines.after.renew(firmID: nil, options: options) { _ in }
        #expect(second.run == first.run && second.summary.issued == 0 && second.summary.refused == 0)
        let later = PermitEngine.BatchOptions(context: testContext(renewalTime + 3_600))
        #expect(try await engines.after.renew(firmID: nil, options: later) { _ in }.summary.issued == 0)
        for serial in ["HN-000003", "HN-000004"] {
            #expect(try await registry.permit(serial, at: renewalTime)?.status == .active)
        }
    }

    @Test func permitRevokedWhileRenewalRunsIsNotRenewed() async throws {
        let (engines, registry) = try await extendedOrder()
        let (results, _) = try await issueAll(engines.before, [request(plate: "29C-500.01")])
        guard case .issued(let old, _) = results[0] else { Issue.record("not issued"); return }
        // The renewal read its candidates; then the permit is revoked as stolen; then its chunk commits.
        try await registry.revoke(old.serial, reason: .stolen, context: testContext(renewalTime))
        var renewal = request(plate: "29C-500.01")
        renewal.renews = old.serial
        var outcome: [PermitEngine.RowResult] = []
        _ = try await engines.after.issue(
            [renewal], options: .init(context: testContext(renewalTime)), renewalRun: 1) { outcome += $0 }
        guard case .refused(let refusal) = outcome[0] else { Issue.record("renewed a stolen pass"); return }
        #expect(refusal.reasons[0].contains("revoked (stolen) while the renewal ran"))
        #expect(try await registry.permit(old.serial, at: renewalTime)?.revocation?.reason == "stolen")
    }

    @Test func passThatWouldGainNoValidityIsLeftAloneAndReported() async throws {
        let (engine, registry) = try await makeEngine()
        _ = try await issueAll(engine, [request(plate: "29C-500.01")])  // ends at the test + 72 h already
        let summary = try await engine.renew(firmID: nil, options: .init(context: testContext(renewalTime))) { _ in }
        #expect(summary.summary.issued == 0 && summary.unchanged.map(\.serial) == ["HN-000001"])
        #expect(try await registry.permit("HN-000001", at: renewalTime)?.status == .active)
    }

    // MARK: 3. Suspension that reaches checkpoints

    @Test func suspendingAFirmRevokesItsLivePassesAndReinstatingDoesNotUnrevoke() async throws {
        let (engine, registry) = try await makeEngine()
        _ = try await issueAll(engine, [request(plate: "29C-100.01"), request(plate: "29C-100.02"),
                                  request(firm: "VNPT-HN", plate: "29A-100.03", vehicleClass: "car", purpose: "telecom-repair")])
        let revoked = try await registry.setFirmStatus("VNPOST", .suspended, reason: "licence review", context: testContext())
        #expect(revoked == ["HN-000001", "HN-000002"])
        let export = try await registry.revocations(relevantAt: issueTime)
        #expect(export.entries.map(\.serial) == ["HN-000001", "HN-000002"])
        #expect(export.entries.allSatisfy { $0.reason == .firmSuspended })
        #expect(try await registry.setFirmStatus("VNPOST", .active, reason: "review done", context: testContext()).isEmpty)
        #expect(try await registry.permit("HN-000001", at: issueTime)?.status == .revoked)
        #expect(try await registry.permit("HN-000003", at: issueTime)?.status == .active)
    }

    // MARK: 4. One live pass per vehicle

    @Test func oneVehicleWhateverClassHoldsOneLivePassAndMovesOnlyByTransfer() async throws {
        let (engine, registry) = try await makeEngine()
        _ = try await issueAll(engine, [request(plate: "29C-123.45")])
        // The same letters and digits as a motorbike plate, same firm and another firm: one vehicle.
        let (same, _) = try await issueAll(engine, [request(plate: "29-C1 2345", vehicleClass: "motorbike")])
        guard case .refused(let refusal) = same[0] else { Issue.record("second live pass"); return }
        #expect(refusal.reasons[0].contains("already has an active pass HN-000001"))
        let (other, _) = try await issueAll(engine, [request(firm: "VNPT-HN", plate: "29C12345", vehicleClass: "car",
                                                       purpose: "telecom-repair")])
        guard case .refused(let owned) = other[0] else { Issue.record("another firm's vehicle"); return }
        #expect(owned.reasons[0].contains("belongs to firm VNPOST"))
        // A transfer is refused while the pass is live, then moves the vehicle, audited.
        await #expect(throws: RegistryError.self) {
            try await registry.transferVehicle(plate: "29c-123.45", to: "VNPT-HN", reason: "QĐ 12/SGTVT", context: testContext())
        }
        try await registry.revoke("HN-000001", reason: .offDuty, context: testContext())
        try await registry.transferVehicle(plate: "29c-123.45", to: "VNPT-HN", reason: "QĐ 12/SGTVT", context: testContext())
        #expect(try await registry.auditLog(limit: 5).contains { $0.action == "vehicle.transfer" && $0.subject == "29C12345" })
        let (moved, _) = try await issueAll(engine, [request(firm: "VNPT-HN", plate: "29C12345", vehicleClass: "car",
                                                       purpose: "telecom-repair")])
        #expect(serials(moved) == ["HN-000002"])
    }

    @Test func theSchemaHoldsOneLivePassPerVehicleWhateverTheEngineDoes() async throws {
        let (engine, registry) = try await makeEngine()
        _ = try await issueAll(engine, [request(plate: "29C-123.45"), request(plate: "29C-123.46")])
        let shell = try SQLiteShell(path: registry.path)
        let second = shell.run("INSERT INTO live_pass (compact_plate, serial, expires_at) VALUES ('29C12345', 'HN-000002', 1)")
        #expect(second.contains("UNIQUE constraint failed"), "\(second)")
        // A revocation ends the vehicle's live pass in its own transaction.
        try await registry.revoke("HN-000001", reason: .lost, context: testContext())
        #expect(shell.run("SELECT count(*) FROM live_pass WHERE compact_plate = '29C12345'").hasPrefix("0"))
    }
}

/// Issue 13: the code is unique by a 16-byte hash of its COSE bytes (v9-permit-code-hash).
@Suite struct PermitCodeHashMigrationTests {
    @Test func aRegistryFromBeforeTheHashGetsOneForEveryPermitAndTheSameCodeIsRefusedTwice() async throws {
        let (engine, registry) = try await makeEngine()
        _ = try await issueAll(engine, [request(plate: "29C-100.01"), request(plate: "29C-100.02")])
        // An older registry (schema up to v7) holding the same permits, copied row by row.
        let old = temporaryRegistryPath()
        _ = try SQLiteStore(path: old, migratedUpTo: "v7-renewal-runs")
        let copy = try SQLiteShell(path: old).run("""
            ATTACH '\(registry.path)' AS new;
            INSERT INTO firm SELECT * FROM new.firm; INSERT INTO vehicle SELECT * FROM new.vehicle;
            INSERT INTO permit SELECT serial, firm_id, plate, vehicle_class, driver_name, driver_id, test_at, zones,
                purpose, window_start, window_end, station, issuer, issued_at, not_before, expires_at, kid, code,
                replaces, renewed_from, issued_by, renewal_run FROM new.permit;
            """)
        #expect(copy.isEmpty, "\(copy)")
        _ = try? SQLiteStore(path: old)  // migrates (then refuses: never initialised)
        let shell = try SQLiteShell(path: old)
        let rows = shell.run("SELECT code, hex(code_hash) FROM permit ORDER BY serial").split(separator: "\n")
        #expect(rows.count == 2)
        for row in rows {
            let parts = row.split(separator: "|").map(String.init)
            #expect(parts[1] == Hex.encode(try #require(PermitCodeHash.of(parts[0]))).uppercased())
        }
        let twice = shell.run("""
            INSERT INTO permit SELECT 'HN-000009', firm_id, plate, vehicle_class, driver_name, driver_id, test_at, zones,
                purpose, window_start, window_end, station, issuer, issued_at, not_before, expires_at, kid, code,
                replaces, renewed_from, issued_by, renewal_run, code_hash FROM permit WHERE serial = 'HN-000001'
            """)
        #expect(twice.contains("UNIQUE constraint failed: permit.code_hash"), "\(twice)")
        #expect(shell.run("PRAGMA foreign_key_check; PRAGMA integrity_check").trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
    }
}

/// Rules that refuse everything and sign nothing.
struct RefuseAll: IssuingRules {
    func decide(_ facts: IssueFacts) -> [IssueDecision] { [] }
    func sign(accepted: [Int], serials: [String]) throws -> any SignedPermits { fatalError("nothing to sign") }
}
