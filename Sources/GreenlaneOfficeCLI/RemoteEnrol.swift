import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneRemote
import GreenlaneSupport

/// `greenlane remote enrol`: a firm's one-time enrolment code, handed over out of band, exchanged for the
/// firm's first dispatcher token, which goes straight into the credential file (mode 0600, never overwritten)
/// and is never printed.
struct RemoteEnrol: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrol", abstract: "Exchange the firm's enrolment code for a token, saved to the credential file.",
        discussion: """
            Reads the code (gle_…) from --code-file (mode 0600) or, without it, the first line of standard \
            input. The token is written to the credential file (--credential-file, GREENLANE_CREDENTIAL_FILE or \
            remote.json), which must not exist yet; it is not shown. A code works once.
            """)

    @Option(name: .long, help: "File (mode 0600) holding the enrolment code; default: standard input.")
    var codeFile: String?
    @Option(name: .long, help: "Who this credential is for, for the registry's records (one line).")
    var label = "first dispatcher"
    @OptionGroup var remote: RemoteOptions

    func validate() throws { try checkOneLine(label, "--label", maxLength: 200) }

    mutating func run() async throws {
        let settings = try remote.settings()
        if FileReader.mode(of: settings.credentialFile) != nil {
            throw RemoteError(.configuration, "credential file \(settings.credentialFile) exists; enrol writes a "
                + "new one and never overwrites (move the old one away first)")
        }
        let code: String
        if let codeFile {
            code = try readText(codeFile, what: "enrolment code file", limit: 4_096, secret: true)
        } else {
            code = readLine(strippingNewline: true) ?? ""
        }
        let trimmed = String((code.split(separator: "\n").first ?? "").filter { !$0.isWhitespace })
        guard !trimmed.isEmpty else { throw RemoteError(.usage, "no enrolment code was given") }
        let (label, json) = (self.label, remote.json)
        let made = try await RemoteClient.with(settings, userAgent: "greenlane-office/\(GreenlaneVersion.current)",
                                               anonymous: true) { client in
            try await client.enrol(code: trimmed, label: label)
        }
        try FileWriter.write(Array((made.token + "\n").utf8), to: settings.credentialFile,
                             mode: FileWriter.privateMode, existing: .refuse)
        if json {
            RemoteOutput.printJSONObject(["credential": made.credential, "firm": made.firm,
                                          "credentialFile": settings.credentialFile])
        } else {
            printError("enrolled \(SafeText.escaped(made.firm)): credential \(SafeText.escaped(made.credential)), "
                + "token saved to \(settings.credentialFile) (mode 0600)")
        }
    }
}
