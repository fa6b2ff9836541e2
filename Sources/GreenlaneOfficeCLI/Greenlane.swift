import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneQR
import GreenlaneScanner

/// greenlane-office: every command, the registry's included. `greenlane` runs the checkpoint commands itself
/// and hands everything else here (see Sources/GreenlaneCLI/main.swift).
@main
struct Greenlane: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "greenlane",
        abstract: "Priority-vehicle passes for the green lane: issue, verify offline, audit.",
        discussion: Exit.help,
        subcommands: CheckpointCommands.all + [
            RegistryCommand.self, FirmCommand.self, VehicleCommand.self, Issue.self, Show.self, Revoke.self, Revocations.self, Renew.self, List.self,
            Stats.self, Log.self,
        ])

    static func main() async {
        ImageReading.reader.withLock { $0 = { path in try QRReader.read(imageAt: path) } }
        await CommandRoot.main(Self.self)
    }
}
