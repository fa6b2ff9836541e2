public import GreenlaneSupport
import Foundation

/// Where the server is, which credential file to use and which CA to trust, from (in this order) the flags,
/// the environment (`GREENLANE_SERVER_URL`, `GREENLANE_CREDENTIAL_FILE`, `GREENLANE_SERVER_CA`) and
/// `remote.json` in the data folder (`$GREENLANE_HOME`, else `$XDG_CONFIG_HOME/greenlane`, else
/// `~/.config/greenlane`). The configuration file names files, never a secret: a `token` member is refused.
public struct RemoteSettings: Sendable, Equatable {
    public var server: ServerAddress
    public var credentialFile: String
    /// The authority's CA certificate (PEM): when set, it is the only CA trusted.
    public var ca: String?

    /// What the flags say; nil where a flag was not given.
    public struct Flags: Sendable {
        public var server: String?
        public var credentialFile: String?
        public var ca: String?
        public var allowPlainHTTP = false
        public init(server: String? = nil, credentialFile: String? = nil, ca: String? = nil,
                    allowPlainHTTP: Bool = false) {
            self.server = server
            self.credentialFile = credentialFile
            self.ca = ca
            self.allowPlainHTTP = allowPlainHTTP
        }
    }

    public static let fileName = "remote.json"
    static let members: Set<String> = ["server", "credentialFile", "ca", "allowPlainHTTP"]

    /// The data folder the configuration file is in (the checkpoint settings' folder).
    public static func folder(_ environment: [String: String]) -> String {
        if let home = environment["GREENLANE_HOME"], !home.isEmpty { return home }
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") { return config + "/greenlane" }
        return (environment["HOME"] ?? "") + "/.config/greenlane"
    }

    public static func resolve(_ flags: Flags, environment: [String: String]) throws(RemoteError) -> RemoteSettings {
        let path = folder(environment) + "/" + fileName
        var file: [String: Any] = [:]
        if FileReader.mode(of: path) != nil {
            let bytes: [UInt8]
            do { bytes = try FileReader.read(path, what: "remote configuration", limit: 64 << 10) } catch {
                throw RemoteError(.configuration, error.reason, underlying: error)
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw RemoteError(.configuration, "\(path) is not a JSON object")
            }
            if object["token"] != nil {
                throw RemoteError(.configuration, "\(path) holds a token: the configuration names the credential "
                    + "file (credentialFile), never the secret; move the token into a file of mode 0600")
            }
            if let unknown = object.keys.sorted().first(where: { !members.contains($0) }) {
                throw RemoteError(.configuration, "\(path): unknown member '\(unknown)' (known: "
                    + members.sorted().joined(separator: ", ") + ")")
            }
            for (key, value) in object where key != "allowPlainHTTP" && !(value is String) {
                throw RemoteError(.configuration, "\(path): '\(key)' must be a string")
            }
            file = object
        }
        func pick(_ flag: String?, _ flagName: String, _ variable: String, _ member: String) -> (String, String)? {
            if let flag { return (flag, flagName) }
            if let value = environment[variable], !value.isEmpty { return (value, variable) }
            if let value = file[member] as? String { return (value, "\(path) \(member)") }
            return nil
        }
        guard let (url, urlSource) = pick(flags.server, "--server", "GREENLANE_SERVER_URL", "server") else {
            throw RemoteError(.configuration, "no server: give --server https://…, set GREENLANE_SERVER_URL, or "
                + "put \"server\" in \(path)")
        }
        guard let (credential, _) = pick(flags.credentialFile, "--credential-file", "GREENLANE_CREDENTIAL_FILE",
                                          "credentialFile")
        else {
            throw RemoteError(.configuration, "no credential file: give --credential-file FILE, set "
                + "GREENLANE_CREDENTIAL_FILE, or put \"credentialFile\" in \(path) (a file of mode 0600 "
                + "holding the token)")
        }
        let allowPlain = flags.allowPlainHTTP || (file["allowPlainHTTP"] as? Bool == true && flags.server == nil
            && environment["GREENLANE_SERVER_URL"] == nil)
        let server = try ServerAddress(parsing: url, allowPlainHTTP: allowPlain, source: urlSource)
        let ca = pick(flags.ca, "--ca", "GREENLANE_SERVER_CA", "ca")?.0
        return RemoteSettings(server: server, credentialFile: credential, ca: ca)
    }
}

/// The token a credential file holds: its first line, from a file only its owner can read (as key files).
public struct Credential: Sendable {
    let token: String

    public static func load(_ path: String) throws(RemoteError) -> Credential {
        let bytes: [UInt8]
        do { bytes = try FileReader.read(path, what: "credential file", limit: 4_096, secret: true) } catch {
            throw RemoteError(.configuration, error.reason, underlying: error)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let token = line.hasSuffix("\r") ? line.dropLast() : line
        guard !token.isEmpty, token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw RemoteError(.configuration, "credential file \(path): the first line must be the token the "
                + "server gave (printable ASCII, no spaces)")
        }
        return Credential(token: String(token))
    }
}
