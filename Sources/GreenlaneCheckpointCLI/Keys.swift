package import ArgumentParser
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneSupport
import GreenlaneVerifier

extension CheckpointCommands {
    package struct Keys: AsyncParsableCommand {
        package init() {}

        package static let configuration = CommandConfiguration(
            commandName: "keys", abstract: "Make issuer keys and read trust files.",
            subcommands: [Generate.self, List.self])
    }
}

extension CheckpointCommands.Keys {
    package struct Generate: AsyncParsableCommand {
        package init() {}

        package static let configuration = CommandConfiguration(
            commandName: "generate", abstract: "Generate an issuer key pair and a trust file for it.",
            discussion: """
                Writes NAME.key.pem (PKCS#8, mode 0600, encrypted when a passphrase is given),
                NAME.pub.pem (SubjectPublicKeyInfo) and NAME.trust.json (a trust file listing the key)
                into the output directory. Existing files are never overwritten.
                """)

        @Option(name: .long, help: "Signature algorithm.")
        var alg: SignatureAlgorithm = .es256

        @Option(name: [.short, .long], help: "Output directory (must exist).")
        var out: String = "."

        @Option(name: .long, help: "File name stem for the key files.")
        var name: String = "issuer"

        @Option(name: .long, help: "Label shown for this key in trust files.")
        var label: String?

        @Option(name: .long, help: "Issuer (iss) the key signs for.")
        var issuer: String = "VN-HN"

        @Option(name: .long, help: "Passes must be issued on or after this time (RFC 3339).")
        var validFrom: String?

        @Option(name: .long, help: "Passes must be issued on or before this time (RFC 3339).")
        var validUntil: String?

        @Flag(name: .long, help: "Mark the key as a demo key: every pass it signs is flagged as DEMO.")
        var demo = false

        @Option(name: .long, help: ArgumentHelp(
            "What the key may sign: passes, revocation-lists (repeat for both; default both).",
            discussion: "trust-list and log are reserved for later releases."))
        var role: [String] = []

        @Option(name: .long, help: "Longest pass the key may sign, in days (1-366).")
        var maxPassDays: Int64 = 31

        package func validate() throws {
            for name in role where KeyRole(name: name) == nil {
                throw ValidationError("--role '\(name)' is not a role; use passes or revocation-lists")
            }
            if !(1...366).contains(maxPassDays) { throw ValidationError("--max-pass-days must be 1-366") }
        }

        @OptionGroup var passphrase: PassphraseOptions

        package mutating func run() async throws {
            do {
                let notBefore = try validFrom.map { try parseTime($0, flag: "--valid-from") }
                let notAfter = try validUntil.map { try parseTime($0, flag: "--valid-until") }
                let stem = out.hasSuffix("/") ? out + name : out + "/" + name
                try FileWriter.checkFolder(out, flag: "--out")
                // All three names are checked before anything is written, so a refusal leaves no new key behind;
                // each write still refuses on its own (O_EXCL-like link), in case a file appears meanwhile.
                for suffix in [".key.pem", ".pub.pem", ".trust.json"] where FileReader.mode(of: stem + suffix) != nil {
                    throw FileError(.exists, "\(stem + suffix) already exists; keys generate never overwrites a file")
                }
                let key = try PrivateKey.generate(alg)
                try key.write(to: stem + ".key.pem", passphrase: try passphrase.passphrase())
                try FileWriter.write(
                    Array(key.publicKey.pem.utf8), to: stem + ".pub.pem", mode: FileWriter.publicMode,
                    existing: .refuse)
                let defaultLabel = (demo ? "DEMO " : "") + "\(issuer) issuer key \(alg.rawValue)"
                let trusted = TrustedKey(
                    publicKey: key.publicKey, label: label ?? defaultLabel, issuer: issuer, notBefore: notBefore,
                    notAfter: notAfter, isDemo: demo,
                    roles: role.isEmpty ? [.passes, .revocationLists] : Set(role.compactMap(KeyRole.init(name:))),
                    maxPassLifetime: maxPassDays * 86_400)
                try FileWriter.write(
                    Array(try TrustSet(keys: [trusted]).trustFile().utf8), to: stem + ".trust.json",
                    mode: FileWriter.publicMode, existing: .refuse)
                print("kid \(Hex.encode(key.publicKey.keyID))  \(alg.rawValue)")
                print("private key: \(stem).key.pem (mode 0600\(passphrase.passphraseFile != nil || passphrase.passphraseEnv != nil ? ", encrypted" : ""))")
                print("public key:  \(stem).pub.pem")
                print("trust file:  \(stem).trust.json")
            }
        }
    }

    package struct List: AsyncParsableCommand {
        package init() {}

        package static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the keys in a trust file.")

        @Option(name: .long, help: "Trust file; repeat to merge several.")
        var trust: [String] = []

        package func validate() throws {
            if trust.isEmpty { throw ValidationError("give at least one --trust file") }
        }

        package mutating func run() async throws {
            let set = try TrustSet.load(paths: trust)
            print("KID               ALG    VALID (issued between)                      ROLES                     LABEL")
            for key in set.keys {
                let from = key.notBefore.map(Timestamp.rfc3339) ?? "-"
                let until = key.notAfter.map(Timestamp.rfc3339) ?? "-"
                let alg = key.algorithm.rawValue.padding(6)
                let validity = (from + " .. " + until).padding(44)
                let roles = (KeyRole.all.filter(key.roles.contains).map(\.name).joined(separator: ",")
                    + " \(key.maxPassLifetime / 86_400)d").padding(25)
                print("\(key.keyIDHex)  \(alg) \(validity) \(roles) \(SafeText.escaped(key.label))\(key.isDemo ? "  [DEMO]" : "")")
            }
        }
    }
}

extension String {
    /// Pads with spaces to `width` characters (grapheme clusters), for aligned columns.
    package func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
