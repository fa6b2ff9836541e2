import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneFormat
import GreenlaneRemote
import GreenlaneSupport

/// `greenlane remote revoke SERIAL --reason CODE`: asks the service to revoke a permit (a dispatcher its own
/// firm's, for lost, stolen or off-duty; an officer any, for any reason code).
struct RemoteRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a permit through the service.",
        discussion: "A dispatcher may revoke its own firm's permits for lost, stolen or off-duty; an officer any "
            + "permit for any of the codes below.\n" + Greenlane.Revoke.reasonTable)

    @Argument(help: "Serial, e.g. HN-000123.") var serial: String
    @Option(name: .long, help: ArgumentHelp(
        "Why, as a code: " + RevocationReason.manual.map(\.code).joined(separator: ", ") + ".", valueName: "code"))
    var reason: String
    @Option(name: .long, help: "Free text for the registry's records (one line); never sent to checkpoints.")
    var note: String?
    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        guard let code = RevocationReason(known: reason), !RevocationReason.engineOnly.contains(code) else {
            throw ValidationError("--reason must be one of "
                + RevocationReason.manual.map(\.code).joined(separator: ", ") + "; put any explanation in --note")
        }
        if let note { try checkOneLine(note, "--note", maxLength: 1_000) }
    }

    mutating func run() async throws {
        let (serial, reason, note, remote) = (self.serial, self.reason, self.note, self.remote)
        try await remote.client { client in
            let json = try await client.revoke(serial: serial, reason: reason, note: note)
            if remote.json { try RemoteOutput.printJSON(json) } else {
                printError("revoked \(serial) (\(reason)); checkpoints refuse it once they load the next "
                    + "revocation list")
            }
        }
    }
}
