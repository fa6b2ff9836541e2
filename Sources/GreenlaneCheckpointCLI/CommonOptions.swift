import ArgumentParser
package import GreenlaneMessages
package import GreenlaneSupport
import GreenlaneFormat
import GreenlaneVerifier
#if canImport(Glibc)
import Glibc
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
                throw CLIError(.input, "environment variable \(name) is not set or empty (--passphrase-env)")
            }
            return Array(value.utf8)
        }
        if let path = passphraseFile {
            // Checked like a key file, before anything is decrypted with it.
            let text = try readText(path, what: "passphrase file", limit: 64 << 10, secret: true)
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let passphrase = line.hasSuffix("\r") ? line.dropLast() : line
            guard !passphrase.isEmpty else { throw CLIError(.input, "passphrase file \(path) is empty") }
            return Array(passphrase.utf8)
        }
        return nil
    }
}

/// Why a command could not do what was asked, when no library error says it better.
package enum CommandDomain: ErrorDomain {}
package typealias CLIError = CodedError<CommandDomain>

extension CLIError.Code where Domain == CommandDomain {
    /// Something the command was given cannot be used (a passphrase variable that is not set).
    package static var input: Self { .init("input", kind: .setup) }
    /// This build or machine lacks what the command needs (a library, greenlane-office).
    package static var missing: Self { .init("missing", kind: .runtime) }
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

package func readBytes(_ path: String, what: String, limit: Int = 64 << 20, secret: Bool = false)
    throws(FileError) -> [UInt8]
{
    try FileReader.read(path, what: what, limit: limit, secret: secret)
}

package func readText(_ path: String, what: String, limit: Int = 64 << 20, secret: Bool = false)
    throws(FileError) -> String
{
    let bytes = try readBytes(path, what: what, limit: limit, secret: secret)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw FileError(.unreadable, "\(what) \(path) is not UTF-8 text")
    }
    return text
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

/// Standard error, for diagnostics that must not mix with results on standard output. Each line is escaped
/// (`SafeText`): diagnostics quote files, CSV rows and stored text, which must not drive the terminal.
package func printError(_ text: String) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { SafeText.escaped(String($0)) }
    writeAll(2, lines.joined(separator: "\n") + "\n")
}

/// The terminal the results go to, if any.
package enum Terminal {
    /// A coloured full-width banner when standard output is a terminal and `NO_COLOR` is not set
    /// (no-color.org: any non-empty value); plain text otherwise.
    package static func bannerStyle() -> BannerStyle {
        guard isatty(1) == 1, (environment("NO_COLOR") ?? "").isEmpty, environment("TERM") != "dumb" else {
            return .plain
        }
        return .colour(width: width())
    }

    /// Columns of standard output's terminal, else `COLUMNS`, else 80; at least 40.
    static func width() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return max(40, Int(size.ws_col)) }
        if let columns = environment("COLUMNS").flatMap(Int.init), columns > 0 { return max(40, columns) }
        return 80
    }
}
