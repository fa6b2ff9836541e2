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

    @Test func sigtermStopsAcceptingAndFinishesTheRequestInFlight() async throws {
        let fixture = try await ServiceFixture.make()
        let process = Process()
        process.executableURL = Self.binary
        process.environment = [
            "GREENLANE_REGISTRY": fixture.configuration.registry, "GREENLANE_POLICY": fixture.configuration.policy,
            "GREENLANE_SIGNER_SOCKET": fixture.configuration.signerSocket, "GREENLANE_SERVER_PORT": "0",
            "LANG": "C.UTF-8",
        ]
        let log = fixture.directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // Port 0: the kernel's choice, read from the server's log line (a port chosen beforehand could be taken
        // by another test's server in between).
        var found: Int?
        for _ in 0..<400 where found == nil {
            let printed = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
            if let range = printed.range(of: "listening on 127.0.0.1:") {
                found = Int(printed[range.upperBound...].prefix(while: \.isNumber))
            }
            if found == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let printed = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        let port = try #require(found, "greenlane-server did not come up: \(printed)")
        #expect(try await RawConnection.call(port: port, source: "127.0.0.1", "GET", "/health").status == 200)

        // A request in flight: on a connection the server has already answered once, its head and part of its
        // body sent a second before SIGTERM arrives.
        let inFlight = try RawConnection(port: port)
        #expect(inFlight.send(Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)))
        var first: [UInt8] = []
        for _ in 0..<100 where !String(decoding: first, as: UTF8.self).hasSuffix("ok\n") {
            first += try await blocking { inFlight.readAll(timeout: 0.1) }
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
        let answer = String(decoding: try await blocking { inFlight.readAll(timeout: 10) }, as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 404"))
        #expect(answer.contains("enrolment.unknown"))
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}
