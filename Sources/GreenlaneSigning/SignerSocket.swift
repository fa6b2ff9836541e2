public import GreenlaneSupport
#if canImport(Glibc)
import Glibc
#endif

/// Where the signer listens, made safe before it binds: the socket's folder must be a real directory owned by
/// the signer's user that others cannot enter (mode 0750 or tighter; the server's account reaches it through
/// the group), the socket itself is 0660, and a socket left by a signer that died is removed only after a
/// connection to it is refused (a live signer keeps its socket, and this one refuses to start).
public enum SignerSocket {
    public static func prepare(_ path: String) throws(SignerError) {
        guard path.utf8.count < 100 else {
            throw SignerError(.setup, "socket path \(path) is longer than a Unix socket address allows (~100 bytes)")
        }
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let directory = folder.isEmpty ? "." : folder
        var info = stat()
        if lstat(directory, &info) != 0 {
            guard errno == ENOENT, mkdir(directory, 0o750) == 0, lstat(directory, &info) == 0 else {
                throw SignerError(.setup, "socket folder \(directory) cannot be made: "
                    + String(cString: strerror(errno)))
            }
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw SignerError(.setup, "socket folder \(directory) is not a directory (a symlink is refused)")
        }
        guard info.st_uid == geteuid() else {
            throw SignerError(.setup, "socket folder \(directory) belongs to user \(info.st_uid), not the signer's "
                + "(\(geteuid())): whoever owns it could swap the socket")
        }
        guard info.st_mode & 0o007 == 0, info.st_mode & 0o020 == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw SignerError(.setup, "socket folder \(directory) has mode 0\(mode): "
                + "others must not reach it and the group must not write it; chmod 750 \(directory)")
        }
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw SignerError(.setup, "\(path) exists and is not a socket; it is not removed")
            }
            if isAnswered(path) {
                throw SignerError(.setup, "another signer is listening on \(path)")
            }
            guard unlink(path) == 0 else {
                throw SignerError(.setup, "the stale socket \(path) cannot be removed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// After binding: the socket is 0660 (owner and group: the server instances' account).
    public static func restrict(_ path: String) throws(SignerError) {
        guard chmod(path, 0o660) == 0 else {
            throw SignerError(.setup, "cannot set mode 0660 on \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Whether something may be listening on the socket at `path`: only a refused connection (ECONNREFUSED,
    /// or the socket gone) proves it stale. A full backlog (EAGAIN) or an interrupted connect, seen under load, is
    /// a live signer, and its socket must not be removed from under it.
    static func isAnswered(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result == 0 { return true }
        let failure = errno
        return failure != ECONNREFUSED && failure != ENOENT
    }
}
