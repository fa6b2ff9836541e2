import GreenlaneService
import GreenlaneRegistryLocation
import GreenlaneStore
import Hummingbird
import Logging
import GreenlaneSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `greenlane-server [--config FILE]`: serves until SIGTERM or SIGINT, then finishes the requests in flight.
/// `greenlane-server token --role ROLE --label TEXT [--firm ID] [--config FILE]`: prints a new token once (the
/// first administrator's, made on the registry's machine). docs/SERVICE.md.
let usage = """
    usage: greenlane-server [--config FILE]
           greenlane-server token --role dispatcher|endorser|officer|auditor|admin --label TEXT [--firm ID]
                                  [--sector postal|telecom] [--config FILE]
    configuration: docs/SERVICE.md (the file's members, and the GREENLANE_* variables that override them)
    """

func fail(_ message: String, _ code: Int32) -> Never {
    FileHandle.standardErrorWrite("greenlane-server: \(message)\n")
    exit(code)
}

extension FileHandle {
    static func standardErrorWrite(_ text: String) { standardError.write(Data(text.utf8)) }
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains(where: { $0 == "--clock" || $0.hasPrefix("--clock=") }) {
    fail("--clock is refused: the server uses the system clock only (a pinned clock is for the desk's demos)", 64)
}
var options: [String: String] = [:]
let command = arguments.first == "token" ? arguments.removeFirst() : "serve"
var index = 0
while index < arguments.count {
    let name = arguments[index]
    guard ["--config", "--role", "--label", "--firm", "--sector"].contains(name), index + 1 < arguments.count else {
        fail(name == "--help" || name == "-h" ? usage : "unknown argument '\(name)'\n\(usage)",
             name == "--help" || name == "-h" ? 0 : 64)
    }
    options[name] = arguments[index + 1]
    index += 2
}

let environment = ProcessInfo.processInfo.environment
let configuration: ServerConfiguration
do {
    configuration = try ServerConfiguration.load(
        file: options["--config"] ?? environment["GREENLANE_SERVER_CONFIG"], environment: environment)
} catch {
    fail(error.reason, 64)
}
LoggingSystem.bootstrap { JSONLogHandler(label: $0) }

do {
    if command == "token" {
        guard let role = options["--role"].flatMap(ServiceRole.init(rawValue:)), let label = options["--label"] else {
            fail("token needs --role and --label\n\(usage)", 64)
        }
        let store = try await RegistryLocation.open(configuration.registry,
                                                    environment: ProcessInfo.processInfo.environment)
        var sector: Firm.Kind?
        if let text = options["--sector"] {
            guard let kind = Firm.Kind(rawValue: text) else { fail("--sector must be postal or telecom", 64) }
            sector = kind
        }
        let made = try await CredentialBootstrap.addToken(store: store, role: role, firmID: options["--firm"],
                                                          sector: sector, label: label)
        print("credential \(made.credential.id) (\(role.rawValue)); token, shown once:\n\(made.token)")
    } else {
        let app = try await buildApplication(configuration)
        try await app.runService()
    }
} catch {
    let reason = (error as? any GreenlaneError)?.reason ?? "\(error)"
    fail(reason, 3)
}
