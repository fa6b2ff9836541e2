import GreenlaneSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a checkpoint sets once with `greenlane setup`: its district and where its trust file and revocation
/// list are. `verify` uses them when no flag says otherwise.
///
/// Stored in `checkpoint.conf` in the data folder: `$GREENLANE_HOME`, else `$XDG_CONFIG_HOME/greenlane`, else
/// `~/.config/greenlane`. One `key = value` per line; `#` starts a comment; keys `zone`, `trust`,
/// `revocations`; paths are absolute. Tests and the demo set GREENLANE_HOME to a folder of their own.
package struct CheckpointSettings: Equatable, Sendable {
    package var zone: String?
    package var trust: String?
    package var revocations: String?

    package init(zone: String? = nil, trust: String? = nil, revocations: String? = nil) {
        self.zone = zone
        self.trust = trust
        self.revocations = revocations
    }

    package static let homeVariable = "GREENLANE_HOME"
    package static let fileName = "checkpoint.conf"

    /// The data folder, and which variable chose it (for messages).
    package static var folder: String {
        if let home = environment(homeVariable), !home.isEmpty { return home }
        if let config = environment("XDG_CONFIG_HOME"), config.hasPrefix("/") { return config + "/greenlane" }
        return (environment("HOME") ?? "") + "/.config/greenlane"
    }

    package static var path: String { folder + "/" + fileName }

    /// The stored settings, or nil when none were ever stored.
    package static func load() throws -> CheckpointSettings? {
        let path = Self.path
        guard FileReader.mode(of: path) != nil else { return nil }
        return try CheckpointSettings(parsing: try readText(path, what: "checkpoint settings", limit: 64 << 10),
                                      path: path)
    }

    package init(parsing text: String, path: String) throws {
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine).trimmingCharacters(in: \.isWhitespace)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw CLIError(.input, "\(path) line \(number + 1): expected `key = value`")
            }
            let key = String(line[..<equals]).trimmingCharacters(in: \.isWhitespace)
            let value = String(line[line.index(after: equals)...]).trimmingCharacters(in: \.isWhitespace)
            switch key {
            case "zone": zone = value
            case "trust": trust = value
            case "revocations": revocations = value
            default:
                throw CLIError(.input, "\(path) line \(number + 1): unknown setting '\(key)' "
                    + "(known: zone, trust, revocations)")
            }
        }
    }

    package var text: String {
        var lines = ["# greenlane checkpoint settings, written by `greenlane setup`; `greenlane verify` uses them"]
        if let zone { lines.append("zone = \(zone)") }
        if let trust { lines.append("trust = \(trust)") }
        if let revocations { lines.append("revocations = \(revocations)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the settings with the one file writer, creating the data folder when it is missing.
    package func save() throws {
        let folder = Self.folder
        try Self.makeFolder(folder)
        try FileWriter.write(Array(text.utf8), to: folder + "/" + Self.fileName, mode: FileWriter.publicMode)
    }

    /// `mkdir -p`, mode 0755: the folder holds settings and paths, nothing personal.
    static func makeFolder(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw FileError(.unwritable, "cannot create the data folder \(prefix): \(systemMessage(errno))")
            }
        }
    }
}

/// An absolute form of `path`, so stored settings do not depend on the folder `setup` ran in.
package func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    let folder = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let relative = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
    return (folder == "/" ? "" : folder) + "/" + relative
}
