import Foundation
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneEngine
import GreenlanePostgresStore
import GreenlaneRegistryLocation
import GreenlaneStore

/// Writes a realistic registry of `permits` permits for the registry-at-scale figures, on either store.
///
/// Everything goes in through the store protocol and the engine, as `greenlane issue` and `greenlane revoke`
/// record it (the registry's own migrations, serials, live passes, audit entries; every code really signed with
/// the ES256 demo key). The shape: 20 firms with skewed sizes, one vehicle per two permits (each plate asked
/// for twice, 34 days apart, so never two active passes), the policy's windows per vehicle class, 1-6
/// districts or all, permits issued in chunks spread evenly over 69 days from 24 July 2021 (the bench's policy
/// extends the sample order to cover them) and valid 7 days, and 1% revoked two days after issue.
enum RegistryGenerator {
    static let firms: [(id: String, name: String, kind: String, weight: Int)] = [
        ("VNPOST", "Tổng Công ty Bưu điện Việt Nam", "postal", 30),
        ("VTPOST", "Tổng Công ty Cổ phần Bưu chính Viettel", "postal", 22),
        ("VNPT-HN", "Viễn thông Hà Nội", "telecom", 6),
        ("GHN", "Công ty Cổ phần Dịch vụ Giao Hàng Nhanh", "postal", 8),
        ("GHTK", "Công ty Cổ phần Giao Hàng Tiết Kiệm", "postal", 7),
        ("JT-EXPRESS", "Công ty TNHH Chuyển phát nhanh J&T Express", "postal", 5),
        ("NINJAVAN", "Công ty TNHH Ninja Van Việt Nam", "postal", 3),
        ("BEST-EXPRESS", "Công ty TNHH Best Express Việt Nam", "postal", 2),
        ("SPX-EXPRESS", "Công ty TNHH Shopee Express", "postal", 3),
        ("LALAMOVE", "Công ty TNHH Lalamove Việt Nam", "postal", 2),
        ("AHAMOVE", "Công ty Cổ phần Dịch vụ AhaMove", "postal", 1),
        ("EMS-VN", "Công ty Cổ phần Chuyển phát nhanh Bưu điện", "postal", 2),
        ("KERRY-EXPRESS", "Công ty TNHH Kerry Express Việt Nam", "postal", 1),
        ("NETCO", "Công ty Cổ phần Bưu chính Netco", "postal", 1),
        ("VIETTEL-HN", "Viettel Hà Nội", "telecom", 2),
        ("MOBIFONE-HN", "Công ty Dịch vụ MobiFone Khu vực 1", "telecom", 1),
        ("FPT-TELECOM", "Công ty Cổ phần Viễn thông FPT", "telecom", 2),
        ("CMC-TELECOM", "Công ty Cổ phần Hạ tầng Viễn thông CMC", "telecom", 1),
        ("SCTV-HN", "Chi nhánh SCTV Hà Nội", "telecom", 0),
        ("HTC-HN", "Hanoi Telecom", "telecom", 1),
    ]
    static let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
                         "Hồ", "Ngô", "Dương", "Lý"]
    static let middle = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thanh", "Ngọc", "Đình", "Thị", "Thu"]
    static let given = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân", "Sơn",
                        "Thắng", "Tuấn", "Việt", "Hưng", "Đạt", "Trung", "Huy", "Kiên", "Anh", "Hà", "Hạnh", "Hương",
                        "Lan", "Linh", "Mai", "Ngân", "Phương", "Thảo", "Trang", "Yến"]
    static let provinces = ["29", "30", "31", "32", "33", "40", "88", "89", "99", "14", "17", "34"]
    static let idProvinces: [UInt64] = [1, 1, 1, 31, 33, 34, 35, 36, 37, 38, 40, 42]
    static let start: Int64 = 1_627_081_200  // 2021-07-24T06:00:00+07:00, the order's start
    static let span: Int64 = 69 * 86_400

    /// splitmix64: fast, seeded, the same registry every run.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    struct Vehicle {
        let plate: Plate
        let vehicleClass: VehicleClass
        let firm: Int
    }

    static func vehicle(_ j: Int) throws -> Vehicle {
        var random = Random(state: UInt64(j) &* 7919 &+ 1)
        let pick = random.below(100)
        let vehicleClass: VehicleClass =
            pick < 40 ? .motorbike : pick < 50 ? .car : pick < 75 ? .van : pick < 95 ? .lightTruck : .heavyTruck
        let province = provinces[j % provinces.count]
        // (province, series, number) is unique per vehicle, and each class writes the series its own way, so no
        // two vehicles share a plate: 99,999 numbers a series, 5 series, up to 6 million vehicles.
        let k = j / provinces.count
        let series = k / 99_999
        guard series < 5 else { throw BenchError("make-registry: at most 6,000,000 vehicles (12,000,000 permits)") }
        let number = String(k % 99_999 + 1)
        let digits = String(repeating: "0", count: 5 - number.count) + number
        let second = ["", "A", "B", "E", "F"][series]
        let text: String
        switch vehicleClass {
        case .motorbike:
            let letters = Array("ABCDEFGHKL")  // one per series and motorbike: letters[series] or letters[series + 5]
            text = "\(province)\(letters[series + 5 * random.below(2)])\(random.below(9) + 1)\(digits)"
        case .car: text = "\(province)\(["A", "E", "F", "G", "H"][series])\(digits)"
        case .van: text = "\(province)D\(second)\(digits)"
        case .lightTruck, .heavyTruck:
            text = "\(province)\(series == 0 && random.below(10) == 0 ? "LD" : "C" + second)\(digits)"
        }
        let total = firms.reduce(0) { $0 + $1.weight }
        var roll = random.below(total)
        var firm = 0
        while roll >= firms[firm].weight {
            roll -= firms[firm].weight
            firm += 1
        }
        // The policy's classes per firm kind are not restricted; telecom crews drive no heavy trucks.
        let adjusted = firms[firm].kind == "telecom" && vehicleClass == .heavyTruck ? VehicleClass.van : vehicleClass
        return Vehicle(plate: try Plate(parsing: text, vehicleClass: adjusted), vehicleClass: adjusted, firm: firm)
    }

    /// Fills the registry at `location` (made by `greenlane registry init` with `policyPath`: an SQLite file or
    /// a `postgres://` URL) with `permits` permits, through the store protocol and the engine exactly as
    /// `greenlane issue` records them: firms added, each chunk of requests checked against the policy, given
    /// serials, signed on `jobs` cores and committed with its audit entries, then 1% revoked. Reports the
    /// recorded-issuing rate next to raw signing measured in the same process before and after.
    static func run(permits: Int, location: String, policyPath: String, jobs: Int) async throws {
        let clock = ContinuousClock()
        let begin = clock.now
        let environment = ProcessInfo.processInfo.environment
        let store = try await RegistryLocation.open(location, environment: environment)
        let policy = try Policy.load(path: policyPath)
        let setup = try Throughput.setup(.es256)
        let engine = try PermitEngine(policy: policy, store: store, key: setup.key)
        let registry = Registry(store: store)
        for firm in firms {
            try await registry.addFirm(
                Firm(id: firm.id, legalName: firm.name, kind: Firm.Kind(rawValue: firm.kind)!,
                     licence: "GP-\(firm.id)", createdAt: start - 86_400),
                context: try context(at: start - 86_400))
        }
        let rawBefore = Batch.rawSignRate(setup)
        let vehicleCount = max(1, permits / 2)
        // A chunk never names a vehicle twice (its two permits are half the registry apart).
        let chunk = min(2_000, vehicleCount)
        var issued = 0
        var revoked = 0
        var issueSeconds = 0.0
        var revokeSeconds = 0.0
        var reported = 0
        for chunkStart in stride(from: 0, to: permits, by: chunk) {
            let indices = chunkStart..<min(permits, chunkStart + chunk)
            let issuedAt = start + Int64(chunkStart) * span / Int64(permits)
            let requests = try indices.map { try request($0, vehicleCount: vehicleCount, at: issuedAt) }
            var options = PermitEngine.BatchOptions(context: try context(at: issuedAt))
            options.jobs = jobs
            options.chunkSize = chunk
            var serials: [String] = []
            var problems: [String] = []
            let issueStart = clock.now
            let summary = try await engine.issue(requests, options: options) { results in
                for result in results {
                    switch result {
                    case .issued(let permit, _): serials.append(permit.serial)
                    case .refused(let refusal):
                        problems.append("\(refusal.source) refused: \(refusal.reasons.joined(separator: "; "))")
                    case .alreadyIssued(let permit, _): problems.append("\(permit.serial) was already issued")
                    }
                }
            }
            issueSeconds += seconds(issueStart.duration(to: clock.now))
            guard summary.issued == indices.count, serials.count == indices.count else {
                throw BenchError("make-registry: \(summary.issued) of \(indices.count) issued at row \(chunkStart): "
                    + problems.prefix(3).joined(separator: "; "))
            }
            // 1% revoked two days after issue, for one of the reasons dispatchers give.
            let revokeStart = clock.now
            for (offset, i) in indices.enumerated() where i % 100 == 37 {
                let reason: RevocationReason = [.lost, .offDuty, .stolen, .misuse][i / 100 % 4]
                try await registry.revoke(serials[offset], reason: reason, context: try context(at: issuedAt + 2 * 86_400))
                revoked += 1
            }
            revokeSeconds += seconds(revokeStart.duration(to: clock.now))
            issued += indices.count
            if issued - reported >= 100_000 || issued == permits {
                reported = issued
                print("  · generated \(issued) permits, \(formatRate(Double(issued) / issueSeconds)) /s recorded so far")
            }
        }
        let rawAfter = Batch.rawSignRate(setup)
        let rawOneCore = (rawBefore + rawAfter) / 2
        let counts = try await store.counts()
        guard counts.permits == permits else {
            throw BenchError("make-registry: the registry holds \(counts.permits) permits, expected \(permits)")
        }
        let elapsed = seconds(begin.duration(to: clock.now))
        let rate = Double(permits) / issueSeconds
        let kind = PostgresLocation.isURL(location) ? "PostgreSQL" : "SQLite"
        row("issue ES256, recorded, \(kind): \(formatRate(Double(permits))) permits into one growing registry "
            + "(make-registry: PermitEngine, chunks of \(chunk), jobs=\(jobs))",
            "\(formatRate(rate)) /s (\(format1(issueSeconds)) s)", "raw EVP sign, 1 core \(formatRate(rawOneCore)) /s",
            rate / rawOneCore, nil)
        note("make-registry \(kind): \(permits) permits (\(revoked) revoked one at a time in \(format1(revokeSeconds)) s) "
            + "in \(format1(elapsed)) s; raw sign before \(formatRate(rawBefore)) /s, after \(formatRate(rawAfter)) /s")
        print("REGISTRY \(permits) \(try vehicle(vehicleCount / 2 + 7).plate.compact.lowercased())")
    }

    /// Who acts when the generator issues or revokes: the bench account, pinned to the permit's time.
    static func context(at time: Int64) throws -> AuditContext {
        try AuditContext(account: "bench", onBehalfOf: "dispatcher", recordedAt: Int64(Date().timeIntervalSince1970),
                         pinnedAt: time)
    }

    /// Request `i`: vehicle `i % vehicleCount` (so each plate is asked for twice, half the span apart), with a
    /// driver, a purpose its firm may ask for, all districts or 1-6 of them, and a test taken 1-48 hours before.
    static func request(_ i: Int, vehicleCount: Int, at issuedAt: Int64) throws -> PermitRequest {
        var random = Random(state: UInt64(i) &* 104_729 &+ 17)
        let v = try vehicle(i % vehicleCount)
        let firm = firms[v.firm]
        let purpose: Purpose =
            firm.kind == "telecom" ? .telecomRepair : random.below(3) == 0 ? .publicPostal : .essentialGoods
        let zones: String
        if random.below(10) < 3 {
            zones = "all"
        } else {
            var picked = Set<Int>()
            for _ in 0...random.below(6) { picked.insert(random.below(District.all.count)) }
            zones = picked.sorted().map { District.all[$0].slug }.joined(separator: ",")
        }
        let name = family[random.below(family.count)] + " " + middle[random.below(middle.count)] + " "
            + given[random.below(given.count)]
        let id = idProvinces[random.below(idProvinces.count)] * 1_000_000_000
            + UInt64(random.below(2)) * 100_000_000 + UInt64(60 + random.below(42)) * 1_000_000
            + UInt64(random.below(1_000_000))
        let digits = String(id)
        let testAt = issuedAt - 3600 - Int64(random.below(47 * 3600))
        return PermitRequest(
            source: "requests-\(issuedAt / 86_400).csv row \(i % 5000 + 2)", firmID: firm.id, plate: v.plate.text,
            vehicleClass: v.vehicleClass.slug, driverName: name,
            driverID: String(repeating: "0", count: 12 - digits.count) + digits,
            testAt: Timestamp.rfc3339(testAt), purpose: purpose.slug, zones: zones)
    }
}
