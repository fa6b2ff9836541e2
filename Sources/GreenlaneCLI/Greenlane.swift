import ArgumentParser

@main
struct Greenlane: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "greenlane",
        abstract: "Priority-vehicle passes for the green lane: issue, verify offline, audit.",
        discussion: """
            Exit codes:
              0   accepted (verify) or done
              1   rejected: the pass was read but failed a check
              2   malformed: a pass code could not be read
              3   setup error: a key, trust file or revocation list could not be used
              64  usage error: wrong flags or arguments
            """,
        subcommands: [
            Keys.self, Verify.self, Inspect.self, FirmCommand.self, Issue.self, Show.self, Revoke.self,
            Revocations.self, Renew.self, List.self, Stats.self, Log.self,
        ])
}

/// Exit codes are part of the interface (see `greenlane --help` and the README).
enum Exit {
    static let accepted = ExitCode(0)
    static let rejected = ExitCode(1)
    static let malformed = ExitCode(2)
    static let setup = ExitCode(3)
    static let usage = ExitCode(64)
}
