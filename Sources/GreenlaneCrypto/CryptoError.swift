public import GreenlaneSupport

/// The error of GreenlaneCrypto. Never carries private key material; OpenSSL's own messages are kept as the
/// underlying `OpenSSLErrors`, for diagnosis, not in the reason.
public enum CryptoDomain: ErrorDomain {}
public typealias CryptoError = CodedError<CryptoDomain>

extension CryptoError.Code where Domain == CryptoDomain {
    /// OpenSSL could not generate a key pair.
    public static var keyGeneration: Self { .init("keyGeneration", kind: .runtime) }
    /// Key bytes are malformed, have the wrong length, or are not a valid point/scalar.
    public static var invalidKey: Self { .init("invalidKey", kind: .setup) }
    /// A well-formed key of a type other than P-256 EC or Ed25519.
    public static var unsupportedKeyType: Self { .init("unsupportedKeyType", kind: .setup) }
    /// A public key or certificate was given where a private key is needed.
    public static var notAPrivateKey: Self { .init("notAPrivateKey", kind: .setup) }
    /// The private key is encrypted and no passphrase was given.
    public static var passphraseRequired: Self { .init("passphraseRequired", kind: .setup) }
    /// The passphrase does not decrypt the private key.
    public static var wrongPassphrase: Self { .init("wrongPassphrase", kind: .setup) }
    /// The passphrase cannot be used (longer than OpenSSL's 1024-byte PEM buffer).
    public static var invalidPassphrase: Self { .init("invalidPassphrase", kind: .setup) }
    /// No PEM block at all, or a block whose base64 body is corrupt.
    public static var malformedPEM: Self { .init("malformedPEM", kind: .setup) }
    /// A PEM block that starts but never ends: the text was cut off.
    public static var truncatedPEM: Self { .init("truncatedPEM", kind: .setup) }
    /// A private key file readable or writable by group or others.
    public static var insecureKeyFile: Self { .init("insecureKeyFile", kind: .setup) }
    /// A file that cannot be opened or read.
    public static var fileUnreadable: Self { .init("fileUnreadable", kind: .setup) }
    /// A file that cannot be created or written.
    public static var fileUnwritable: Self { .init("fileUnwritable", kind: .runtime) }
    /// Refusing to overwrite an existing file.
    public static var fileExists: Self { .init("fileExists", kind: .setup) }
    /// OpenSSL failed to sign, or to encode a key.
    public static var signingFailed: Self { .init("signingFailed", kind: .runtime) }
    /// An X.509 certificate that cannot be parsed.
    public static var certificate: Self { .init("certificate", kind: .setup) }
}

/// The messages OpenSSL queued for a failure (`ERR_error_string_n`), kept as the underlying error.
public struct OpenSSLErrors: Error, Sendable, CustomStringConvertible {
    public let messages: [String]
    public var description: String { "OpenSSL: " + messages.joined(separator: "; ") }
}
