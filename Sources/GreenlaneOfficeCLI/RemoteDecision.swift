import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneRemote
import GreenlaneSupport

/// `greenlane remote endorse|approve|refuse ID…`: an endorser's or officer's decision. One id goes to
/// `POST /v1/requests/{id}/{decision}`; several go to `POST /v1/decisions` as one action.
enum RemoteDecision {
    struct Endorse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "endorse", abstract: "Endorse requests (the sector department of the firm).")
        @Argument(help: "Request ids (rq-…).") var ids: [String]
        @Option(name: .long, help: "A note for the record (one line).") var note: String?
        @OptionGroup var remote: RemoteOptions

        func validate() throws { try RemoteDecision.check(ids, note: note) }
        mutating func run() async throws {
            try await RemoteDecision.run("endorse", ids, reason: nil, note: note, remote: remote)
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve", abstract: "Approve requests: their accepted rows are signed and issued (officer).",
            discussion: "Exits 1 when a row could not be issued at approval (the registry refused it then).")
        @Argument(help: "Request ids (rq-…).") var ids: [String]
        @OptionGroup var remote: RemoteOptions

        func validate() throws { try RemoteDecision.check(ids, note: nil) }
        mutating func run() async throws {
            try await RemoteDecision.run("approve", ids, reason: nil, note: nil, remote: remote)
        }
    }

    struct Refuse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refuse", abstract: "Refuse requests, with a reason code (endorser or officer).")
        @Argument(help: "Request ids (rq-…).") var ids: [String]
        @Option(name: .long, help: ArgumentHelp("Why, as a code the service knows.", valueName: "code"))
        var reason: String
        @Option(name: .long, help: "A note for the record (one line; one request only).") var note: String?
        @OptionGroup var remote: RemoteOptions

        func validate() throws {
            try RemoteDecision.check(ids, note: note)
            guard (1...64).contains(reason.utf8.count), reason.unicodeScalars.allSatisfy({
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "."
            }) else {
                throw ValidationError("--reason must be a code (lower-case letters, digits, '-', '.'); "
                    + "put any explanation in --note")
            }
        }
        mutating func run() async throws {
            try await RemoteDecision.run("refuse", ids, reason: reason, note: note, remote: remote)
        }
    }

    static func check(_ ids: [String], note: String?) throws {
        guard !ids.isEmpty else { throw ValidationError("give at least one request id") }
        guard ids.count <= 10_000 else { throw ValidationError("at most 10000 request ids in one decision") }
        if let note {
            try checkOneLine(note, "--note", maxLength: 1_000)
            guard ids.count == 1 else { throw ValidationError("--note goes with one request id only") }
        }
    }

    static func run(_ decision: String, _ ids: [String], reason: String?, note: String?, remote: RemoteOptions)
        async throws
    {
        let unissued = try await remote.client { client -> Int in
            guard ids.count == 1 else {
                let json = try await client.decide(decision, requests: ids, reason: reason)
                if remote.json { try RemoteOutput.printJSON(json) } else {
                    printError("\(decision): \(ids.count) requests decided in one action")
                }
                return 0
            }
            let (request, json) = try await client.decide(decision, request: ids[0], reason: reason, note: note)
            if remote.json { try RemoteOutput.printJSON(json) } else {
                print("\(request.id) \(request.status)")
                RemoteOutput.printRows(request)
                printError("request \(request.id) \(request.status): \(RemoteOutput.counts(request))")
            }
            return request.rows.filter { $0.status == "not-issued" }.count
        }
        if unissued > 0 { throw Exit.rejected }
    }
}
