#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way greenlane writes a file: all of it or none of it, never through a link it did not make.
///
/// The bytes go to a new temporary file in the same folder (`mkstemp`: created with O_EXCL, so a symlink
/// planted under its name is never followed), are synced to disk, and the file is then renamed over the final
/// name. `rename` replaces whatever is at the final name, a planted symlink included, instead of writing
/// through it. A failed, killed or disk-full write leaves the previous file intact and nothing partial under
/// the final name (at worst a `.NAME.XXXXXX` temporary file, which a failed write removes).
public enum FileWriter {
    /// What to do when the final name already exists.
    public enum Existing: Sendable {
        /// Replace it atomically (revocation lists, pass files written again).
        case replace
        /// Refuse: the command promises never to overwrite (keys, trust files). `link(2)` is used instead of
        /// `rename(2)`, so an existing file or symlink, even one created between the check and the write, stays.
        case refuse
    }

    /// Mode for files that hold personal data or anything not meant for other accounts.
    public static let privateMode: UInt32 = 0o600
    /// Mode for public material (public keys, trust files).
    public static let publicMode: UInt32 = 0o644

    public static func write(
        _ bytes: [UInt8], to path: String, mode: UInt32 = privateMode, existing: Existing = .replace
    ) throws(FileError) {
        let file = try AtomicFile(creating: path, mode: mode, existing: existing)
        try file.append(bytes)
        try file.commit()
    }

    /// Whether `path` is an existing folder this process may create files in: checked before a command does
    /// anything that cannot be undone (issuing), so a missing `--out` folder is an error up front.
    public static func checkFolder(_ path: String, flag: String) throws(FileError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw FileError(.noFolder, "\(flag) folder \(path) does not exist; create it first")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw FileError(.noFolder, "\(flag) \(path) is not a folder")
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw FileError(.unwritable, "\(flag) folder \(path): \(systemMessage(errno))")
        }
    }

    /// The folder and file name of a path; the folder is "." for a bare name.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }

    /// Makes the rename itself durable: without it, a power cut can undo the rename after we reported success.
    static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if count == 0 { return EIO }
            offset += count
        }
        return nil
    }
}

/// A file being written under a temporary name, that appears under its final name only when committed:
/// for outputs written piece by piece (a million-row export) with the same guarantees as `FileWriter.write`.
/// Dropped without `commit()`, it removes its temporary file.
public final class AtomicFile {
    public let path: String
    private let temporary: String
    private let folder: String
    private let existing: FileWriter.Existing
    private var fd: Int32

    public init(creating path: String, mode: UInt32 = FileWriter.privateMode, existing: FileWriter.Existing = .replace)
        throws(FileError)
    {
        let (folder, name) = FileWriter.split(path)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw FileError(.unwritable, "cannot write \(path): not a file name")
        }
        if existing == .refuse, FileReader.mode(of: path) != nil {
            throw FileError(.exists, "\(path) already exists; refusing to overwrite it")
        }
        var template = Array((folder + "/." + name + ".XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw FileError(.noFolder, "cannot write \(path): the folder \(folder) does not exist")
            }
            throw FileError(.unwritable, "cannot write \(path): \(systemMessage(code))")
        }
        self.path = path
        self.temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.folder = folder
        self.existing = existing
        self.fd = fd
        if fchmod(fd, mode_t(mode)) != 0 { throw abandon(errno) }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporary)
        }
    }

    public func append(_ bytes: [UInt8]) throws(FileError) {
        guard fd >= 0 else { throw FileError(.unwritable, "cannot write \(path): already closed") }
        if let code = FileWriter.writeAll(fd, bytes) { throw abandon(code) }
    }

    /// Syncs the bytes to disk and puts the file under its final name.
    public func commit() throws(FileError) {
        guard fd >= 0 else { throw FileError(.unwritable, "cannot write \(path): already closed") }
        if fsync(fd) != 0 { throw abandon(errno) }
        let closed = close(fd)
        fd = -1
        if closed != 0 { throw abandon(errno) }
        switch existing {
        case .replace:
            if rename(temporary, path) != 0 { throw abandon(errno) }
        case .refuse:
            if link(temporary, path) != 0 {
                let code = errno
                unlink(temporary)
                if code == EEXIST { throw FileError(.exists, "\(path) already exists; refusing to overwrite it") }
                throw FileError(.unwritable, "cannot write \(path): \(systemMessage(code))")
            }
            unlink(temporary)
        }
        FileWriter.syncFolder(folder)
    }

    /// Closes and removes the temporary file; returns the error to throw.
    private func abandon(_ code: Int32) -> FileError {
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(temporary)
        return FileError(.unwritable, "cannot write \(path): \(systemMessage(code))")
    }
}
