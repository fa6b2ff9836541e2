import Foundation
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneTestSupport
import GreenlaneVerifier
@testable import GreenlaneService
import GreenlaneSigning
import GreenlaneSQLiteStore
import GreenlaneStore
import GreenlaneVerifier
import Hummingbird
import HummingbirdTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A registry, a policy whose order runs around today (the server keeps the real clock), a fresh signing key
/// with its trust file, three firms (two postal, one telecom), an administrator and an officer, greenlane-signer
/// running as its own process on a Unix socket, and the server on loopback. `endorsing` lists the sectors whose
/// requests wait for endorsement, `rules` the policy's approval rules.
struct ServiceFixture {
    let directory: URL
    let store: SQLiteStore
    let configuration: ServerConfiguration
    let adminToken: String
    let officerToken: String
    let signer: SignerProcess

    static func make(maxBodyBytes: Int = 64 * 1_024, failuresPerMinute: Int = 20, endorsing: [String] = [],
                     rules: [String] = [],
                     configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> ServiceFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let now = Int64(Date().timeIntervalSince1970)
        let policyPath = try writeServicePolicy(in: directory, endorsing: endorsing, rules: rules)
        let keyPath = directory.appendingPathComponent("signing.key.pem").path
        let key = try PrivateKey.generate(.es256)
        try key.write(to: keyPath, passphrase: nil)
        let trustPath = directory.appendingPathComponent("trust.json").path
        let trust = try TrustSet(keys: [TrustedKey(publicKey: key.publicKey, label: "test", issuer: "VN-HN",
                                                   roles: [.passes])])
        try trust.trustFile().write(toFile: trustPath, atomically: true, encoding: .utf8)
        let registry = directory.appendingPathComponent("registry.sqlite").path
        let context = try AuditContext(account: "fixture", recordedAt: now)
        let store = try await SQLiteStore.create(
            path: registry, settings: RegistrySettings(issuer: "VN-HN", station: "SGTVT", serialPrefix: "HN",
                                                       createdAt: now), context: context)
        let firms = [
            Firm(id: "VNPOST", legalName: "Bưu điện Việt Nam", kind: .postal, licence: "GP-1", createdAt: now),
            Firm(id: "VTPOST", legalName: "Viettel Post", kind: .postal, licence: "GP-2", createdAt: now),
            Firm(id: "VNPT-HN", legalName: "Viễn thông Hà Nội", kind: .telecom, licence: "GP-3", createdAt: now),
        ]
        for firm in firms {
            try await store.addFirm(firm, context: context)
        }
        let socketFolder = directory.appendingPathComponent("signer")
        try FileManager.default.createDirectory(at: socketFolder, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o750])
        let socket = socketFolder.appendingPathComponent("signer.sock").path
        let signer = SignerProcess(arguments: ["--registry", registry, "--policy", policyPath, "--key", keyPath,
                                               "--key-trust", trustPath, "--socket", socket], socket: socket,
                                   log: directory.appendingPathComponent("signer.log"))
        try await signer.start()
        var configuration = ServerConfiguration(registry: registry, policy: policyPath, signerSocket: socket)
        configuration.port = 0
        configuration.maxBodyBytes = maxBodyBytes
        configuration.authFailuresPerMinute = failuresPerMinute
        // The test client keeps its connection between calls, which a loaded machine can space out.
        configuration.headerTimeout = 120
        configure(&configuration)
        let admin = try await CredentialBootstrap.addToken(store: store, role: .admin, firmID: nil, label: "admin")
        let officer = try await CredentialBootstrap.addToken(store: store, role: .officer, firmID: nil,
                                                             label: "officer")
        return ServiceFixture(directory: directory, store: store, configuration: configuration,
                              adminToken: admin.token, officerToken: officer.token, signer: signer)
    }

    /// A token of `role` (an endorser's for `sector`), made on the registry as `greenlane-server token` does.
    func token(_ role: ServiceRole, firm: String? = nil, sector: Firm.Kind? = nil) async throws -> String {
        try await CredentialBootstrap.addToken(store: store, role: role, firmID: firm, sector: sector,
                                               label: role.rawValue).token
    }

    /// Runs `body` against the real server on 127.0.0.1 (an ephemeral port).
    func live(_ body: @escaping @Sendable (ServiceClient) async throws -> Void) async throws {
        let app = try await buildApplication(configuration, store: store)
        try await app.test(.live) { client in try await body(ServiceClient(client: client)) }
    }

    /// The signing key's trust file (greenlane-trust/2) and a revocation list it signed, due at `nextUpdate`.
    func publish(into folder: URL, issuedAt: Int64, nextUpdate: Int64, sequence: UInt64 = 1) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let key = try PrivateKey.load(path: directory.appendingPathComponent("signing.key.pem").path, passphrase: nil)
        let trust = try TrustSet(keys: [TrustedKey(publicKey: key.publicKey, label: "test issuer", issuer: "VN-HN")])
        try Data(trust.trustFile().utf8).write(to: folder.appendingPathComponent("trust.json"))
        let list = RevocationList(issuer: "VN-HN", issuedAt: issuedAt, entries: [], sequence: sequence,
                                  nextUpdate: nextUpdate)
        let signed = try PassSigner(key: key).signedRevocationList(list)
        // Renamed into place, as the export does: a reader sees the old file or the new one.
        let temporary = folder.appendingPathComponent(".revocations.tmp")
        try Data(signed).write(to: temporary)
        _ = rename(temporary.path, folder.appendingPathComponent("revocations.glr").path)
    }
}

/// JSON in and out, with a token.
struct ServiceClient: Sendable {
    let client: any TestClientProtocol

    struct Answer {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let json: [String: Any]
    }

    func call(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, body: Any? = nil,
              raw: [UInt8]? = nil, headers extra: HTTPFields = [:]) async throws -> Answer {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var buffer: ByteBuffer?
        if let raw { buffer = ByteBuffer(bytes: raw) }
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: buffer)
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any]
        return Answer(status: response.status, headers: response.headers, json: json ?? [:])
    }

    /// A firm's first dispatcher token, through an enrolment code.
    func enrolDispatcher(_ firm: String, admin: String) async throws -> String {
        let code = try await call(.post, "/v1/firms/\(firm)/enrolments", token: admin)
        #expect(code.status == .created)
        let enrolled = try await call(.post, "/v1/enrol", body: ["code": code.json["code"] as! String, "label": "An"])
        #expect(enrolled.status == .created)
        #expect(enrolled.json["firm"] as? String == firm)
        return enrolled.json["token"] as! String
    }

    /// A vehicle row the policy accepts, tested an hour ago (a telecom firm's purpose with `telecom`).
    static func vehicle(_ plate: String = "29C-123.45", telecom: Bool = false) -> [String: String] {
        ["plate": plate, "vehicleClass": "light-truck", "driverName": "Nguyễn Văn An", "driverID": "001085012345",
         "testAt": Timestamp.rfc3339(Int64(Date().timeIntervalSince1970) - 3_600),
         "purpose": telecom ? "telecom-repair" : "essential-goods", "zones": "ba-dinh"]
    }

    /// Submits `vehicles` and returns the new request's id.
    func submit(_ token: String, _ vehicles: [[String: String]]) async throws -> String {
        let submitted = try await call(.post, "/v1/requests", token: token, body: ["vehicles": vehicles])
        #expect(submitted.status == .created)
        return try #require(submitted.json["id"] as? String)
    }
}
