import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneRemote
import GreenlaneSupport

/// `greenlane remote status ID`: a request and each row's answer.
struct RemoteStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a request and every row's answer (accepted, refused, issued).")

    @Argument(help: "Request id, as `remote request` printed it (rq-…).") var id: String
    @OptionGroup var remote: RemoteOptions

    mutating func run() async throws {
        let (id, remote) = (self.id, self.remote)
        try await remote.client { client in
            let (request, json) = try await client.request(id)
            if remote.json { return try RemoteOutput.printJSON(json) }
            print("\(request.id) \(request.status)" + (request.createdAt.map { "  created \($0)" } ?? "")
                + (request.decidedAt.map { "  decided \($0)" } ?? ""))
            RemoteOutput.printRows(request)
            printError("request \(request.id) \(request.status): \(RemoteOutput.counts(request))")
        }
    }
}

/// `greenlane remote download ID`: the pass codes of a request's issued rows, printed or written as files.
struct RemoteDownload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download", abstract: "Download the passes of a request's issued rows.",
        discussion: """
            Without --out, prints one code per line on standard output (`greenlane verify` reads them). With \
            --out DIR, writes SERIAL.txt, SERIAL.png, SERIAL.svg and SERIAL.card.svg (mode 0600) and prints \
            their names. Exits 1 when the request has no issued row yet.
            """)

    @Argument(help: "Request id (rq-…).") var id: String
    @Option(name: .long, help: "Write each pass's code, QR images and card into this folder.") var out: String?
    @OptionGroup var remote: RemoteOptions

    mutating func run() async throws {
        if let out { try FileWriter.checkFolder(out, flag: "--out") }
        let (id, remote, out) = (self.id, self.remote, self.out)
        let count = try await remote.client { client in
            let download = try await client.codes(id)
            let files = try out.map { try RemotePassFiles(folder: $0).write(download) } ?? []
            if remote.json {
                RemoteOutput.printJSONObject([
                    "id": download.id, "status": download.status, "files": files,
                    "codes": download.codes.map { ["serial": $0.serial, "code": $0.code] },
                ] as [String: Any])
            } else if out != nil {
                for file in files { print(file) }
            } else {
                for item in download.codes { print(item.code) }
            }
            if !remote.json {
                printError("request \(download.id) \(download.status): \(download.codes.count) pass(es)"
                    + (download.codes.isEmpty ? "" : " (" + download.codes.map(\.serial).joined(separator: ", ") + ")")
                    + (out.map { " written to \($0)" } ?? ""))
            }
            return download.codes.count
        }
        if count == 0 {
            printError("greenlane: request \(id) has no issued pass yet (`greenlane remote status \(id)`)")
            throw Exit.rejected
        }
    }
}
