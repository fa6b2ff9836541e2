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

        @Option(name: .long, help: "Trust file listing the issuer keys (JSON).")
        var trust: String

        @Option(name: .long, help: "Signed revocation list (from `greenlane revocations export`).")
        var revocations: String?

        @Option(name: .long, help: "Time of the check (RFC 3339, default: now).")
        var at: String?

        @Option(name: .long, help: "The checkpoint's district (slug such as ba-dinh, or official code).")
        var zone: String?

        @Option(name: .long, help: "Allowed clock difference, in seconds.")
        var skew: Int64 = 300

        @Option(name: .long, help: "Report a revocation list older than this many hours as stale.")
        var maxRevocationAge: Int64 = 24

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
            if skew < 0 || skew > 86_400 { throw ValidationError("--skew must be between 0 and 86400 seconds") }
            // Hours are turned into seconds: an unbounded value would overflow.
            if maxRevocationAge < 0 || maxRevocationAge > 87_600 {
                throw ValidationError("--max-revocation-age must be between 0 and 87600 hours (ten years)")
            }
        }

        package mutating func run() async throws {
            let time = try at.map { try parseTime($0, flag: "--at") } ?? systemTime()
            let trustSet = try TrustSet.load(path: trust)
            let list = try revocations.map { try VerifiedRevocationList.load(path: $0, trust: trustSet) }
            let verifier = PassVerifier(trust: trustSet, revocations: list)
            let context = CheckpointContext(
                time: time, district: zone.flatMap(District.init), clockSkew: skew,
                maxRevocationAge: maxRevocationAge * 3600)
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
                language: language.language, training: training, style: json ? .plain : Terminal.bannerStyle())
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
