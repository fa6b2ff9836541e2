import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneRemote
import GreenlaneSupport
import Foundation

/// `greenlane remote …`: the issuing service's client (docs/SERVICE.md, "The client"). A dispatcher requests
/// passes with the firm's own token and downloads them; endorsers and officers decide. No secret on the command
/// line: the token is read from a credential file of mode 0600.
struct RemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Request, decide and download passes through the issuing service (greenlane-server).",
        discussion: """
            Where the server is and which credential to use: --server and --credential-file, else \
            GREENLANE_SERVER_URL and GREENLANE_CREDENTIAL_FILE, else "server" and "credentialFile" in \
            remote.json in the data folder ($GREENLANE_HOME, else ~/.config/greenlane). The credential file \
            holds the token on its first line and must have mode 0600; a token is never taken on the command \
            line. TLS is always verified; --ca trusts only the authority's CA. Plain http only to this machine, \
            with --allow-plain-http. Exit codes: 1 the server refused (forbidden, not found, already decided) or \
            rows were refused; 3 the credential, the connection or the server failed; 64 usage.
            """,
        subcommands: [
            RemoteEnrol.self, RemoteRequestCommand.self, RemoteStatus.self, RemoteDownload.self, RemoteList.self,
            RemoteDecision.Endorse.self, RemoteDecision.Approve.self, RemoteDecision.Refuse.self, RemoteRevoke.self,
        ])
}

/// The server, the credential and TLS, for every `remote` command.
struct RemoteOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The issuing service, https://HOST[:PORT][/PATH].",
        discussion: "Default: $GREENLANE_SERVER_URL, else \"server\" in remote.json.", valueName: "url"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp(
        "File of mode 0600 holding your API token on its first line.",
        discussion: "Default: $GREENLANE_CREDENTIAL_FILE, else \"credentialFile\" in remote.json.",
        valueName: "file"))
    var credentialFile: String?

    @Option(name: .long, help: ArgumentHelp(
        "Trust only this CA certificate (PEM) for the server, not the system's.",
        discussion: "Default: $GREENLANE_SERVER_CA, else \"ca\" in remote.json, else the system's CAs.",
        valueName: "file"))
    var ca: String?

    @Flag(name: .long, help: "Allow plain http, to a server on this machine only (127.0.0.1, ::1, localhost).")
    var allowPlainHTTP = false

    /// Declared only to refuse it in words: a token in argv is in `ps` and in shell history.
    @Option(name: .long, help: .hidden) var token: String?

    @Flag(name: .long, help: "JSON on standard output.")
    var json = false

    func validate() throws {
        if token != nil {
            throw ValidationError("--token is refused: a token on the command line is seen by `ps` and kept in "
                + "shell history; put it in a file of mode 0600 and give --credential-file FILE")
        }
    }

    func settings() throws -> RemoteSettings {
        try RemoteSettings.resolve(
            .init(server: server, credentialFile: credentialFile, ca: ca, allowPlainHTTP: allowPlainHTTP),
            environment: ProcessInfo.processInfo.environment)
    }

    /// Runs `body` with a client for the resolved settings, shut down afterwards.
    func client<T: Sendable>(_ body: (RemoteClient) async throws -> T) async throws -> T {
        try await RemoteClient.with(try settings(), userAgent: "greenlane-office/\(GreenlaneVersion.current)", body)
    }
}

/// How the `remote` commands print requests and their rows.
enum RemoteOutput {
    /// A request's rows for people: accepted and issued rows on standard output, refused ones on standard
    /// error with every reason and its code. `sources` names rows as the CSV did ("fleet.csv row 3").
    static func printRows(_ request: RemoteRequest, sources: [String] = []) {
        for row in request.rows {
            let source = row.index < sources.count ? sources[row.index] : "row \(row.index + 1)"
            let plate = SafeText.escaped(row.plate ?? "")
            switch row.status {
            case "refused", "not-issued":
                let reasons = row.reasons.map { "\(SafeText.escaped($0.detail)) (\(SafeText.escaped($0.code)))" }
                printError("✘ \(source): \(plate) \(row.status)" + (reasons.isEmpty ? "" : ": ")
                    + reasons.joined(separator: "; "))
            default:
                print("✔ \(source)  \(plate.padding(13)) \(SafeText.escaped(row.status))"
                    + (row.serial.map { "  \(SafeText.escaped($0))" } ?? ""))
            }
        }
    }

    static func counts(_ request: RemoteRequest) -> String {
        var counts: [String: Int] = [:]
        for row in request.rows { counts[row.status, default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    /// Bytes from the server as one line of JSON on standard output, keys sorted (re-serialised, so a server
    /// cannot put terminal controls or several lines into it).
    static func printJSON(_ bytes: [UInt8]) throws {
        let object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        printJSONObject(object)
    }

    static func printJSONObject(_ object: Any) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]))
            ?? Data("null".utf8)
        print(String(decoding: data, as: UTF8.self))
    }
}
