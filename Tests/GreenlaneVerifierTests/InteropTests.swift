import GreenlaneTestSupport
import Foundation
import Testing

/// Interoperability with an independent COSE/CWT implementation (python-cwt, cbor2, base45, zlib): the scripts
/// in Tests/Interop/ verify greenlane's samples in python, issue passes with python-cwt for greenlane to verify,
/// and measure a comparable python-cwt pass. Missing python packages make these tests fail, never skip.
@Suite struct InteropTests {
    @Test func pythonVerifiesTheSamplesIndependently() throws {
        var arguments = ["verify_samples.py"]
        if let binary = Interop.greenlaneBinary() { arguments += ["--greenlane", binary.path] }
        let run = try Interop.python(arguments)
        print(run.stdout)
        guard Interop.packagesPresent(run) else { return }
        #expect(run.status == 0, "verify_samples.py failed:\n\(run.stdout)\(run.stderr)")
        let summary = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasSuffix(" passed, 0 failed"), "summary: \(summary)")
        #expect(!summary.hasPrefix("0 passed"), "python checked no sample")
    }

    @Test func greenlaneAcceptsPassesIssuedWithPythonCWT() throws {
        let run = try Interop.python(["make_python_pass.py"])
        guard Interop.packagesPresent(run) else { return }
        try #require(run.status == 0, "make_python_pass.py failed:\n\(run.stdout)\(run.stderr)")
        let output = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
            "make_python_pass.py printed no JSON object")
        let passes = try #require(output["passes"] as? [[String: Any]])
        #expect(passes.count >= 2)
        #expect(Set(passes.compactMap { $0["alg"] as? String }) == ["ES256", "EdDSA"])

        guard let binary = Interop.greenlaneBinary() else {
            Issue.record(
                """
                greenlane binary not found next to the test runner (\(CommandLine.arguments[0])) nor at \
                .build/debug/greenlane: build it with `swift build --product greenlane`
                """)
            return
        }
        for pass in passes {
            let name = pass["name"] as? String ?? "?"
            let code = try #require(pass["code"] as? String)
            let at = try #require(pass["at"] as? String), zone = try #require(pass["zone"] as? String)
            print("\(name): \(pass["characters"] ?? "?") characters: \(code)")

            let result = try Interop.run(
                binary, ["verify", code, "--trust", "Keys/demo-trust.json", "--at", at, "--zone", zone, "--json",
                         "--training", "--waive-revocations"])
            #expect(result.status == 0, "\(name): greenlane verify exited \(result.status)\n\(result.stdout)\(result.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(json?["accepted"] as? Bool == true, "\(name): \(result.stdout)")
            #expect(json?["signatureVerified"] as? Bool == true, "\(name): \(result.stdout)")
            #expect(json?["verdict"] as? String == "valid", "\(name): \(result.stdout)")
            #expect(json?["kid"] as? String == pass["kid"] as? String, "\(name)")
            let fields = json?["pass"] as? [String: Any]
            #expect(fields?["serial"] as? String == pass["serial"] as? String, "\(name)")
            #expect(fields?["plate"] as? String == pass["plate"] as? String, "\(name)")

            // Control: the same pass at a checkpoint outside its districts must be refused, so the acceptance
            // above means something.
            let control = try Interop.run(
                binary, ["verify", code, "--trust", "Keys/demo-trust.json", "--at", at, "--zone", "my-duc", "--training"])
            #expect(control.status == 1, "\(name): expected wrong-zone (exit 1), got \(control.status)")
        }
    }

    @Test func typicalPassIsSmallerThanPythonCWTDefaults() throws {
        let run = try Interop.python(["python_cwt_size.py"])
        guard Interop.packagesPresent(run) else { return }
        try #require(run.status == 0, "python_cwt_size.py failed:\n\(run.stdout)\(run.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
            "python_cwt_size.py printed no JSON object")
        let ours = try #require(report["ours"] as? [String: Any])
        let theirs = try #require(report["python_cwt"] as? [String: Any])
        let ourCharacters = try #require(ours["characters"] as? Int)
        let ourVersion = try #require(ours["qr_version_m"] as? Int)
        let theirCharacters = try #require(theirs["characters"] as? Int)
        let theirVersion = theirs["qr_version_m"] as? Int

        print(
            """
            typical pass (valid-es256): greenlane \(ourCharacters) characters, QR version \(ourVersion)-M; \
            python-cwt defaults \(theirCharacters) characters, QR version \(theirVersion.map(String.init) ?? ">20")-M \
            (\(theirs["cose_bytes"] ?? "?") COSE bytes against \(ours["cose_bytes"] ?? "?"))
            """)
        if let variants = report["variants"] as? [String: [String: Any]] {
            for (name, variant) in variants.sorted(by: { $0.key < $1.key }) {
                print("  \(name): \(variant["characters"] ?? "?") characters, QR version \(variant["qr_version_m"] ?? "?")-M")
            }
        }

        let sample = try String(contentsOf: Interop.root.appendingPathComponent("Samples/codes/valid-es256.txt"), encoding: .utf8)
        #expect(ourCharacters == sample.trimmingCharacters(in: .whitespacesAndNewlines).count)
        #expect(ourCharacters <= 311, "the typical pass no longer fits QR version 10 at level M")
        #expect(ourVersion <= 10)
        #expect(ourCharacters < theirCharacters)
        // Measured: python-cwt's defaults need version 12 (about 409 characters: zlib over a random ECDSA signature
        // varies by a few); assert only that ours needs a smaller symbol.
        #expect(ourVersion < (theirVersion ?? Int.max), "python-cwt's pass no longer needs a larger QR symbol")
    }
}

/// Runs the python scripts and the greenlane binary. Namespaced: other files of this target define helpers.
enum Interop {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let missingPackagesStatus: Int32 = 3

    /// The repository root, three levels up from this file.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let scripts = root.appendingPathComponent("Tests/Interop")

    /// Runs `python3 Tests/Interop/SCRIPT ARGS...` from the repository root.
    static func python(_ arguments: [String]) throws -> Result {
        var arguments = arguments
        arguments[0] = scripts.appendingPathComponent(arguments[0]).path
        do {
            return try run(URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + arguments)
        } catch {
            Issue.record("cannot run python3 (\(error)): install python3, then pip install cwt base45; .ci/run does this")
            throw error
        }
    }

    /// False, with a recorded issue, when python3 lacks cwt, cbor2, base45 or cryptography.
    static func packagesPresent(_ result: Result, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard result.status == missingPackagesStatus else { return true }
        Issue.record(
            "python3 lacks packages the interop tests need: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))",
            sourceLocation: sourceLocation)
        return false
    }

    /// The built `greenlane`: next to the test runner (walking up from its folder), else .build/debug/greenlane.
    static func greenlaneBinary() -> URL? {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        while folder.path != "/" && !folder.path.isEmpty {
            let candidate = folder.appendingPathComponent("greenlane")
            if isExecutableFile(candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        let fallback = root.appendingPathComponent(".build/debug/greenlane")
        return isExecutableFile(fallback) ? fallback : nil
    }

    private static func isExecutableFile(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: url.path)
    }

    static func run(_ executable: URL, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = root
        var environment = ProcessInfo.processInfo.environment
        environment["LANG"] = "C.UTF-8"
        environment["PYTHONIOENCODING"] = "utf-8"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read stderr on another thread so neither pipe can fill up and block the child.
        let errorBox = DataBox(), done = DispatchSemaphore(value: 0)
        let errorHandle = err.fileHandleForReading
        DispatchQueue.global().async {
            errorBox.data = errorHandle.readToEndRetryingInterrupts()
            done.signal()
        }
        let outData = out.fileHandleForReading.readToEndRetryingInterrupts()
        done.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errorBox.data, as: UTF8.self))
    }

    private final class DataBox: @unchecked Sendable {
        var data = Data()
    }
}
