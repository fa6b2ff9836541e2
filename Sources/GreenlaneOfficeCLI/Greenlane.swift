import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneQR
import GreenlaneScanner
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// greenlane-office: every command, the registry's included. `greenlane` runs the checkpoint commands itself
/// and hands everything else here (see Sources/GreenlaneCLI/Greenlane.swift).
@main
struct Greenlane: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "greenlane",
        abstract: "Priority-vehicle passes for the green lane: issue, verify offline, audit.",
        discussion: Exit.help,
        version: GreenlaneVersion.current,
        subcommands: CheckpointCommands.all + [
            RegistryCommand.self, FirmCommand.self, VehicleCommand.self, Issue.self, Show.self, Revoke.self, Revocations.self, Renew.self, List.self,
            Stats.self, Log.self, RemoteCommand.self,
        ])

    static func main() async {
        // Handed over by a `greenlane` of another release: refuse rather than run with mismatched rules.
        if let sender = environment(GreenlaneVersion.handOverVariable) {
            unsetenv(GreenlaneVersion.handOverVariable)
            if sender != GreenlaneVersion.current {
                await CommandRoot.run(Self.self) {
                    throw CLIError(
                        .missing,
                        "greenlane \(sender) handed this command to greenlane-office \(GreenlaneVersion.current); "
                            + "the two must be the same version: install both from one package")
                }
            }
        }
        ImageReading.reader.withLock { $0 = { path in try QRReader.read(imageAt: path) } }
        await CommandRoot.main(Self.self)
    }
}
