#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public import GreenlaneSupport

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

    /// Writes `pkcs8PEM(passphrase:)` to a new file with mode 0600, atomically; never replaces an existing file.
    public func write(to path: String, passphrase: [UInt8]?) throws(CryptoError) {
        let pem = Array(try pkcs8PEM(passphrase: passphrase).utf8)
        do {
            try FileWriter.write(pem, to: path, mode: FileWriter.privateMode, existing: .refuse)
        } catch where error.code == .exists {
            throw CryptoError(.fileExists, "\(path) already exists; refusing to overwrite a key file", underlying: error)
        } catch {
            throw CryptoError(.fileUnwritable, error.reason, underlying: error)
        }
    }
}

/// Largest key file we read: PEM keys are a few hundred bytes; anything huge is not a key.
private let maximumKeyFileSize = 1 << 20

/// The file's bytes and permission bits, read through one descriptor so both describe the same file.
private func readKeyFile(_ path: String) throws(CryptoError) -> (bytes: [UInt8], permissions: UInt32) {
    do {
        return try FileReader.readWithPermissions(path, what: "private key file", limit: maximumKeyFileSize)
    } catch {
        throw CryptoError(.fileUnreadable, error.reason, underlying: error)
    }
}
