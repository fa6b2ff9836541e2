import GreenlaneSupport
package import GreenlaneVerifier
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The revocation lists and the verifier state a checkpoint decides with, loaded once per run.
package enum CheckpointData {
    /// The state file: `--state`, else `$GREENLANE_VERIFIER_STATE`, else the XDG state folder.
    package static func statePath(_ flag: String?) throws -> String {
        if let flag { return flag }
        if let path = environment("GREENLANE_VERIFIER_STATE"), !path.isEmpty { return path }
        // A data folder given for the checkpoint (tests, the demo, a second checkpoint on one machine) holds its
        // state too, so two such folders never share what either has seen.
        if let home = environment(CheckpointSettings.homeVariable), home.hasPrefix("/") {
            return home + "/verifier-state"
        }
        let base: String
        if let xdg = environment("XDG_STATE_HOME"), xdg.hasPrefix("/") {
            base = xdg
        } else if let home = environment("HOME"), home.hasPrefix("/") {
            base = home + "/.local/state"
        } else {
            throw CLIError(.input, "no HOME: give the verifier state file with --state or GREENLANE_VERIFIER_STATE")
        }
        // Only the default folder is created (private); a path given explicitly must have its folder.
        var folder = ""
        for part in (base + "/greenlane").split(separator: "/") {
            folder += "/" + part
            if mkdir(folder, 0o700) != 0 && errno != EEXIST {
                throw CLIError(.input, "cannot create \(folder) for the verifier state: \(String(cString: strerror(errno)))")
            }
        }
        return base + "/greenlane/verifier-state"
    }

    /// Every list in `paths` (files, or folders whose `.glr` files are read in name order), checked against the
    /// trust set, one per signer, then against the state file (rollback) and recorded in it.
    package static func load(trust: TrustSet, revocations paths: [String], statePath: String, time: Int64, skew: Int64)
        throws -> (lists: [VerifiedRevocationList], state: VerifierState)
    {
        var files: [String] = []
        for path in paths { files += try listFiles(path) }
        var lists: [VerifiedRevocationList] = []
        for file in files {
            let list = try VerifiedRevocationList.load(path: file, trust: trust)
            if let other = lists.first(where: { $0.signer.keyID == list.signer.keyID }) {
                throw VerifierError(
                    .revocationListsOneSigner,
                    "\(other.source ?? "?") and \(file) are both signed by key \(list.signer.keyIDHex); give one list "
                        + "per signer, the newest")
            }
            lists.append(list)
        }
        let state = lists.isEmpty
            ? try VerifierState.read(path: statePath)
            : try VerifierState.update(path: statePath, admitting: lists, at: time, skew: skew)
        return (lists, state)
    }

    /// `path` itself, or the `.glr` files in it when it is a folder.
    static func listFiles(_ path: String) throws -> [String] {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return [path] }
        guard let folder = opendir(path) else {
            throw FileError(.unreadable, "cannot read the folder \(path): \(String(cString: strerror(errno)))")
        }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".glr") && !name.hasPrefix(".") { names.append(name) }
        }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        return names.sorted().map { prefix + $0 }
    }
}
