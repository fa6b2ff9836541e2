import GreenlaneTestSupport
import Foundation
import GreenlaneCheckpointCLI
import Testing

/// Item 2 of issue 9: `--version` from one place; `greenlane` alone answers help, no arguments and unknown
/// commands; it hands a command only to a greenlane-office of its own version.
@Suite struct VersionAndHelpTests {
    /// Runs `binary` with a bare environment (no PATH to find a greenlane-office elsewhere).
    func run(_ binary: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
        try GreenlaneCLITests.run(
            binary, arguments,
            environment: ["PATH": "/nonexistent", "GREENLANE_HOME": privateDataFolder.path].merging(environment) { $1 },
            inherit: false)
    }

    /// A folder holding only a copy of the checkpoint binary, as on a checkpoint machine.
    func aloneInAFolder() throws -> URL {
        let alone = try temporaryDirectory().appendingPathComponent("greenlane")
        try FileManager.default.copyItem(at: greenlaneBinary, to: alone)
        return alone
    }

    var officeBinary: URL { greenlaneBinary.deletingLastPathComponent().appendingPathComponent("greenlane-office") }

    @Test func bothBinariesPrintTheOneVersion() throws {
        for binary in [greenlaneBinary, officeBinary] {
            let result = try run(binary, ["--version"])
            #expect(result.status == 0)
            #expect(result.stdout == GreenlaneVersion.current + "\n", "\(binary.lastPathComponent)")
        }
        // scripts/package.sh reads the version from the same line.
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent(
            "Sources/GreenlaneCheckpointCLI/Version.swift"), encoding: .utf8)
        #expect(source.contains("static let current = \"\(GreenlaneVersion.current)\""))
    }

    @Test func aloneItAnswersHelpNoArgumentsAndUnknownCommands() throws {
        let alone = try aloneInAFolder()
        for arguments in [["--help"], ["help"], ["-h"]] {
            let help = try run(alone, arguments)
            #expect(help.status == 0, "\(arguments): \(help.stderr)")
            for command in ["keys", "setup", "verify", "inspect"] + CheckpointCommands.office.map(\.name) {
                #expect(help.stdout.contains("\n  \(command) "), "\(arguments) does not list \(command)")
            }
            #expect(help.stdout.contains("64  usage error"))
        }
        let short = try run(alone, [])
        #expect(short.status == 0)
        #expect(short.stdout.contains("usage: greenlane setup"))
        #expect(short.stdout.contains("greenlane verify [CODE]"))
        #expect(short.stdout.split(separator: "\n").count < 12, "no arguments: a short usage")
        let unknown = try run(alone, ["frobnicate"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("frobnicate"))
        #expect(!unknown.stderr.contains("greenlane-office"))
        let verifyHelp = try run(alone, ["help", "verify"])
        #expect(verifyHelp.status == 0)
        #expect(verifyHelp.stdout.contains("--trust"))
    }

    @Test func theOfficeListInTheLeanHelpIsGreenlaneOfficesOwn() throws {
        let office = try run(officeBinary, ["--help"]).stdout
        let section = office.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        let names = section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
        let checkpoint = CheckpointCommands.all.compactMap { $0.configuration.commandName }
        #expect(Set(names.filter { !checkpoint.contains($0) && $0 != "See" && $0 != "help" })
            == Set(CheckpointCommands.office.map(\.name)))
    }

    @Test func itHandsOverOnlyToAGreenlaneOfficeOfItsOwnVersion() throws {
        // greenlane tells greenlane-office its version ...
        let alone = try aloneInAFolder()
        let fake = alone.deletingLastPathComponent().appendingPathComponent("greenlane-office")
        try "#!/bin/sh\necho \"handed over by $GREENLANE_HANDED_OVER_BY: $*\"\n".write(
            to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let handed = try run(alone, ["list", "--limit", "3"])
        #expect(handed.stdout == "handed over by \(GreenlaneVersion.current): list --limit 3\n")
        // `verify --image` is the checkpoint's own (libgreenlane-scanner.so): never handed over.
        let image = try run(alone, ["verify", "--image", "x.png", "--trust", "Keys/demo-trust.json"])
        #expect(!image.stdout.contains("handed over"))
        // ... and greenlane-office refuses a command handed over by another version, saying both.
        let folder = try temporaryDirectory()
        let registry = folder.appendingPathComponent("r.sqlite").path
        let initialised = try run(officeBinary, ["registry", "init", "--policy", "Samples/policy.json",
                                                 "--registry", registry])
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let firms = ["firm", "list", "--registry", registry]
        let other = try run(officeBinary, firms, environment: ["GREENLANE_HANDED_OVER_BY": "0.1.0"])
        #expect(other.status == 3)
        #expect(other.stderr.contains(
            "greenlane 0.1.0 handed this command to greenlane-office \(GreenlaneVersion.current)"))
        #expect(other.stdout.isEmpty)
        let same = try run(officeBinary, firms, environment: ["GREENLANE_HANDED_OVER_BY": GreenlaneVersion.current])
        #expect(same.status == 0, "\(same.stderr)")
    }
}
