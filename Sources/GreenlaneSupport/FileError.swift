/// Why a file could not be read or written.
public enum FileDomain: ErrorDomain {}
public typealias FileError = CodedError<FileDomain>

extension FileError.Code where Domain == FileDomain {
    /// Missing, unreadable, or not a regular file.
    public static var unreadable: Self { .init("unreadable", kind: .setup) }
    /// Larger than the command accepts for it.
    public static var tooLarge: Self { .init("tooLarge", kind: .setup) }
    /// A secret (key, passphrase) that other accounts can read or write.
    public static var insecurePermissions: Self { .init("insecurePermissions", kind: .setup) }
    /// The file exists and the command promises never to overwrite it.
    public static var exists: Self { .init("exists", kind: .setup) }
    /// The folder to write into is missing or is not a folder.
    public static var noFolder: Self { .init("noFolder", kind: .setup) }
    /// Creating, writing, syncing or renaming failed (disk full, I/O error, permissions).
    public static var unwritable: Self { .init("unwritable", kind: .runtime) }
}

/// The C library's text for an errno value ("No space left on device").
package func systemMessage(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
