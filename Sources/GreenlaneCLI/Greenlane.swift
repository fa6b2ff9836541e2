// `greenlane`, the binary a checkpoint runs. It carries only the checkpoint commands (setup, verify, inspect,
// keys) and none of the registry's libraries (SQLite, GRDB, Foundation, CSV, libqrencode), so `greenlane verify
// CODE` starts in a few milliseconds (BENCHMARKS.md, cold start). `verify --image` opens the image reader,
// libgreenlane-scanner.so, with dlopen when first asked. It answers help, version, no arguments and unknown
// commands itself; the office commands are handed to the greenlane-office installed next to it, which refuses
// them unless it is of the same version.
import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneScanner

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Checkpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "greenlane",
        abstract: "Priority-vehicle passes for the green lane: issue, verify offline, audit.",
        discussion: CheckpointCommands.officeHelp + "\n\n" + Exit.help,
        version: GreenlaneVersion.current,
        subcommands: CheckpointCommands.all)

    /// What `greenlane` alone prints: the few forms a checkpoint uses.
    static let shortUsage = """
        greenlane \(GreenlaneVersion.current): green-lane passes, checked offline

        usage: greenlane setup --zone DISTRICT --trust FILE [--revocations FILE]   (once per checkpoint)
               greenlane verify [CODE]      check a pass; without CODE, one per line from a scanner
               greenlane inspect CODE       decode a pass without checking it
               greenlane keys list --trust FILE
               greenlane --help             every command, the exit codes; greenlane help COMMAND

        """
}

enum Office {
    static let binaryName = "greenlane-office"

    /// Whether greenlane-office runs the command: an office command, or help for one.
    static func runsThere(_ arguments: [String]) -> Bool {
        let office = Set(CheckpointCommands.office.map(\.name))
        guard let first = arguments.first else { return false }
        if office.contains(first) { return true }
        if first == "help", arguments.count > 1 { return office.contains(arguments[1]) }
        return false
    }

    /// Replaces this process with greenlane-office from this binary's own folder, or from PATH when the
    /// folder cannot be known. greenlane-office refuses to run unless it is this binary's version.
    static func exec(_ arguments: [String]) async -> Never {
        var path = binaryName
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            let me = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = me.lastIndex(of: "/") { path = String(me[...slash]) + binaryName }
        }
        setenv(GreenlaneVersion.handOverVariable, GreenlaneVersion.current, 1)
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        if path.hasPrefix("/") { execv(path, &argv) } else { execvp(path, &argv) }
        let reason = String(cString: strerror(errno))
        await CommandRoot.run(Checkpoint.self) {
            throw CLIError(
                .missing,
                "this command is run by \(binaryName), which could not be started (\(path): \(reason)); "
                    + "install greenlane-office \(GreenlaneVersion.current) next to greenlane, or build it with "
                    + "`swift build --product \(binaryName)`")
        }
    }
}

@main
enum Greenlane {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let request = VerifyFastPath.parse(arguments) {
            await CommandRoot.run(Checkpoint.self) { try request.run() }
        }
        if arguments.isEmpty {
            writeAll(1, Checkpoint.shortUsage)
            exit(0)
        }
        if Office.runsThere(arguments) { await Office.exec(arguments) }
        ImageReading.reader.withLock { $0 = { path in try QRReader.read(imageAt: path) } }
        // Checkpoint commands, help, --version, completions; anything else is a usage error (64).
        await CommandRoot.main(Checkpoint.self, arguments: arguments)
    }
}
