import GreenlaneCheckpointCLI
import Testing

/// Item 5 of issue 9: the hand-written parser behind `greenlane verify CODE`'s cold start parses every form it
/// accepts exactly as ArgumentParser does, and leaves every other form to ArgumentParser.
@Suite struct VerifyFastPathTests {
    typealias Verify = CheckpointCommands.Verify

    /// Code-shaped text with the spaces real codes have; neither parser decodes it.
    static let code = "GL1:6BF+70790T9WJWG.FKY*4GO0.O1CV2 O5 N2FBBRW1*70HS8WY04AC"

    static let accepted: [[String]] = [
        ["verify", code],
        ["verify", code, "--trust", "t.json"],
        ["verify", "--trust", "t.json", code],
        ["verify", code, "--trust=t.json", "--zone", "dong-da", "--at", "2021-07-26T10:00:00+07:00"],
        ["verify", code, "--trust", "t.json", "--revocations", "r.glr", "--zone", "001", "--json"],
        ["verify", "--json", code, "--skew", "60", "--max-revocation-age", "48", "--lang", "en"],
        ["verify", "--file", "codes.txt", "--trust", "t.json", "--lang=vi"],
        ["verify", "--trust", "t.json"],
        ["verify", code, "--skew=+5", "--at", "2021-07-24"],
        ["verify", code, "--at", "not a time"],  // checked when the command runs, by both alike
    ]

    static let leftToArgumentParser: [[String]] = [
        ["verify", "--help"], ["verify", "-h"], ["help", "verify"], ["verify", code, "--image", "p.png"],
        ["verify", code, "--trust"], ["verify", code, "--trust", "--json"], ["verify", code, code],
        ["verify", code, "--trust", "a", "--trust", "b"], ["verify", code, "--json", "--json"],
        ["verify", code, "--no-such-flag"], ["verify", code, "--zone", "atlantis"], ["verify", code, "--skew", "x"],
        ["verify", code, "--skew", "-5"], ["verify", code, "--skew", "999999"], ["verify", code, "--lang", "fr"],
        ["verify", code, "--json=yes"], ["verify", code, "--", "x"], ["verify", code, "--trust="],
        ["verify", code, "--file", "f.txt"], ["verify", code, "-j"], ["keys", "list"], [],
        ["verify", "--max-revocation-age", "100000", code], ["verify", code, "--generate-completion-script"],
    ]

    @Test(arguments: accepted)
    func theFastPathParsesEachFormAsArgumentParserDoes(arguments: [String]) throws {
        let fast = try #require(VerifyFastPath.parse(arguments), "the fast path should take \(arguments)")
        let parsed = try Verify.parse(Array(arguments.dropFirst()))
        #expect(fast == parsed.request)
    }

    @Test(arguments: leftToArgumentParser)
    func everyOtherFormIsLeftToArgumentParser(arguments: [String]) {
        #expect(VerifyFastPath.parse(arguments) == nil, "\(arguments)")
    }

    @Test func theUsageErrorsAmongThemAreArgumentParsersToReport() {
        // Repeated flags (ArgumentParser keeps the last), help, --image and completions are not errors; the rest
        // are, and ArgumentParser reports them (exit 64).
        let notErrors = ["--help", "-h", "--image", "--generate-completion-script"]
        for arguments in Self.leftToArgumentParser where arguments.first == "verify" {
            if arguments.contains(where: { notErrors.contains($0) }) { continue }
            let flags = arguments.filter { $0.hasPrefix("--") }
            if Set(flags).count < flags.count { continue }
            #expect(throws: (any Error).self, "\(arguments)") { try Verify.parse(Array(arguments.dropFirst())) }
        }
    }
}
