#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way greenlane reads an input file: a regular file, bounded before it is read, through one
/// descriptor so that the size and mode checked are those of the file actually read.
public enum FileReader {
    /// Reads the whole file at `path`. `what` names it in messages ("trust file"). Refuses anything that is
    /// not a regular file (a device such as /dev/zero, a FIFO) and anything over `limit` bytes.
    ///
    /// With `secret`, a file that group or others may read or write is refused before a byte of it is used:
    /// a key or passphrase other accounts can read may already be compromised.
    public static func read(_ path: String, what: String, limit: Int, secret: Bool = false)
        throws(FileError) -> [UInt8]
    {
        let (bytes, permissions) = try readWithPermissions(path, what: what, limit: limit)
        if secret, permissions & 0o077 != 0 {
            throw FileError(
                .insecurePermissions,
                "\(what) \(path) has mode 0\(String(permissions, radix: 8)), so group or others can access it; "
                    + "restrict it with `chmod 600 \(path)`")
        }
        return bytes
    }

    /// The bytes and the permission bits of the file read, through one descriptor so both describe it.
    public static func readWithPermissions(_ path: String, what: String, limit: Int)
        throws(FileError) -> (bytes: [UInt8], permissions: UInt32)
    {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw FileError(.unreadable, "cannot open \(what) \(path): \(systemMessage(errno))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw FileError(.unreadable, "cannot read \(what) \(path): \(systemMessage(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FileError(.unreadable, "\(what) \(path) is not a regular file")
        }
        let permissions = UInt32(info.st_mode) & 0o777
        let size = Int(info.st_size)
        guard size <= limit else {
            throw FileError(.tooLarge, "\(what) \(path) is \(size) bytes; the limit is \(limit)")
        }
        var bytes = [UInt8](repeating: 0, count: size + 1)  // +1 notices a file that grew since fstat
        var total = 0
        while total < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + total, $0.count - total) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(.unreadable, "cannot read \(what) \(path): \(systemMessage(errno))")
            }
            if count == 0 { break }
            total += count
        }
        guard total <= size else { throw FileError(.unreadable, "\(what) \(path) changed while being read") }
        bytes.removeSubrange(total...)
        return (bytes, permissions)
    }

    /// The file's permission bits and whether it is a regular file, without following a final symlink.
    public static func mode(of path: String) -> UInt32? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return UInt32(info.st_mode)
    }
}
