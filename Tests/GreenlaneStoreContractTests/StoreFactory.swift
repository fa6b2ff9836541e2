import Foundation
import GreenlaneFormat
import GreenlaneStore
@testable import GreenlanePostgresStore
@testable import GreenlaneSQLiteStore
import Synchronization
import Testing

/// Makes a fresh, empty store of one kind for each contract case. Adding a store to the contract is one line
/// in `all`. PostgreSQL cases each get a schema of their own in the cluster scripts/postgres.sh starts (`.ci/run`
/// starts it); when it is not running they fail, saying how to start it, and never skip.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    /// A store initialised with `settings`, or never initialised when nil.
    let make: @Sendable (_ settings: RegistrySettings?) async throws -> any PermitStore

    var testDescription: String { name }

    static let all: [StoreFactory] = [.sqlite, .postgres]

    static let sqlite = StoreFactory(name: "sqlite") { settings in
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString).sqlite").path
        guard let settings else {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            return try SQLiteStore.uninitialised(path: path)
        }
        return try await SQLiteStore.create(path: path, settings: settings, context: contractContext())
    }
}

extension StoreFactory {
    static let postgres = StoreFactory(name: "postgres") { settings in
        let location = try TestPostgres.location(.owner, schema: TestPostgres.freshSchema("contract"))
        guard let settings else {
            _ = try await PostgresStore.migrate(location, environment: TestPostgres.environment)
            return try await PostgresStore.uninitialised(location, environment: TestPostgres.environment)
        }
        return try await PostgresStore.create(location, environment: TestPostgres.environment, settings: settings,
                                              context: contractContext())
    }
}

/// The test cluster: scripts/postgres.sh's defaults, or GREENLANE_PG_DIR and GREENLANE_PG_PORT as it reads them.
enum TestPostgres {
    enum Role: String { case owner, app, auditor }

    static let environment = ProcessInfo.processInfo.environment
    static var directory: String { environment["GREENLANE_PG_DIR"] ?? "/tmp/greenlane-pg" }
    static var port: String { environment["GREENLANE_PG_PORT"] ?? "55432" }

    static func location(_ role: Role, schema: String) throws -> PostgresLocation {
        let passwordFile = "\(directory)/secrets/\(role.rawValue).password"
        guard FileManager.default.fileExists(atPath: passwordFile) else {
            throw TestPostgresMissing(detail: "no \(passwordFile)")
        }
        return try PostgresLocation(url: "postgres://greenlane_\(role.rawValue)@127.0.0.1:\(port)/greenlane"
            + "?sslmode=disable&passwordFile=\(passwordFile)&schema=\(schema)")
    }

    static func freshSchema(_ purpose: String) -> String {
        purpose + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }
}

struct TestPostgresMissing: Error, CustomStringConvertible {
    let detail: String
    var description: String {
        "the PostgreSQL test cluster is not set up (\(detail)): run `scripts/postgres.sh start` (.ci/run does)"
    }
}

let contractSettings = RegistrySettings(issuer: "VN-HN", station: "SGTVT", serialPrefix: "HN", createdAt: 0)

/// 26 July 2021 08:00 in Hanoi, the sample order's first day.
let contractNow: Int64 = 1_627_261_200

func contractContext(_ pinned: Int64 = contractNow) -> AuditContext {
    try! AuditContext(account: "contract", recordedAt: 1_767_225_600, pinnedAt: pinned)
}

let vnpost = Firm(id: "VNPOST", legalName: "Tổng Công ty Bưu điện Việt Nam", kind: .postal, licence: "GP-1", createdAt: 0)
let vnpt = Firm(id: "VNPT-HN", legalName: "Viễn thông Hà Nội", kind: .telecom, licence: "GP-2", createdAt: 0)

extension StoreFactory {
    /// An initialised store with the two firms registered.
    func withFirms() async throws -> any PermitStore {
        let store = try await make(contractSettings)
        for firm in [vnpost, vnpt] { try await store.addFirm(firm, context: contractContext()) }
        return store
    }
}

/// Rules for driving `issue` in the contract: each item accepted unless `refuse` says otherwise (the engine's
/// real rules are tested against every store through the engine's own tests); codes are fake but well formed.
struct ScriptedRules: IssuingRules {
    var plates: [String]
    var firmID = "VNPOST"
    var expiresAt = contractNow + 86_400
    var notBefore = contractNow
    var refuse: Set<Int> = []
    var revokes: [Int: String] = [:]
    /// Refuse a vehicle that has a live pass (the engine's one-live-pass rule, in short).
    var refuseWhenLive = false
    /// These items are decided already issued (their vehicle's live pass), and the facts each saw, in order.
    var alreadyIssued: Set<Int> = []
    var seen: SeenFacts? = nil

    func decide(_ facts: IssueFacts) -> [IssueDecision] {
        seen?.facts.withLock { $0.append(facts) }
        return plates.enumerated().map { index, plate in
            if refuse.contains(index) { return .refuse("refused by the script") }
            let compact = VehicleKey.compact(plate)
            let row = facts.vehicles[compact]?.livePass
            if alreadyIssued.contains(index), let row { return .alreadyIssued(serial: row.serial) }
            if refuseWhenLive, let row, row.expiresAt > contractNow { return .refuse("live pass \(row.serial)") }
            return .accept(Acceptance(
                plate: plate, vehicleClass: 3, firmID: firmID, compactPlate: compact,
                revokes: revokes[index].map { ($0, RevocationReason.replaced) },
                expiredLivePass: row.flatMap { $0.expiresAt <= contractNow ? $0.serial : nil }))
        }
    }

    var items: [IssueBatch.Item] {
        plates.map { IssueBatch.Item(firmID: firmID, compactPlate: VehicleKey.compact($0), renewedFrom: nil) }
    }

    func sign(accepted: [Int], serials: [String]) throws -> any SignedPermits {
        Slices(zip(accepted, serials).map { index, serial in
            IssuedPermit(record: contractPermit(serial: serial, plate: plates[index], firmID: firmID, notBefore: notBefore,
                                                expiresAt: expiresAt),
                         auditDetail: "\(plates[index]) · \(firmID) · contract row \(index + 2)")
        })
    }
}

/// What a store's issuing transactions showed the rules.
final class SeenFacts: Sendable {
    let facts = Mutex<[IssueFacts]>([])
}

final class Slices: SignedPermits {
    var remaining: [IssuedPermit]
    init(_ permits: [IssuedPermit]) { remaining = permits }
    func next() throws -> [IssuedPermit]? {
        guard !remaining.isEmpty else { return nil }
        let slice = Array(remaining.prefix(2))
        remaining.removeFirst(slice.count)
        return slice
    }
}

func contractPermit(serial: String, plate: String, firmID: String = "VNPOST", notBefore: Int64 = contractNow,
                    expiresAt: Int64 = contractNow + 86_400) -> PermitRecord
{
    PermitRecord(
        serial: serial, firmID: firmID, plate: plate, vehicleClass: 3, driverName: "Nguyễn Văn An",
        driverID: "001086001234", testAt: contractNow - 3_600, zones: 3, purpose: 1, windowStart: nil, windowEnd: nil,
        station: "SGTVT", issuer: "VN-HN", issuedAt: contractNow, notBefore: notBefore, expiresAt: expiresAt,
        kid: "0011223344556677", code: PassCode.encode([0xD2] + Array("contract \(serial)".utf8)), replaces: nil, renewedFrom: nil, issuedBy: "contract")
}

/// Issues `plates` with scripted rules, as of `contractNow`.
@discardableResult
func issue(_ store: any PermitStore, _ rules: ScriptedRules, allOrNothing: Bool = false, prefix: String = "HN",
           renewalRun: Int64? = nil) async throws -> IssueCommit {
    try await store.issue(
        IssueBatch(items: rules.items, serialPrefix: prefix, renewalRun: renewalRun, allOrNothing: allOrNothing,
                   context: contractContext()),
        rules: rules)
}

func listAll(_ store: any PermitStore, _ filter: PermitFilter) async throws -> [PermitListing] {
    var all: [PermitListing] = []
    for try await listing in store.permits(matching: filter) { all.append(listing) }
    return all
}
