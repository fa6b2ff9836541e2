#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Plain POSIX calls rather than Foundation: this module must stay cheap to load.

extension PrivateKey {
    /// Reads a PEM private key file. Refuses files readable or writable by group or others: a key that
    /// other accounts can read may already be compromised, and silently using it would hide that.
    public static func load(path: String, passphrase: [UInt8]?) throws(CryptoError) -> PrivateKey {
        let what = "private key file \(path)"
        let (bytes, permissions) = try readKeyFile(path)
        guard permissions & 0o077 == 0 else {
            // A public key or certificate given by mistake gets that said, not a chmod hint for a public file;
            // the PEM reader already tells them apart.
            do {
                _ = try PrivateKey(pem: bytes, passphrase: passphrase, what: what)
            } catch where error.code == .notAPrivateKey {
                throw error
            } catch {}
            let octal = String(permissions, radix: 8)
            throw CryptoError(
                .insecureKeyFile,
                "\(what) has mode 0\(octal), so group or others can access it; restrict it with `chmod 600 \(path)`")
        }
        return try PrivateKey(pem: bytes, passphrase: passphrase, what: what)
    }

    /// Writes `pkcs8PEM(passphrase:)` to a new file with mode 0600; never replaces an existing file.
    public func write(to path: String, passphrase: [UInt8]?) throws(CryptoError) {
        let pem = Array(try pkcs8PEM(passphrase: passphrase).utf8)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(0o600))
        if fd < 0 {
            let error = errno
            if error == EEXIST {
                throw CryptoError(.fileExists, "\(path) already exists; refusing to overwrite a key file")
            }
            throw CryptoError(.fileUnwritable, "cannot create \(path): \(systemMessage(error))")
        }
        var failure: Int32?
        // The umask can only remove bits, but set the mode explicitly so the file is 0600 whatever it was.
        if fchmod(fd, mode_t(0o600)) != 0 { failure = errno }
        if failure == nil { failure = writeAll(fd, pem) }
        if failure == nil, fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == nil { failure = errno }
        if let failure {
            unlink(path)  // we created it, so a half-written key file is ours to remove
            throw CryptoError(.fileUnwritable, "cannot write \(path): \(systemMessage(failure))")
        }
    }
}

/// Largest key file we read: PEM keys are a few hundred bytes; anything huge is not a key.
private let maximumKeyFileSize = 1 << 20

/// The file's bytes and permission bits, read through one descriptor so both describe the same file.
private func readKeyFile(_ path: String) throws(CryptoError) -> (bytes: [UInt8], permissions: UInt32) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
        throw CryptoError(.fileUnreadable, "cannot open private key file \(path): \(systemMessage(errno))")
    }
    defer { close(fd) }
    // fstat on the open descriptor, so the mode checked is that of the file actually read.
    var info = stat()
    guard fstat(fd, &info) == 0 else {
        throw CryptoError(.fileUnreadable, "cannot stat private key file \(path): \(systemMessage(errno))")
    }
    let mode = UInt32(info.st_mode)
    guard mode & UInt32(S_IFMT) == UInt32(S_IFREG) else {
        throw CryptoError(.fileUnreadable, "private key file \(path) is not a regular file")
    }
    let size = Int(info.st_size)
    guard size <= maximumKeyFileSize else {
        throw CryptoError(.fileUnreadable, "private key file \(path) is \(size) bytes, too large for a key")
    }
    var bytes = [UInt8](repeating: 0, count: size + 1)  // +1 notices a file that grew since fstat
    var total = 0
    while total < bytes.count {
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
        if count < 0 {
            if errno == EINTR { continue }
            throw CryptoError(.fileUnreadable, "cannot read private key file \(path): \(systemMessage(errno))")
        }
        if count == 0 { break }
        total += count
    }
    guard total <= size else {
        throw CryptoError(.fileUnreadable, "private key file \(path) changed while being read")
    }
    bytes.removeSubrange(total...)
    return (bytes, mode & 0o777)
}

private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
    var offset = 0
    while offset < bytes.count {
        let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if count < 0 {
            if errno == EINTR { continue }
            return errno
        }
        offset += count
    }
    return nil
}

private func systemMessage(_ error: Int32) -> String {
    guard let message = strerror(error) else { return "errno \(error)" }
    return String(cString: message)
}
