import Foundation
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneVerifier

/// The repository root, found from this file's path, so tests read Keys/ and Samples/ as users do.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func repositoryPath(_ relative: String) -> String { repositoryRoot.appendingPathComponent(relative).path }

func vectorJSON(_ relative: String) throws -> [String: Any] {
    let url = Bundle.module.url(forResource: "Vectors/" + relative, withExtension: nil)!
    return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
}

func vectorFiles(_ folder: String) -> [String] {
    let url = Bundle.module.url(forResource: "Vectors/" + folder, withExtension: nil)!
    let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
    return names.filter { $0.hasSuffix(".json") }.sorted().map { folder + "/" + $0 }
}

func hexBytes(_ text: String) -> [UInt8] { Hex.decode(text)! }

func base64URL(_ text: String) -> [UInt8] {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    return Array(Data(base64Encoded: base64)!)
}

/// A demo private key from Keys/, copied to a private temporary file with mode 0600 (git keeps 0644).
func demoKey(_ name: String) throws -> PrivateKey {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: repositoryPath("Keys/\(name).key.pem")))
    return try PrivateKey(pem: Array(bytes), passphrase: nil)
}

func demoTrust() throws -> TrustSet { try TrustSet.load(path: repositoryPath("Keys/demo-trust.json")) }

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("greenlane-test-" + UUID().uuidString)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func time(_ text: String) -> Int64 { Timestamp.parse(text)! }

/// A typical pass's claims.
func sampleClaims(serial: String = "HN-000200") throws -> PassClaims {
    let permit = Permit(
        serial: serial, firmID: "VNPOST", plate: try Plate(parsing: "29C-123.45", vehicleClass: .lightTruck),
        vehicleClass: .lightTruck, driverName: "Nguyễn Văn An", driverID: try CitizenID(parsing: "001085012345"),
        zones: try Zones(parsing: "ba-dinh,hoan-kiem,dong-da,hai-ba-trung,cau-giay"), purpose: .essentialGoods,
        window: try DailyWindow(parsing: "06:00-22:00"), station: "SGTVT")
    return PassClaims(
        issuer: "VN-HN", issuedAt: time("2021-07-23T16:30:00+07:00"), notBefore: time("2021-07-24T00:00:00+07:00"),
        expiresAt: time("2021-08-07T00:00:00+07:00"), permit: permit)
}

let sampleContext = CheckpointContext(time: time("2021-07-26T10:00:00+07:00"), district: District("dong-da"))
