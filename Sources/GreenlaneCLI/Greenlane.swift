// `greenlane`, the binary a checkpoint runs. It carries only the checkpoint commands (verify, inspect, keys)
// and none of the registry's libraries (SQLite, GRDB, Foundation, CSV, libqrencode), so `greenlane verify
// CODE` starts in a few milliseconds (BENCHMARKS.md, cold start). `verify --image` opens the image reader,
// libgreenlane-scanner.so, with dlopen when first asked. Every other command is handed to greenlane-office,
// installed next to it, with the same arguments.
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
        discussion: Exit.help,
        subcommands: CheckpointCommands.all)
}

enum Office {
    static let binaryName = "greenlane-office"

    /// Whether this binary runs the command itself: a checkpoint command.
    static func runsHere(_ arguments: [String]) -> Bool {
        let commands = CheckpointCommands.all.compactMap { $0.configuration.commandName }
        guard let first = arguments.first else { return false }
        return commands.contains(first)
    }

    /// Replaces this process with greenlane-office from this binary's own folder, or from PATH when the
    /// folder cannot be known.
    static func exec(_ arguments: [String]) -> Never {
        var path = binaryName
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            let me = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = me.lastIndex(of: "/") { path = String(me[...slash]) + binaryName }
        }
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        if path.hasPrefix("/") { execv(path, &argv) } else { execvp(path, &argv) }
        let reason = String(cString: strerror(errno))
        printError(
            "greenlane: this command is run by \(binaryName), which could not be started (\(path): \(reason)); "
                + "build it with `swift build --product \(binaryName)` or install it next to greenlane")
        exit(3)
    }
}

@main
enum Greenlane {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if Office.runsHere(arguments) {
            ImageReading.reader.withLock { $0 = { path in try QRReader.read(imageAt: path) } }
            await CommandRoot.main(Checkpoint.self, arguments: arguments)
        } else {
            Office.exec(arguments)
        }
    }
}
