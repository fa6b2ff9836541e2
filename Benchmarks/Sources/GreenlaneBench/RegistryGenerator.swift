import Dispatch
import Foundation
import GRDB
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneEngine
import GreenlaneSQLiteStore
import GreenlaneStore

/// Writes a realistic registry of `permits` permits for the registry-at-scale figures.
///
/// The schema comes from `SQLiteStore.create` (the real migrations); rows go in through GRDB prepared
/// statements in transactions of 50,000 (much faster than the engine, which is not what is measured here).
/// Every permit's code is really signed (ES256 demo key, both cores) over its own claims, so codes are unique,
/// as the schema requires, and exactly as long as real ones. The shape: 20 firms with skewed sizes, one
/// vehicle per two permits (each plate renewed once, 34 days apart, so never two active passes), the policy's
/// windows per vehicle class, 1-6 districts or all, permits issued evenly over 69 days from 24 July 2021 and
/// valid 7 days, 1% revoked, and an audit-log entry for every issue and revocation, as the engine writes.
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
    static let validity: Int64 = 7 * 86_400

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
        let k = j / provinces.count  // (province, k) is unique per vehicle: k < 99,999 up to 1.2 million vehicles
        let number = String(k % 99_999 + 1)
        let digits = String(repeating: "0", count: 5 - number.count) + number
        let text: String
        switch vehicleClass {
        case .motorbike:
            let letters = Array("ABCDEFGHKLMNPSTUVXYZ")
            text = "\(province)\(letters[random.below(letters.count)])\(random.below(9) + 1)\(digits)"
        case .car: text = "\(province)\(["A", "E", "F", "G", "H", "K"][random.below(6)])\(digits)"
        case .van: text = "\(province)D\(digits)"
        case .lightTruck, .heavyTruck: text = "\(province)\(random.below(10) == 0 ? "LD" : "C")\(digits)"
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

    static func window(_ vehicleClass: VehicleClass) throws -> DailyWindow? {
        switch vehicleClass {
        case .heavyTruck: try DailyWindow(startMinute: 8 * 60, endMinute: 16 * 60)
        case .lightTruck: try DailyWindow(startMinute: 6 * 60, endMinute: 22 * 60)
        case .van: try DailyWindow(startMinute: 5 * 60, endMinute: 23 * 60)
        default: nil
        }
    }

    final class Codes: @unchecked Sendable {  // each signing thread writes only its own indices
        var values: [String]
        init(count: Int) { values = Array(repeating: "", count: count) }
    }

    static func run(permits: Int, path: String) async throws {
        let clock = ContinuousClock()
        let begin = clock.now
        do {
            // The real schema, through the real migrations.
            let registry = try await BenchRegistry.fresh(path: path, policy: try Policy.load(path: "Samples/policy.json"))
            for firm in firms {
                try await registry.addFirm(
                    Firm(id: firm.id, legalName: firm.name, kind: Firm.Kind(rawValue: firm.kind)!,
                         licence: "GP-\(firm.id)", createdAt: start - 86_400),
                    context: BenchRegistry.context)
            }
        }
        try fill(permits: permits, path: path, clock: clock, begin: begin)
    }

    /// The rows, through GRDB directly and synchronously (the registry's own API is what the other figures time).
    static func fill(permits: Int, path: String, clock: ContinuousClock, begin: ContinuousClock.Instant) throws {
        let key = try PrivateKey(pem: Array(try readText("Keys/demo-es256.key.pem").utf8), passphrase: nil)
        let signer = PassSigner(key: key)
        let kid = Hex.encode(key.publicKey.keyID)
        let vehicleCount = max(1, permits / 2)
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = OFF") }
        let queue = try DatabaseQueue(path: path, configuration: config)
        let chunk = 50_000
        var signSeconds = 0.0
        for chunkStart in stride(from: 0, to: permits, by: chunk) {
            let indices = chunkStart..<min(permits, chunkStart + chunk)
            var claims: [PassClaims] = []
            var testAts: [Int64] = []
            claims.reserveCapacity(indices.count)
            for i in indices {
                var random = Random(state: UInt64(i) &* 104_729 &+ 17)
                let v = try vehicle(i % vehicleCount)
                let firm = firms[v.firm]
                let purpose: Purpose =
                    firm.kind == "telecom" ? .telecomRepair : random.below(3) == 0 ? .publicPostal : .essentialGoods
                let zones: Zones
                if random.below(10) < 3 {
                    zones = .all
                } else {
                    var mask: UInt32 = 0
                    for _ in 0...random.below(6) { mask |= 1 << UInt32(random.below(30)) }
                    zones = Zones(mask: mask)!
                }
                let name = family[random.below(family.count)] + " " + middle[random.below(middle.count)] + " "
                    + given[random.below(given.count)]
                let id = idProvinces[random.below(idProvinces.count)] * 1_000_000_000
                    + UInt64(random.below(2)) * 100_000_000 + UInt64(60 + random.below(42)) * 1_000_000
                    + UInt64(random.below(1_000_000))
                let issuedAt = start + Int64(i) * span / Int64(permits)
                let permit = Permit(
                    serial: serial(i + 1), firmID: firm.id, plate: v.plate, vehicleClass: v.vehicleClass,
                    driverName: name, driverID: try CitizenID(value: id), zones: zones, purpose: purpose,
                    window: try window(v.vehicleClass), station: "HN-SGTVT")
                claims.append(PassClaims(
                    issuer: "VN-HN", issuedAt: issuedAt, notBefore: issuedAt, expiresAt: issuedAt + validity,
                    permit: permit))
                testAts.append(issuedAt - 3600 - Int64(random.below(47 * 3600)))
            }
            let signStart = clock.now
            let codes = Codes(count: claims.count)
            let frozen = claims
            let stripes = 2
            DispatchQueue.concurrentPerform(iterations: stripes) { stripe in
                for index in stride(from: stripe, to: frozen.count, by: stripes) {
                    codes.values[index] = (try? signer.passCode(for: frozen[index])) ?? ""
                }
            }
            signSeconds += seconds(signStart.duration(to: clock.now))
            guard !codes.values.contains("") else { throw BenchError("a generated permit could not be signed") }
            try queue.write { db in
                let vehicleInsert = try db.makeStatement(sql: """
                    INSERT INTO vehicle (plate, firm_id, vehicle_class, first_seen) VALUES (?, ?, ?, ?)
                    ON CONFLICT(plate) DO NOTHING
                    """)
                let permitInsert = try db.makeStatement(sql: """
                    INSERT INTO permit (serial, firm_id, plate, vehicle_class, driver_name, driver_id, test_at, zones,
                        purpose, window_start, window_end, station, issuer, issued_at, not_before, expires_at, kid, code,
                        replaces, renewed_from, issued_by, code_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)
                    """)
                let auditInsert = try db.makeStatement(sql: """
                    INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)
                    """)
                let revocationInsert = try db.makeStatement(sql: """
                    INSERT INTO revocation (serial, revoked_at, reason, revoked_by) VALUES (?, ?, ?, ?)
                    """)
                for (offset, c) in claims.enumerated() {
                    let i = indices.lowerBound + offset
                    let p = c.permit
                    let actor = "dispatcher-\(p.firmID.lowercased())"
                    try vehicleInsert.execute(arguments: [p.plate.text, p.firmID, p.vehicleClass.rawValue, c.issuedAt])
                    try permitInsert.execute(arguments: [
                        p.serial, p.firmID, p.plate.text, p.vehicleClass.rawValue, p.driverName, p.driverID.digits,
                        testAts[offset], Int64(p.zones.mask), p.purpose.rawValue, p.window?.startMinute,
                        p.window?.endMinute, p.station, c.issuer, c.issuedAt, c.notBefore, c.expiresAt, kid,
                        codes.values[offset], actor, Data(PermitCodeHash.of(codes.values[offset]) ?? []),
                    ])
                    try auditInsert.execute(arguments: [
                        c.issuedAt, actor, "permit.issue", p.serial,
                        "\(p.plate.text) · \(p.firmID) · requests-\(c.issuedAt / 86_400).csv row \(i % 5000 + 2)",
                    ])
                    if i % 100 == 37 {
                        let reason = ["lost", "vehicle sold", "driver replaced", "positive test"][i / 100 % 4]
                        try revocationInsert.execute(arguments: [p.serial, c.issuedAt + 2 * 86_400, reason, actor])
                        try auditInsert.execute(arguments: [c.issuedAt + 2 * 86_400, actor, "permit.revoke", p.serial, reason])
                    }
                }
            }
            print("  · generated \(indices.upperBound) permits")
        }
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO serial_counter (prefix, next) VALUES ('HN', ?) ON CONFLICT(prefix) DO UPDATE SET next = excluded.next",
                arguments: [permits + 1])
        }
        try queue.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
        let bytes = fileSize(path)
        let elapsed = seconds(begin.duration(to: clock.now))
        print("  · registry \(path): \(permits) permits, \(bytes) bytes, generated in \(format1(elapsed)) s "
            + "(signing \(format1(signSeconds)) s on 2 threads)")
        print("REGISTRY \(permits) \(bytes) \(try vehicle(vehicleCount / 2 + 7).plate.compact.lowercased())")
    }

    static func serial(_ number: Int) -> String {
        let digits = String(number)
        return "HN-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
