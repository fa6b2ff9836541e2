// The commands a checkpoint needs: verify, inspect, keys. They live in a library so that two executables
// share them: `greenlane`, lean (no SQLite, GRDB, Foundation, libpng, libqrencode or zbar, so it starts in a
// few milliseconds), and `greenlane-office`, which adds the registry commands and reading QR images.
public import ArgumentParser
public import GreenlaneMessages
public import GreenlaneCrypto
import GreenlaneVerifier
package import Synchronization
package import GreenlaneSupport

/// Namespace of the checkpoint commands.
package enum CheckpointCommands {
    /// The checkpoint commands, in the order `--help` lists them.
    package static let all: [any ParsableCommand.Type] = [Keys.self, Setup.self, Verify.self, Inspect.self]

    /// The commands greenlane-office adds, as `greenlane` lists them in its help (abstracts short enough for one
    /// line) and hands them over: the lean binary cannot load their types. `VersionAndHelpTests` checks this
    /// list against greenlane-office's own.
    package static let office: [(name: String, abstract: String)] = [
        ("registry", "Make a registry on purpose, and back it up safely."),
        ("firm", "Register, list and suspend postal and telecom firms."),
        ("vehicle", "Vehicles: which firm a plate belongs to."),
        ("issue", "Issue passes for one vehicle (flags) or a fleet (--csv)."),
        ("show", "Show a permit from the registry, with its QR code."),
        ("revoke", "Revoke a permit."),
        ("revocations", "Export the signed revocation list for checkpoints."),
        ("renew", "Issue new passes for active permits when the order is extended."),
        ("list", "List permits, filtered, as a table, CSV or JSON lines."),
        ("stats", "Counts of permits per status, firm, issue day and district."),
        ("log", "Show the audit log (oldest first)."),
        ("remote", "Request, decide and download passes through the issuing service."),
    ]

    /// `greenlane`'s help text after its own commands: the office commands and the exit codes.
    package static let officeHelp: String = {
        let width = office.map(\.name.count).max() ?? 0
        return "Run by greenlane-office, installed next to greenlane (same version):\n"
            + office.map { "  \($0.name.padding(width + 2))\($0.abstract)" }.joined(separator: "\n")
    }()
}

/// Exit codes are part of the interface (see `greenlane --help` and the README).
package enum Exit {
    package static let accepted = ExitCode(Verdict.valid.exitCode)
    package static let rejected = ExitCode(Verdict.notValid.exitCode)
    package static let malformed = ExitCode(Verdict.cannotRead.exitCode)
    package static let setup = ExitCode(3)
    package static let cannotConfirm = ExitCode(Verdict.cannotConfirm.exitCode)
    package static let demo = ExitCode(Verdict.demo.exitCode)
    package static let usage = ExitCode(64)

    /// The exit code for an error of this kind: the one mapping, used by `CommandRoot`.
    package static func code(for kind: ErrorKind) -> ExitCode {
        switch kind {
        case .rejected: rejected
        case .malformed: malformed
        case .usage: usage
        default: setup  // setup and runtime: the command could not run as asked
        }
    }

    package static let help = """
        Exit codes:
          0   valid (verify) or done
          1   not valid: the pass was read but failed a check (forged, expired, wrong district, revoked...)
          2   cannot read: a code could not be decoded (scan again), or is not a green-lane code
          3   setup or runtime error: a key, trust file, policy, registry or revocation list could not be
              used, or the machine failed (database, disk full, a write that failed, a missing library)
          4   cannot confirm: the pass is fine but the checkpoint's own data are not fit to decide on
          5   demo pass: signed by a demo key, outside training mode (verify --training)
          64  usage error: wrong flags or arguments
        A batch (verify with several codes) exits with the most severe: 1, then 5, 4, 2, 0.
        """
}

/// How `verify --image` reads QR codes from a PNG or JPEG. Both binaries set it to GreenlaneScanner's reader,
/// which opens libgreenlane-scanner.so with dlopen on first use.
package enum ImageReading {
    package static let reader = Mutex<(@Sendable (String) throws -> [String])?>(nil)
}

extension Language: ExpressibleByArgument {}

extension SignatureAlgorithm: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.lowercased() {
        case "es256", "ecdsa", "p-256", "p256": self = .es256
        case "eddsa", "ed25519": self = .eddsa
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["es256", "eddsa"] }
}
