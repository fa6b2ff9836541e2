public import Foundation
import GreenlaneSigning
#if canImport(Glibc)
import Glibc
#endif

/// greenlane-signer as a child process: started, killed with SIGKILL (a crash, as the kill drill does), started
/// again; killed when the fixture goes.
public final class SignerProcess: @unchecked Sendable {
    // Only the test's own task touches `process`; @unchecked because Foundation's Process is not Sendable.
    public let arguments: [String]
    public let socket: String
    public let log: URL
    private var process: Process?

    public init(arguments: [String], socket: String, log: URL) {
        self.arguments = arguments
        self.socket = socket
        self.log = log
    }

    public static let binary: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("greenlane-signer")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/greenlane-signer")
    }()

    /// Starts it and waits until it answers a ping on its socket (10 s at most).
    public func start() async throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "GREENLANE_CLOCK" }
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        let offset = handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        self.process = process
        let client = SignerClient(socketPath: socket)
        func written() -> String {
            let data = (try? Data(contentsOf: log)) ?? Data()
            return String(decoding: data.dropFirst(Int(offset)), as: UTF8.self)
        }
        // Its own "listening" line, then a ping: another signer answering on the same socket does not count.
        for _ in 0..<200 {
            guard process.isRunning else { break }
            if written().contains("listening on"), let answer = try? await client.send(.ping), answer.ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        self.process = nil
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        let text = written()
        throw SignerError(.unavailable, "greenlane-signer did not start: \(text)")
    }

    /// SIGKILL, and waits for it to be gone.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        if let process, process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

