package import ArgumentParser
package import GreenlaneMessages
import GreenlaneFormat
import GreenlaneVerifier
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CheckpointCommands {
    package struct Verify: AsyncParsableCommand {
        package init() {}

        package static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Check pass codes offline against a trust file.",
            discussion: """
                The code comes from the argument, from --file, or from standard input: one code per line, each
                answered as soon as its line ends (a USB scanner types a code and Enter). On a terminal it
                shows a prompt and a running count. Noise that cannot change a signed pass is repaired and the
                verdict says so: a byte-order mark, CR, non-breaking spaces, lower case, a code split over two
                lines.

                Without --trust, verify uses what `greenlane setup` stored: the trust file, the revocation list
                (unless --revocations is given) and the zone (unless --zone is given). --json names what was used.

                Exit code: 0 valid, 1 not valid, 2 cannot read (scan again) or not a green-lane code, 4 cannot
                confirm (the checkpoint's data), 5 demo pass outside --training, 3 setup error, 64 usage. A batch
                exits with the most severe: 1, then 5, 4, 2, 0.
                """)

        @Argument(help: "A pass code (GL1:...). Omit to read codes from --file or standard input.")
        var code: String?

        @Option(name: .long, help: "Read codes from this file, one per line.")
        var file: String?

        @Option(name: .long, help: "Read the QR code(s) from this PNG photo, scan or screenshot.")
        var image: String?

        @Option(name: .long, help: ArgumentHelp(
            "Trust file listing the issuer keys (JSON); repeat to merge several.",
            discussion: "Default: the one `greenlane setup` stored."))
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
            discussion: "Default: $GREENLANE_VERIFIER_STATE, else $GREENLANE_HOME/verifier-state, else "
                + "$XDG_STATE_HOME/greenlane/verifier-state, else "
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

        /// What the flags ask for: the value `VerifyFastPath` must produce from the same arguments.
        package var request: VerifyRequest {
            VerifyRequest(
                code: code, file: file, image: image, trust: trust, revocations: revocations,
                waiveRevocations: waiveRevocations, state: state, at: at, zone: zone, skew: skew,
                maxRevocationAge: maxRevocationAge, json: json, training: training, lang: language.lang)
        }

        package func validate() throws { try request.validate() }

        package mutating func run() async throws { try request.run() }
    }
}

/// A `verify` command line, parsed: by ArgumentParser (`Verify.request`) or, for the common forms, by
/// `VerifyFastPath`, which must give the same value.
package struct VerifyRequest: Equatable, Sendable {
    package var code: String?
    package var file: String?
    package var image: String?
    package var trust: [String] = []
    package var revocations: [String] = []
    package var waiveRevocations = false
    package var state: String?
    package var at: String?
    package var zone: String?
    package var skew: Int64 = 300
    package var maxRevocationAge: Int64?
    package var json = false
    package var training = false
    package var lang: Language?

    package init(
        code: String? = nil, file: String? = nil, image: String? = nil, trust: [String] = [],
        revocations: [String] = [], waiveRevocations: Bool = false, state: String? = nil, at: String? = nil,
        zone: String? = nil, skew: Int64 = 300, maxRevocationAge: Int64? = nil, json: Bool = false,
        training: Bool = false, lang: Language? = nil
    ) {
        self.code = code
        self.file = file
        self.image = image
        self.trust = trust
        self.revocations = revocations
        self.waiveRevocations = waiveRevocations
        self.state = state
        self.at = at
        self.zone = zone
        self.skew = skew
        self.maxRevocationAge = maxRevocationAge
        self.json = json
        self.training = training
        self.lang = lang
    }

    package var language: Language {
        lang ?? Language.fromLocale([environment("LC_ALL"), environment("LC_MESSAGES"), environment("LANG")])
    }

    package func validate() throws {
        if [code != nil, file != nil, image != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give one of: a code, --file, --image")
        }
        if let zone, District(zone) == nil {
            throw ValidationError("--zone '\(zone)' is not a Hanoi district; try ba-dinh, hoan-kiem, dong-da")
        }
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

    /// The trust file, revocation list and zone to use: flags first, then what `greenlane setup` stored.
    /// A stored revocation list belongs to the stored trust file, so it is not used with another `--trust`.
    struct Inputs {
        var trust: [String]
        var revocations: [String]
        var zone: String?
        var settingsFile: String?

        var json: JSONValue {
            .object([
                ("trust", trust.count == 1 ? .string(trust[0]) : .array(trust.map(JSONValue.string))),
                ("revocations", revocations.isEmpty ? .null
                    : revocations.count == 1 ? .string(revocations[0]) : .array(revocations.map(JSONValue.string))),
                ("zone", zone.map(JSONValue.string) ?? .null),
                ("settings", settingsFile.map(JSONValue.string) ?? .null),
            ])
        }
    }

    func inputs() throws -> Inputs {
        if !trust.isEmpty, zone != nil {
            return Inputs(trust: trust, revocations: revocations, zone: zone)
        }
        let settings = try CheckpointSettings.load()
        guard let trust = trust.isEmpty ? settings?.trust.map({ [$0] }) : trust else {
            throw CLIError(
                .notSetUp,
                "no trust file: give --trust FILE, or store one once with `greenlane setup --trust FILE --zone "
                    + "DISTRICT` (settings: \(CheckpointSettings.path))")
        }
        let storedZone = settings?.zone.flatMap { District($0) == nil ? nil : $0 }
        if let stored = settings?.zone, storedZone == nil {
            throw CLIError(.input, "\(CheckpointSettings.path): zone '\(stored)' is not a Hanoi district; "
                + "run `greenlane setup --zone DISTRICT`")
        }
        let usesStoredTrust = self.trust.isEmpty
        let storedRevocations = usesStoredTrust ? settings?.revocations.map { [$0] } ?? [] : []
        let usedSettings = settings != nil && (usesStoredTrust || (zone == nil && storedZone != nil))
        return Inputs(
            trust: trust, revocations: revocations.isEmpty ? storedRevocations : revocations,
            zone: zone ?? storedZone,
            settingsFile: usedSettings ? CheckpointSettings.path : nil)
    }

    package func run() throws {
        let time = try at.map { try parseTime($0, flag: "--at") } ?? systemTime()
        let inputs = try inputs()
        let trustSet = try TrustSet.load(paths: inputs.trust)
        let data = try CheckpointData.load(
            trust: trustSet, revocations: inputs.revocations, statePath: CheckpointData.statePath(state), time: time,
            skew: skew)
        let verifier = PassVerifier(
            trust: trustSet, revocationLists: data.lists, newestSignedTime: data.state.newestSignedTime)
        let context = CheckpointContext(
            time: time, district: inputs.zone.flatMap(District.init), clockSkew: skew,
            maxRevocationAge: maxRevocationAge.map { $0 * 3600 }, revocationCheckWaived: waiveRevocations)
        let renderer = ResultRenderer(
            language: language, training: training, style: json ? .plain : Terminal.bannerStyle(),
            instruction: trustSet.cannotConfirmInstruction)
        var answers = VerdictWriter(renderer: renderer, context: context, json: json, inputs: inputs)

        if let code {
            let (text, repairs) = CodeRepair.clean(code)
            answers.answer(verifier.verify(text, context: context), repairs: repairs, index: nil)
        } else if let image {
            guard let read = ImageReading.reader.withLock({ $0 }) else {
                throw CLIError(.missing, "this build of greenlane cannot read images")
            }
            for code in try read(image) {
                answers.answer(verifier.verify(code, context: context), repairs: [], index: nil)
            }
        } else {
            var lines: CodeLines
            let interactive: Bool
            if let file {
                lines = CodeLines(text: try readText(file, what: "code file"))
                interactive = false
            } else {
                lines = CodeLines(descriptor: 0)
                interactive = isatty(0) == 1
            }
            var scanner = CodeScanner(lines: lines, verifier: verifier, context: context)
            // A file's codes are numbered when there are several; standard input's always, as they come.
            var pending = file == nil ? nil : scanner.next()
            let numbered = file == nil || scanner.hasMore
            var index = 0
            if interactive { answers.prompt(first: true) }
            while let scanned = pending ?? scanner.next() {
                pending = nil
                index += 1
                answers.answer(scanned.result, repairs: scanned.repairs, index: numbered ? index : nil)
                if interactive { answers.prompt(first: false) }
            }
            if interactive { writeAll(2, "\n") }
            guard index > 0 else { throw ValidationError("no pass code given (argument, --file or stdin)") }
        }
        if answers.worst != .valid { throw ExitCode(answers.worst.exitCode) }
    }
}

extension CLIError.Code where Domain == CommandDomain {
    /// `verify` was given no trust file and none is stored: a usage error (64), like a missing flag.
    static var notSetUp: Self { .init("not-set-up", kind: .usage) }
}

/// Codes from lines, repaired (`CodeRepair`), one at a time as their lines arrive.
struct CodeScanner {
    var lines: CodeLines
    let verifier: PassVerifier
    let context: CheckpointContext

    struct Scanned {
        var result: VerificationResult
        var repairs: [CodeRepair]
    }

    /// How long to wait for a second half after a line that is not a whole code. Pasted text arrives at
    /// once, so this is short; a code typed on its own is answered well within 300 ms.
    static let continuationWait: Int32 = 60

    /// Whether another code follows (for files, read in full: nothing waits).
    var hasMore: Bool {
        mutating get {
            while let line = lines.next(waitingAtMost: 0) {
                if !CodeRepair.clean(line.text).text.isEmpty {
                    lines.unread(line)
                    return true
                }
            }
            return false
        }
    }

    mutating func next() -> Scanned? {
        var line: CodeLines.Line
        var cleaned: (text: String, repairs: [CodeRepair])
        repeat {
            guard let next = lines.next() else { return nil }
            line = next
            cleaned = CodeRepair.clean(line.text)
        } while cleaned.text.isEmpty
        var repairs = cleaned.repairs
        if line.hadCarriageReturn { repairs.append(.carriageReturn) }
        let result = verifier.verify(cleaned.text, context: context)
        guard result.isMalformed, cleaned.text.hasPrefix(PassCode.prefix),
              let second = lines.next(waitingAtMost: Self.continuationWait)
        else { return Scanned(result: result, repairs: repairs) }
        let half = CodeRepair.clean(second.text)
        if half.text.isEmpty || half.text.hasPrefix(PassCode.prefix) {
            lines.unread(second)
            return Scanned(result: result, repairs: repairs)
        }
        // A line break may have replaced a space (base45 has one) or been added inside the code.
        var joined: Scanned?
        for (separator, repair) in [("", CodeRepair.joinedLines), (" ", .joinedLinesWithSpace)] {
            let candidate = verifier.verify(cleaned.text + separator + half.text, context: context)
            guard !candidate.isMalformed else { continue }
            var all = repairs + half.repairs.filter { !repairs.contains($0) }
            if second.hadCarriageReturn, !all.contains(.carriageReturn) { all.append(.carriageReturn) }
            all.append(repair)
            if joined == nil || candidate.isAccepted { joined = Scanned(result: candidate, repairs: all) }
            if candidate.isAccepted { break }
        }
        guard let joined else {
            lines.unread(second)
            return Scanned(result: result, repairs: repairs)
        }
        return joined
    }
}

/// Writes each verdict the moment it is decided (write(2), no stdio buffer) and keeps the running tally.
struct VerdictWriter {
    let renderer: ResultRenderer
    let context: CheckpointContext
    let json: Bool
    let inputs: VerifyRequest.Inputs
    private(set) var worst = Verdict.valid
    private var answered = 0, accepted = 0

    init(renderer: ResultRenderer, context: CheckpointContext, json: Bool, inputs: VerifyRequest.Inputs) {
        self.renderer = renderer
        self.context = context
        self.json = json
        self.inputs = inputs
    }

    private var vi: Bool { renderer.language == .vi }

    mutating func answer(_ result: VerificationResult, repairs: [CodeRepair], index: Int?) {
        if json {
            var extra: [(String, JSONValue)] = [("used", inputs.json)]
            if !repairs.isEmpty { extra.append(("repaired", .array(repairs.map { .string($0.name) }))) }
            writeAll(1, Self.appending(extra, to: renderer.json(result, context: context)) + "\n")
        } else {
            var text = (answered > 0 ? "\n" : "") + renderer.human(result, context: context, batchIndex: index)
            if !repairs.isEmpty {
                text += "\n" + (vi ? "Mã đã được sửa trước khi kiểm tra: " : "Code repaired before checking: ")
                    + repairs.map { vi ? $0.vietnamese : $0.english }.joined(separator: ", ")
            }
            writeAll(1, text + "\n")
        }
        answered += 1
        let verdict = result.verdict(training: renderer.training)
        if verdict == .valid { accepted += 1 }
        worst = worst.worse(verdict)
    }

    /// The prompt and running count, on standard error so standard output keeps only verdicts.
    func prompt(first: Bool) {
        var text = ""
        if first {
            text = vi
                ? "Quét hoặc dán mã thẻ, mỗi mã một dòng (Ctrl-D để kết thúc).\n"
                : "Scan or paste pass codes, one per line (Ctrl-D to finish).\n"
        } else {
            let refused = answered - accepted
            text = vi
                ? "── đã kiểm tra \(answered): \(accepted) hợp lệ, \(refused) không hợp lệ ──\n"
                : "── checked \(answered): \(accepted) valid, \(refused) not valid ──\n"
        }
        writeAll(2, text + (vi ? "mã> " : "code> "))
    }

    /// Adds fields at the end of the renderer's JSON object, leaving its own fields as they are.
    static func appending(_ fields: [(String, JSONValue)], to object: String) -> String {
        guard object.hasSuffix("}") else { return object }
        var text = String(object.dropLast())
        for (key, value) in fields {
            if !text.hasSuffix("{") { text += "," }
            JSONValue.quote(key, into: &text)
            text += ":"
            value.write(into: &text)
        }
        return text + "}"
    }
}
