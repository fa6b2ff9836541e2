import Foundation
import GreenlaneFormat
import GreenlaneService
import GreenlaneSQLiteStore
import GreenlaneStore
import GreenlaneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// What a command printed and how it exited.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The built binaries: the test runner lives in the build folder next to them.
enum Binaries {
    static let folder: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("greenlane-office").path) {
                return folder
            }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug")
    }()
    static var greenlane: URL { folder.appendingPathComponent("greenlane") }
    static var office: URL { folder.appendingPathComponent("greenlane-office") }
}

/// Runs `binary` off Swift's cooperative threads (the server under test answers on them), with a data folder
/// of the test's own (GREENLANE_HOME) and none of this machine's GREENLANE_* settings.
func runCommand(_ binary: URL, _ arguments: [String], environment extra: [String: String] = [:],
                home: URL) async throws -> CommandResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            do {
                let process = Process()
                process.executableURL = binary
                process.arguments = arguments
                var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GREENLANE_") }
                environment["LANG"] = "C.UTF-8"
                environment["GREENLANE_HOME"] = home.path
                environment["GREENLANE_VERIFIER_STATE"] = home.appendingPathComponent("verifier-state").path
                for (key, value) in extra { environment[key] = value }
                process.environment = environment
                let out = Pipe(), err = Pipe()
                process.standardOutput = out
                process.standardError = err
                process.standardInput = FileHandle.nullDevice
                try process.run()
                let outData = out.fileHandleForReading.readToEndRetryingInterrupts()
                let errData = err.fileHandleForReading.readToEndRetryingInterrupts()
                process.waitUntilExit()
                continuation.resume(returning: CommandResult(
                    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                    stderr: String(decoding: errData, as: UTF8.self)))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

/// A CA made with the openssl CLI, and a server certificate it signs for localhost and 127.0.0.1.
struct TestAuthority {
    let caCertificate: String
    let serverCertificate: String
    let serverKey: String

    static func make(in folder: URL, name: String) throws -> TestAuthority {
        let path = { (file: String) in folder.appendingPathComponent("\(name)-\(file)").path }
        let extensions = path("server.ext")
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=\(name) test CA",
                     "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"])
        try openssl(["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                     "-CAcreateserial", "-out", path("server.pem"), "-days", "2", "-extfile", extensions])
        chmod(path("server.key"), 0o600)
        return TestAuthority(caCertificate: path("ca.pem"), serverCertificate: path("server.pem"),
                             serverKey: path("server.key"))
    }

    static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let message = err.fileHandleForReading.readToEndRetryingInterrupts()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureFailure("openssl \(arguments.first ?? "") failed: " + String(decoding: message, as: UTF8.self))
        }
    }
}

struct FixtureFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A registry with a policy around today (the server keeps the real clock), a signing key and trust file
/// made by `greenlane keys generate`, two firms, tokens in credential files of mode 0600, and a TLS
/// certificate from a CA made in the test.
struct RemoteFixture {
    let folder: URL
    let store: SQLiteStore
    var configuration: ServerConfiguration
    let authority: TestAuthority
    let trustFile: String
    let signingKey: String
    /// Killed when the fixture goes.
    let signer: SignerProcess
    let dispatcherFile: String
    let officerFile: String
    let otherFirmFile: String
    let adminToken: String

    static func make() async throws -> RemoteFixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("remote-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let now = Int64(Date().timeIntervalSince1970)
        let policyPath = try writeServicePolicy(in: folder)
        let keys = try await runCommand(Binaries.greenlane, [
            "keys", "generate", "--out", folder.path, "--name", "signing", "--issuer", "VN-HN",
            "--label", "remote test key",
        ], home: folder)
        guard keys.status == 0 else { throw FixtureFailure("keys generate: \(keys.stderr)") }
        let registry = folder.appendingPathComponent("registry.sqlite").path
        let context = try AuditContext(account: "fixture", recordedAt: now)
        let store = try await SQLiteStore.create(
            path: registry, settings: RegistrySettings(issuer: "VN-HN", station: "SGTVT", serialPrefix: "HN",
                                                       createdAt: now), context: context)
        for firm in [
            Firm(id: "VNPOST", legalName: "Bưu điện Việt Nam", kind: .postal, licence: "GP-1", createdAt: now),
            Firm(id: "VTPOST", legalName: "Viettel Post", kind: .postal, licence: "GP-2", createdAt: now),
        ] {
            try await store.addFirm(firm, context: context)
        }
        let authority = try TestAuthority.make(in: folder, name: "authority")
        // The pass key is greenlane-signer's, on a socket in a folder only this user reaches.
        let signingKey = folder.appendingPathComponent("signing.key.pem").path
        let trustFile = folder.appendingPathComponent("signing.trust.json").path
        let socketFolder = folder.appendingPathComponent("signer")
        try FileManager.default.createDirectory(at: socketFolder, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o750])
        let socket = socketFolder.appendingPathComponent("signer.sock").path
        let signer = SignerProcess(arguments: ["--registry", registry, "--policy", policyPath, "--key", signingKey,
                                               "--key-trust", trustFile, "--socket", socket], socket: socket,
                                   log: folder.appendingPathComponent("signer.log"))
        try await signer.start()
        var configuration = ServerConfiguration(registry: registry, policy: policyPath, signerSocket: socket)
        configuration.port = 0
        configuration.tlsCertificate = authority.serverCertificate
        configuration.tlsKey = authority.serverKey
        func tokenFile(_ name: String, _ role: ServiceRole, _ firm: String?) async throws -> String {
            let made = try await CredentialBootstrap.addToken(store: store, role: role, firmID: firm, label: name)
            let path = folder.appendingPathComponent("\(name).token").path
            try writePrivate(made.token + "\n", to: path)
            return path
        }
        let admin = try await CredentialBootstrap.addToken(store: store, role: .admin, firmID: nil, label: "admin")
        return RemoteFixture(
            folder: folder, store: store, configuration: configuration, authority: authority,
            trustFile: trustFile, signingKey: signingKey, signer: signer,
            dispatcherFile: try await tokenFile("vnpost-dispatcher", .dispatcher, "VNPOST"),
            officerFile: try await tokenFile("officer", .officer, nil),
            otherFirmFile: try await tokenFile("vtpost-dispatcher", .dispatcher, "VTPOST"), adminToken: admin.token)
    }

    /// Runs `body` with the real server serving TLS on 127.0.0.1 (an ephemeral port), given its https URL and
    /// a test client (which does not verify the certificate: it only sets things up, as an administrator).
    func live(_ body: @escaping @Sendable (_ url: String, _ client: any TestClientProtocol) async throws -> Void)
        async throws
    {
        let app = try await buildApplication(configuration, store: store)
        try await app.test(.ahc(.https)) { client in
            let port = try #require(client.port)
            try await body("https://localhost:\(port)", client)
        }
    }

    /// `greenlane remote …` (through the lean binary's hand-over) as the VNPOST dispatcher, trusting the
    /// authority's CA, unless the arguments say otherwise.
    func remote(_ arguments: [String], credential: String? = nil, binary: URL = Binaries.greenlane,
                url: String, ca: String? = nil) async throws -> CommandResult {
        try await runCommand(binary, ["remote"] + arguments + [
            "--server", url, "--credential-file", credential ?? dispatcherFile, "--ca", ca ?? authority.caCertificate,
        ], home: folder)
    }
}

func writePrivate(_ text: String, to path: String) throws {
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
    chmod(path, 0o600)
}

/// A vehicle the policy accepts, as `remote request` flags, tested an hour ago.
func vehicleFlags(_ plate: String = "29C-123.45") -> [String] {
    ["--plate", plate, "--class", "light-truck", "--driver-name", "Nguyễn Văn An", "--driver-id", "001085012345",
     "--test-at", Timestamp.rfc3339(Int64(Date().timeIntervalSince1970) - 3_600), "--purpose", "essential-goods",
     "--zones", "ba-dinh"]
}
