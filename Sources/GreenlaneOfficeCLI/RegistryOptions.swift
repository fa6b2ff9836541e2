import ArgumentParser
import GreenlaneCheckpointCLI
#if canImport(Glibc)
import Glibc
#endif
import GreenlaneCrypto
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneRegistry
import GreenlaneVerifier

/// Where the registry is, who is acting, and what time it is.
struct RegistryOptions: ParsableArguments {
    @Option(name: .long, help: "Registry file (default: $GREENLANE_REGISTRY, else ./\(Registry.defaultPath)).")
    var registry: String?

    @Option(name: .long, help: "Who is acting, for the audit log (default: $USER).")
    var actor: String?

    @Option(name: .long, help: ArgumentHelp(
        "Act as if it were this time (RFC 3339; default: $GREENLANE_CLOCK, else now).",
        discussion: "For demos and drills: the sample policy's order ran in July 2021."))
    var clock: String?

    var path: String { registry ?? environment("GREENLANE_REGISTRY") ?? Registry.defaultPath }
    /// `--actor`, else the login name, else the user id: the audit log always says who.
    var actorName: String {
        if let actor { return actor }
        if let user = environment("USER") ?? environment("LOGNAME"), !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }

    func now() throws -> Int64 {
        if let text = clock ?? environment("GREENLANE_CLOCK") { return try parseTime(text, flag: "--clock") }
        return systemTime()
    }

    func open(readOnly: Bool = false) throws(RegistryError) -> Registry {
        try Registry(path: path, readOnly: readOnly)
    }
}

/// An issuer's private key and the passphrase that unlocks it.
struct SigningKeyOptions: ParsableArguments {
    @Option(name: .long, help: "Issuer private key (PKCS#8 PEM, mode 0600).")
    var key: String

    @OptionGroup var passphrase: PassphraseOptions

    @Option(name: .long, help: "Trust file that lists this key (its demo flag marks cards DEMO).")
    var keyTrust: String?

    func load() throws -> PrivateKey {
        try PrivateKey.load(path: key, passphrase: try passphrase.passphrase())
    }

    /// Whether `key` (already loaded: it is decrypted once per command) is marked demo in `--key-trust`.
    /// Without it, a key is taken as real.
    func isDemo(_ key: PrivateKey) throws -> Bool {
        guard let keyTrust else { return false }
        return try TrustSet.load(path: keyTrust).key(for: key.publicKey.keyID)?.isDemo ?? false
    }
}
