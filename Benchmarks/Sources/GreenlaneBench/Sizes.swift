import GreenlaneCrypto
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneIssuing

/// Code size: characters and QR version at level M of the typical sample pass and of the largest pass
/// the format allows, signed with each algorithm through the real signer (zlib only when it shortens).
enum Sizes {
    /// A driver's name of real Vietnamese name words, NFC, as close to the 96-byte limit as they go.
    static func longestName() -> String {
        let words = ["Tôn", "Nữ", "Hoàng", "Phượng", "Nguyễn", "Thị", "Huyền", "Trường", "Khuyến", "Hướng",
                     "Dương", "Quỳnh", "Ngọc", "Thường", "Phương", "Trịnh", "Thuỷ", "Hằng", "Diễm", "Lệ",
                     "Mỹ", "Ý", "Bửu", "Ưng"]
        var name = ""
        var index = 0
        while true {
            var fitted = false
            for offset in 0..<words.count {
                let word = words[(index + offset) % words.count]
                let candidate = name.isEmpty ? word : name + " " + word
                if candidate.utf8.count <= 96 {
                    name = candidate
                    index += offset + 1
                    fitted = true
                    break
                }
            }
            if !fitted { return Permit.normalizedName(name) }
        }
    }

    static func run() throws {
        for algorithm in [SignatureAlgorithm.es256, .eddsa] {
            let s = try Throughput.setup(algorithm)
            let a = algorithm.rawValue
            let typical = s.code.count
            row("code size \(a), typical pass (Samples/codes/valid-\(a == "ES256" ? "es256" : "eddsa").txt)",
                "\(typical) characters, QR version \(QRCapacity.version(alphanumericCount: typical)!) at level M",
                "version 10 holds 311", Double(typical) / 311, 1.0, atMost: true, targetText: "≤ 311 (v10)")

            // The largest the format allows, and the largest the sample policy allows: its station and serial
            // prefix (a seventh serial digit after HN-999999), any firm id the registry accepts (16 characters),
            // the longest name, every district, a daily window.
            let policy = try Policy.load(path: "Samples/policy.json")
            let largest: [(String, String, String)] = [
                ("the format allows", "HN-SGTVT-2021-0000000001", "HN-SGTVT-TRAM-KIEM-SOAT1"),
                ("Samples/policy.json allows", policy.serialPrefix + "-1000000", policy.station),
            ]
            for (what, serial, station) in largest {
                var claims = s.claims
                claims.permit.serial = serial
                claims.permit.station = station
                claims.permit.firmID = "VIETTELPOST-HN01"  // 16 (the decoder's limit for a firm id)
                claims.permit.vehicleClass = .heavyTruck
                claims.permit.plate = try Plate(parsing: "29LD-123.45", vehicleClass: .heavyTruck)
                claims.permit.driverName = longestName()
                claims.permit.driverID = try CitizenID(value: 096_399_999_999)
                claims.permit.zones = Zones.all
                claims.permit.window = try DailyWindow(startMinute: 22 * 60, endMinute: 6 * 60 + 30)
                let code = try PassSigner(key: s.key).passCode(for: claims)
                let unwrapped = try PassCode.unwrap(code)
                let version = QRCapacity.version(alphanumericCount: code.count)!
                row("code size \(a), largest pass \(what) (\(claims.permit.driverName.utf8.count)-byte name, serial "
                    + "\(serial.count) and station \(station.count) characters, 16-char firm, 30 districts, window)",
                    "\(code.count) characters, QR version \(version) at level M",
                    "version 13 holds 483", Double(code.count) / 483, nil, targetText: "fits a scannable QR")
                note("\(a) largest \(what): COSE \(unwrapped.coseBytes.count) bytes, zlib \(unwrapped.compressed ? "used" : "not used"); "
                    + "name '\(claims.permit.driverName)'")
            }
        }
    }
}
