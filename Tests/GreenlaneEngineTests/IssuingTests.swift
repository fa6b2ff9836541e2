import GreenlaneTestSupport
import Dispatch
import Foundation
import GreenlaneCrypto
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneStore
@testable import GreenlaneSQLiteStore
import GRDB
import Synchronization
import Testing

/// A fresh registry file with the sample firms, and an engine with a new ES256 key.
func makeEngine() async throws -> (PermitEngine, Registry) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("gl-\(UUID().uuidString).sqlite").path
    let registry = try await Registry.create(path: path, settings: sampleSettings, context: testContext())
    for firm in [postal, telecom] { try await registry.addFirm(firm, context: testContext()) }
    return (try PermitEngine(policy: try samplePolicy(), registry: registry, key: try PrivateKey.generate(.es256)), registry)
}

/// The engine's `Registry` over a SQLite file, with the store's reads at hand, as these tests use it.
extension Registry {
    static func create(path: String, settings: RegistrySettings, context: AuditContext) async throws -> Registry {
        Registry(store: try await SQLiteStore.create(path: path, settings: settings, context: context))
    }
    init(path: String, readOnly: Bool = false) throws { self.init(store: try SQLiteStore(path: path, readOnly: readOnly)) }
    var sqlite: SQLiteStore { store as! SQLiteStore }
    var path: String { store.name }
    var settings: RegistrySettings? { store.settings }
    func permit(_ serial: String, at now: Int64) async throws -> PermitListing? { try await store.permit(serial, at: now) }
    func firms() async throws -> [Firm] { try await store.firms() }
    func auditLog(limit: Int) async throws -> [AuditEntry] { try await store.auditLog(limit: limit, actor: nil, action: nil) }
    func revocations(relevantAt time: Int64) async throws -> RevocationExport { try await store.revocations(relevantAt: time) }
    func counts() async throws -> RegistryCounts { try await store.counts() }
    func backup(to path: String, context: AuditContext) async throws -> RegistryCounts {
        try await sqlite.backup(to: path, context: context)
    }
    func integrityCheck() async throws -> String { try await sqlite.integrityCheck() }
    func listings(_ filter: PermitFilter) async throws -> [PermitListing] {
        var all: [PermitListing] = []
        for try await listing in store.permits(matching: filter) { all.append(listing) }
        return all
    }
}

extension PermitEngine {
    init(policy: Policy, registry: Registry, key: any SigningKey) throws {
        try self.init(policy: policy, store: registry.store, key: key)
    }
}

/// What `registry init --policy Samples/policy.json` records.
let sampleSettings = RegistrySettings(issuer: "VN-HN", station: "SGTVT", serialPrefix: "HN", createdAt: 0)

func temporaryRegistryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("gl-\(UUID().uuidString).sqlite").path
}

/// An order that ends on 27 July 06:00 (passes issued on the 26th end then), and the same order extended to
/// 8 August: renewing on the 26th at 20:00 gains validity up to the driver's test + 72 hours (28 July 08:00).
func extendedOrder() async throws -> ((before: PermitEngine, after: PermitEngine), Registry) {
    let (extended, registry) = try await makeEngine()
    var short = try samplePolicy()
    short.order.end = time("2021-07-27T06:00:00+07:00")
    let before = try PermitEngine(policy: short, registry: registry, key: extended.signer.key)
    return ((before, extended), registry)
}
let renewalTime = time("2021-07-26T20:00:00+07:00")

/// When the tests issue, unless they say otherwise.
let issueTime = time("2021-07-26T08:00:00+07:00")

func issueAll(_ engine: PermitEngine, _ requests: [PermitRequest], replace: Bool = false, allOrNothing: Bool = false,
              now: Int64 = time("2021-07-26T08:00:00+07:00")) async throws -> ([PermitEngine.RowResult], PermitEngine.Summary) {
    var options = PermitEngine.BatchOptions(context: testContext(now))
    options.replace = replace
    options.allOrNothing = allOrNothing
    options.chunkSize = 3
    var results: [PermitEngine.RowResult] = []
    let summary = try await engine.issue(requests, options: options) { results += $0 }
    return (results, summary)
}

/// Who acts in these tests: a fixed account, acting as of `pinned` (the sample order's first day).
func testContext(_ pinned: Int64 = time("2021-07-26T08:00:00+07:00"), onBehalfOf: String? = nil) -> AuditContext {
    try! AuditContext(account: "tester", onBehalfOf: onBehalfOf, recordedAt: time("2026-01-01T00:00:00Z"),
                      pinnedAt: pinned)
}

func serials(_ results: [PermitEngine.RowResult]) -> [String] {
    results.compactMap { if case .issued(let record, _) = $0 { record.serial } else { nil } }
}

@Suite struct IssuingTests {
    @Test func goodRowsAreIssuedAndBadRowsReportedInOrder() async throws {
        let (engine, registry) = try await makeEngine()
        let requests = [
            request(plate: "29C-100.01"), request(plate: "29C-100.02", zones: "atlantis"), request(plate: "29C-100.03"),
            request(plate: "29C-100.04"), request(plate: "29C-100.01"),
        ]
        let (results, summary) = try await issueAll(engine, requests)
        #expect(summary.issued == 3 && summary.refused == 2)
        #expect(serials(results) == ["HN-000001", "HN-000002", "HN-000003"])
        guard case .refused(let refusal) = results[4] else { Issue.record("row 5 must be refused"); return }
        #expect(refusal.reasons.first?.contains("already has an active pass HN-000001") == true)
        // Every issued code is in the registry and carries the claims recorded.
        for serial in serials(results) {
            let listing = try #require(try await registry.permit(serial, at: issueTime))
            let decoded = try PassCode.unverifiedDecode(listing.permit.code)
            #expect(decoded.claims == (try listing.permit.claims()))
        }
    }

    @Test func allOrNothingIssuesNothingWhenARowFails() async throws {
        let (engine, registry) = try await makeEngine()
        let (results, summary) = try await issueAll(
            engine, [request(plate: "29C-200.01"), request(plate: "29C-200.02", zones: "atlantis")], allOrNothing: true)
        #expect(summary.issued == 0 && summary.rolledBack)
        #expect(serials(results).isEmpty)
        #expect(try await registry.listings(PermitFilter(now: 0)).isEmpty)
        // A row refused by the registry (not the policy) rolls back the whole batch too.
        _ = try await issueAll(engine, [request(plate: "29C-200.03")])
        let second = try await issueAll(
            engine, [request(plate: "29C-200.04"), request(plate: "29C-200.03", zones: "dong-da")], allOrNothing: true)
        #expect(second.1.issued == 0 && second.1.rolledBack)
        #expect(try await registry.permit("HN-000002", at: issueTime) == nil, "the rolled-back serial was not kept")
    }

    @Test func replaceRevokesTheOldPassInTheSameTransaction() async throws {
        let (engine, registry) = try await makeEngine()
        _ = try await issueAll(engine, [request(plate: "29C-300.01")])
        let (results, _) = try await issueAll(engine, [request(plate: "29C-300.01", zones: "dong-da")], replace: true)
        guard case .issued(let record, let replaced) = results[0] else { Issue.record("not issued"); return }
        #expect(replaced == "HN-000001")
        #expect(record.replaces == "HN-000001")
        #expect(try await registry.permit("HN-000001", at: issueTime)?.revocation?.reason == "replaced")
        #expect(try await registry.revocations(relevantAt: time("2021-07-26T08:00:00+07:00")).entries.map(\.serial) == ["HN-000001"])
    }

    @Test func suspendedFirmGetsNoNewPasses() async throws {
        let (engine, registry) = try await makeEngine()
        try await registry.setFirmStatus("VNPOST", .suspended, reason: "licence review", context: testContext(0))
        let (_, summary) = try await issueAll(engine, [request(plate: "29C-400.01")])
        #expect(summary.issued == 0)
        #expect(try await registry.auditLog(limit: 10).contains { $0.action == "firm.suspend" && $0.detail == "licence review" })
    }

    @Test func renewalIssuesNewCodesLinkedToTheOldOnes() async throws {
        let (engine, registry) = try await extendedOrder()
        _ = try await issueAll(engine.before, [request(plate: "29C-500.01"), request(plate: "29C-500.02")])
        var renewed: [PermitEngine.RowResult] = []
        let summary = try await engine.after.renew(firmID: nil, options: .init(context: testContext(renewalTime))) {
            renewed += $0
        }
        #expect(summary.summary.issued == 2)
        for case .issued(let record, let replaced) in renewed {
            #expect(record.renewedFrom == replaced)
            #expect(try await registry.permit(replaced!, at: issueTime)?.revocation?.reason == "renewed")
        }
    }

    /// Regression, found by scripts/concurrency-test.sh: of several dispatchers opening one registry at
    /// once, one could fail with "cannot open registry: table firm already exists" (GRDB reads which
    /// migrations are applied before it takes the write lock) or "database is locked" (with no process
    /// holding the registry open its -wal file is gone, and GRDB recreates it in a deferred transaction,
    /// which gets SQLITE_BUSY without waiting). Each opener here is its own connection pool, as each
    /// process is: first a registry being created, then the same one once every pool has closed.
    @Test func dispatchersOpeningOneRegistryAtOnceAllOpenIt() async throws {
        for _ in 0..<30 {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("gl-\(UUID().uuidString).sqlite").path
            let failures = Mutex<[String]>([])
            let firms = Mutex<[Int]>([])
            // Eight `registry init` at once: each migrates the new file; exactly one records the settings and
            // the others are told it is already a registry, never "table exists" or "locked".
            let created = Mutex(0)
            // Threads, not tasks: each opener must really run at once, as processes do.
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do {
                    _ = try SQLiteStore.createNow(path: path, settings: sampleSettings, context: testContext())
                    created.withLock { $0 += 1 }
                } catch let error as RegistryError where error.code == .registryExists {
                } catch { failures.withLock { $0.append("\(error)") } }
            }
            #expect(created.withLock { $0 } == 1)
            do {
                let registry = try Registry(path: path)
                #expect(try await registry.integrityCheck() == "ok")
                try await registry.addFirm(postal, context: testContext())
            }
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do {
                    let count = try SQLiteStore(path: path).readNow { try Int.fetchOne($0, sql: "SELECT count(*) FROM firm") } ?? -1
                    firms.withLock { $0.append(count) }
                } catch { failures.withLock { $0.append("\(error)") } }
            }
            let seen = failures.withLock { $0 }
            #expect(seen.isEmpty, "\(seen)")
            #expect(firms.withLock { $0 } == Array(repeating: 1, count: 8))
        }
    }
}

/// The sqlite3 command line, an independent client of the registry file.
struct SQLiteShell {
    let path: String
    init(path: String) throws { self.path = path }

    func run(_ sql: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try? process.run()
        let data = pipe.fileHandleForReading.readToEndRetryingInterrupts()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
