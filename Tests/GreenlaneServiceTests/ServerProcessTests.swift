import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The built `greenlane-server` as a real process: what only a process can show.
@Suite struct ServerProcessTests {
    /// The server binary, next to the test runner in the build folder.
    static let binary: URL = {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("greenlane-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/greenlane-server")
    }()

    /// A port nothing listens on now (the kernel's choice for an ephemeral bind, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw RawError("no free port: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func sigtermStopsAcceptingAndFinishesTheRequestInFlight() async throws {
        let fixture = try await ServiceFixture.make()
        let port = try Self.freePort()
        let process = Process()
        process.executableURL = Self.binary
        process.environment = [
            "GREENLANE_REGISTRY": fixture.configuration.registry, "GREENLANE_POLICY": fixture.configuration.policy,
            "GREENLANE_SIGNING_KEY": fixture.configuration.signingKey, "GREENLANE_SERVER_PORT": String(port),
            "LANG": "C.UTF-8",
        ]
        let log = fixture.directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var up = false
        for _ in 0..<200 where !up {
            up = (try? RawConnection.call(port: port, source: "127.0.0.1", "GET", "/health").status) == 200
            if !up { try await Task.sleep(for: .milliseconds(50)) }
        }
        let printed = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        try #require(up, "greenlane-server did not come up: \(printed)")

        // A request in flight: on a connection the server has already answered once, its head and part of its
        // body sent a second before SIGTERM arrives.
        let inFlight = try RawConnection(port: port)
        #expect(inFlight.send(Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)))
        var first: [UInt8] = []
        for _ in 0..<100 where !String(decoding: first, as: UTF8.self).hasSuffix("ok\n") {
            first += inFlight.readAll(timeout: 0.1)
        }
        #expect(String(decoding: first, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        let body = Array(#"{"code": "gle_000000000000000000000000000000000000000000000000"}"#.utf8)
        let head = "POST /v1/enrol HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        #expect(inFlight.send(Array(head.utf8) + body.prefix(10)))
        try await Task.sleep(for: .seconds(1))
        kill(process.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(500))
        #expect(process.isRunning, "the server exited with a request in flight")
        #expect((try? RawConnection(port: port)) == nil, "the server still accepts connections after SIGTERM")

        #expect(inFlight.send(Array(body.dropFirst(10))))
        let answer = String(decoding: inFlight.readAll(timeout: 10), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 404"))
        #expect(answer.contains("enrolment.unknown"))
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}
