import GreenlaneEngine
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneSigning
import GreenlaneRegistryLocation
import GreenlaneSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `greenlane-signer`: holds the pass-signing key and issues approved requests for greenlane-server over a
/// Unix socket (docs/SERVICE.md, "The signer"). It links no HTTP server: nothing public reaches this process.
let usage = """
    usage: greenlane-signer --registry FILE --policy FILE --key FILE --key-trust FILE --socket PATH
    each flag can come from the environment instead: GREENLANE_REGISTRY, GREENLANE_POLICY, GREENLANE_SIGNER_KEY,
    GREENLANE_SIGNER_KEY_TRUST, GREENLANE_SIGNER_SOCKET; the socket's folder must be the signer user's, mode 0750
    or tighter (the server's account in its group); the key file must be 0600
    """

func fail(_ message: String, _ code: Int32) -> Never {
    FileHandle.standardError.write(Data("greenlane-signer: \(message)\n".utf8))
    exit(code)
}

let flags: [(flag: String, variable: String)] = [
    ("--registry", "GREENLANE_REGISTRY"), ("--policy", "GREENLANE_POLICY"), ("--key", "GREENLANE_SIGNER_KEY"),
    ("--key-trust", "GREENLANE_SIGNER_KEY_TRUST"), ("--socket", "GREENLANE_SIGNER_SOCKET"),
]
let environment = ProcessInfo.processInfo.environment
if environment["GREENLANE_CLOCK"] != nil {
    fail("GREENLANE_CLOCK is set: the signer uses the system clock only; unset it", 64)
}
var values: [String: String] = [:]
for (flag, variable) in flags { if let value = environment[variable] { values[flag] = value } }
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let name = arguments.removeFirst()
    if name == "--help" || name == "-h" {
        print(usage)
        exit(0)
    }
    guard flags.contains(where: { $0.flag == name }), !arguments.isEmpty else {
        fail("unknown argument or missing value '\(name)'\n\(usage)", 64)
    }
    values[name] = arguments.removeFirst()
}
guard let registry = values["--registry"], let policyPath = values["--policy"], let keyPath = values["--key"],
    let trustPath = values["--key-trust"], let socketPath = values["--socket"]
else {
    fail("--registry, --policy, --key, --key-trust and --socket are all required\n\(usage)", 64)
}

let now = { @Sendable in Int64(Date().timeIntervalSince1970) }
do {
    let key = try PEMSigningKey(path: keyPath)
    let policy = try Policy.load(path: policyPath)
    _ = try SignerKeyCheck.check(key, keyPath: keyPath, trustPath: trustPath, policy: policy, now: now())
    let store = try await RegistryLocation.open(registry, environment: ProcessInfo.processInfo.environment)
    let engine = try PermitEngine(policy: policy, store: store, key: key)
    let listener = SignerListener(issuer: RequestIssuer(engine: engine, clock: now), socketPath: socketPath)
    try await listener.run {
        FileHandle.standardError.write(Data(
            "greenlane-signer: listening on \(socketPath) (kid \(Hex.encode(key.keyID)))\n".utf8))
    }
} catch {
    let reason = (error as? any GreenlaneError)?.reason ?? "\(error)"
    fail(reason, (error as? any GreenlaneError)?.kind == .usage ? 64 : 3)
}
