import ArgumentParser
import GreenlaneFormat
package import GreenlaneVerifier
#if canImport(Glibc)
package import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

package struct LanguageOptions: ParsableArguments {
    package init() {}

    @Option(name: .long, help: "Language for people: vi or en (default: from LANG/LC_ALL, else vi).")
    var lang: Language?

    package var language: Language {
        lang ?? Language.fromLocale([environment("LC_ALL"), environment("LC_MESSAGES"), environment("LANG")])
    }
}

/// A passphrase is read from a file or an environment variable, never from the command line,
/// where `ps` and shell history would show it.
package struct PassphraseOptions: ParsableArguments {
    package init() {}

    @Option(name: .long, help: "Read the key's passphrase from this file (first line).")
    var passphraseFile: String?

    @Option(name: .long, help: "Read the key's passphrase from this environment variable.")
    var passphraseEnv: String?

    package func validate() throws {
        if passphraseFile != nil && passphraseEnv != nil {
            throw ValidationError("give --passphrase-file or --passphrase-env, not both")
        }
    }

    package func passphrase() throws -> [UInt8]? {
        if let name = passphraseEnv {
            guard let value = environment(name), !value.isEmpty else {
                throw CLIError("environment variable \(name) is not set or empty (--passphrase-env)")
            }
            return Array(value.utf8)
        }
        if let path = passphraseFile {
            let text = try readText(path, what: "passphrase file")
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let passphrase = line.hasSuffix("\r") ? line.dropLast() : line
            guard !passphrase.isEmpty else { throw CLIError("passphrase file \(path) is empty") }
            return Array(passphrase.utf8)
        }
        return nil
    }
}

/// A failure of the command's own inputs (files, keys): printed as one line, exit code 3.
package struct CLIError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

package func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

/// Current time in unix seconds. Only the command line reads the clock; the libraries are told.
package func systemTime() -> Int64 { Int64(time(nil)) }

package func parseTime(_ text: String, flag: String) throws -> Int64 {
    guard let time = Timestamp.parse(text) else {
        throw ValidationError("\(flag) '\(text)' is not a time like 2021-07-24T08:00:00+07:00 or 2021-07-24")
    }
    return time
}

package func readBytes(_ path: String, what: String, limit: Int = 64 << 20) throws -> [UInt8] {
    do {
        return try readFile(path, limit: limit).get()
    } catch {
        throw CLIError("cannot read \(what) \(path): \(error)")
    }
}

package func readText(_ path: String, what: String) throws -> String {
    let bytes = try readBytes(path, what: what)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw CLIError("\(what) \(path) is not UTF-8 text")
    }
    return text
}

package func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
    guard fd >= 0 else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written > 0 else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
        offset += written
    }
}

/// Writes to a file descriptor directly: stdio's `stdout` and `stderr` globals are not concurrency-safe
/// in Swift 6, and a plain write(2) needs no locking for whole lines.
package func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}

package func fputsStdout(_ text: String) {
    writeAll(1, text)
}

/// Standard error, for diagnostics that must not mix with results on standard output.
package func printError(_ text: String) {
    writeAll(2, text + "\n")
}
