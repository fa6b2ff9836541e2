import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneRemote
import GreenlaneSupport

/// `greenlane remote list`: the caller's own permits (a dispatcher's firm's; all for officers and auditors),
/// with when each expires.
struct RemoteList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List your firm's permits on the service, with their expiry and state.",
        discussion: "One line per permit (serial, plate, valid until, state); --json: one object per line.")

    @Option(name: .long, help: "Only permits expiring before this time (RFC 3339).") var expiringBefore: String?
    @Option(name: .long, help: "Permits per page fetched (1-1000).") var pageSize = 500
    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        guard (1...1_000).contains(pageSize) else { throw ValidationError("--page-size must be 1-1000") }
        if let expiringBefore { _ = try parseTime(expiringBefore, flag: "--expiring-before") }
    }

    mutating func run() async throws {
        let (remote, pageSize, expiringBefore) = (self.remote, self.pageSize, self.expiringBefore)
        let total = try await remote.client { client in
            var after: String?
            var total = 0
            repeat {
                let page = try await client.permits(after: after, limit: pageSize, expiringBefore: expiringBefore)
                for permit in page.permits {
                    if remote.json {
                        try RemoteOutput.printJSON(permit.json)
                    } else {
                        print(SafeText.escaped(permit.serial).padding(12) + " "
                            + SafeText.escaped(permit.plate ?? "").padding(13) + " "
                            + SafeText.escaped(permit.validUntil ?? "").padding(25) + " "
                            + SafeText.escaped(permit.state ?? ""))
                    }
                }
                total += page.permits.count
                guard page.next != after else { break }  // a server that repeats its cursor must not loop us
                after = page.next
            } while after != nil
            return total
        }
        if !remote.json { printError("\(total) permit(s)") }
    }
}
