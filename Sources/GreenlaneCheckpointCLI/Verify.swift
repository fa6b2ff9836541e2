package import ArgumentParser
import GreenlaneMessages
import GreenlaneFormat
import GreenlaneVerifier

extension CheckpointCommands {
    package struct Verify: AsyncParsableCommand {
        package init() {}

        package static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Check pass codes offline against a trust file.",
            discussion: """
                The code comes from the argument, from --file, or from standard input (one code per line,
                for a batch). Exit code: 0 valid, 1 not valid, 2 cannot read (scan again) or not a green-lane
                code, 4 cannot confirm (the checkpoint's data), 5 demo pass outside --training, 3 setup error,
                64 usage. A batch exits with the most severe: 1, then 5, 4, 2, 0.
                """)

        @Argument(help: "A pass code (GL1:...). Omit to read codes from --file or standard input.")
        var code: String?

        @Option(name: .long, help: "Read codes from this file, one per line.")
        var file: String?

        @Option(name: .long, help: "Read the QR code(s) from this PNG photo, scan or screenshot.")
        var image: String?

        @Option(name: .long, help: "Trust file listing the issuer keys (JSON); repeat to merge several.")
        var trust: [String] = []

        @Option(name: .long, help: ArgumentHelp(
            "Signed revocation list (from `greenlane revocations export`), or a folder of .glr files; repeatable.",
            discussion: "One list per signer. Without any, every pass gets 'cannot confirm' unless "
                + "--waive-revocations is given."))
        var revocations: [String] = []

        @Flag(name: .long, help: "No revocation list is available: judge passes without one (named on the verdict).")
        var waiveRevocations = false

        @Option(name: .long, help: ArgumentHelp(
            "Verifier state file: newest list sequence per signer, newest signed time seen.",
            discussion: "Default: $GREENLANE_VERIFIER_STATE, else $XDG_STATE_HOME/greenlane/verifier-state, else "
                + "~/.local/state/greenlane/verifier-state."))
        var state: String?

        @Option(name: .long, help: "Time of the check (RFC 3339, default: now).")
        var at: String?

        @Option(name: .long, help: "The checkpoint's district (slug such as ba-dinh, or official code).")
        var zone: String?

        @Option(name: .long, help: "Allowed clock difference, in seconds (at most 900), for every time check.")
        var skew: Int64 = 300

        @Option(name: .long, help: "Treat a list as due this many hours after its issue, if before its nextUpdate.")
        var maxRevocationAge: Int64?

        @Flag(name: .long, help: "One JSON object per code on standard output.")
        var json = false

        @Flag(name: .long, help: "Training mode: judge passes signed by demo keys like real ones (still marked DEMO).")
        var training = false

        @OptionGroup var language: LanguageOptions

        package func validate() throws {
            if [code != nil, file != nil, image != nil].filter({ $0 }).count > 1 {
                throw ValidationError("give one of: a code, --file, --image")
            }
            if let zone, District(zone) == nil {
                throw ValidationError("--zone '\(zone)' is not a Hanoi district; try ba-dinh, hoan-kiem, dong-da")
            }
            if trust.isEmpty { throw ValidationError("give at least one --trust file") }
            if skew < 0 || skew > CheckpointContext.maxClockSkew {
                throw ValidationError("--skew must be between 0 and \(CheckpointContext.maxClockSkew) seconds")
            }
            // Hours are turned into seconds: an unbounded value would overflow.
            if let maxRevocationAge, maxRevocationAge < 0 || maxRevocationAge > 744 {
                throw ValidationError("--max-revocation-age must be between 0 and 744 hours (31 days)")
            }
            if waiveRevocations && !revocations.isEmpty {
                throw ValidationError("--waive-revocations is for checking without a list; drop it or --revocations")
            }
        }

        package mutating func run() async throws {
            let time = try at.map { try parseTime($0, flag: "--at") } ?? systemTime()
            let trustSet = try TrustSet.load(paths: trust)
            let data = try CheckpointData.load(
                trust: trustSet, revocations: revocations, statePath: CheckpointData.statePath(state), time: time,
                skew: skew)
            let verifier = PassVerifier(
                trust: trustSet, revocationLists: data.lists, newestSignedTime: data.state.newestSignedTime)
            let context = CheckpointContext(
                time: time, district: zone.flatMap(District.init), clockSkew: skew,
                maxRevocationAge: maxRevocationAge.map { $0 * 3600 }, revocationCheckWaived: waiveRevocations)
            let codes: [String]
            if let code {
                codes = [code]
            } else if let image {
                guard let read = ImageReading.reader.withLock({ $0 }) else {
                    throw CLIError(.missing, "this build of greenlane cannot read images")
                }
                codes = try read(image)
            } else {
                let text: String
                if let file {
                    text = try readText(file, what: "code file")
                } else {
                    var lines: [String] = []
                    while let line = readLine() { lines.append(line) }
                    text = lines.joined(separator: "\n")
                }
                codes = text.split(whereSeparator: \.isNewline).map(String.init)
                    .filter { !$0.allSatisfy(\.isWhitespace) }
                guard !codes.isEmpty else { throw ValidationError("no pass code given (argument, --file or stdin)") }
            }
            var worst = Verdict.valid
            let renderer = ResultRenderer(
                language: language.language, training: training, style: json ? .plain : Terminal.bannerStyle(),
                instruction: trustSet.cannotConfirmInstruction)
            for (index, code) in codes.enumerated() {
                let result = verifier.verify(code, context: context)
                if json {
                    print(renderer.json(result, context: context))
                } else {
                    if index > 0 { print("") }
                    print(renderer.human(result, context: context, batchIndex: codes.count > 1 ? index + 1 : nil))
                }
                worst = worst.worse(result.verdict(training: training))
            }
            if worst != .valid { throw ExitCode(worst.exitCode) }
        }
    }
}
