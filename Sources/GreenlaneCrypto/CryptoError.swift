/// The one error type of GreenlaneCrypto.
///
/// `code` is what callers branch on; `reason` is for people and names the file when there is one;
/// `openSSLErrors` keeps OpenSSL's own text so a failure can be diagnosed without a debugger.
/// Never carries private key material.
public struct CryptoError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A struct with static lets rather than an enum, so codes can be added without breaking `switch`es.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// OpenSSL could not generate a key pair.
        public static let keyGeneration = Code("keyGeneration")
        /// Key bytes are malformed, have the wrong length, or are not a valid point/scalar.
        public static let invalidKey = Code("invalidKey")
        /// A well-formed key of a type other than P-256 EC or Ed25519.
        public static let unsupportedKeyType = Code("unsupportedKeyType")
        /// A public key or certificate was given where a private key is needed.
        public static let notAPrivateKey = Code("notAPrivateKey")
        /// The private key is encrypted and no passphrase was given.
        public static let passphraseRequired = Code("passphraseRequired")
        /// The passphrase does not decrypt the private key.
        public static let wrongPassphrase = Code("wrongPassphrase")
        /// The passphrase cannot be used (longer than OpenSSL's 1024-byte PEM buffer).
        public static let invalidPassphrase = Code("invalidPassphrase")
        /// No PEM block at all, or a block whose base64 body is corrupt.
        public static let malformedPEM = Code("malformedPEM")
        /// A PEM block that starts but never ends: the text was cut off.
        public static let truncatedPEM = Code("truncatedPEM")
        /// A private key file readable or writable by group or others.
        public static let insecureKeyFile = Code("insecureKeyFile")
        /// A file that cannot be opened or read.
        public static let fileUnreadable = Code("fileUnreadable")
        /// A file that cannot be created or written.
        public static let fileUnwritable = Code("fileUnwritable")
        /// Refusing to overwrite an existing file.
        public static let fileExists = Code("fileExists")
        /// OpenSSL failed to sign, or to encode a key.
        public static let signingFailed = Code("signingFailed")
        /// An X.509 certificate that cannot be parsed.
        public static let certificate = Code("certificate")
    }

    public let code: Code
    public let reason: String
    public let openSSLErrors: [String]
    public let file: String
    public let line: Int

    init(
        _ code: Code, _ reason: String, openSSLErrors: [String] = [],
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.openSSLErrors = openSSLErrors
        self.file = file
        self.line = line
    }

    public var description: String {
        if openSSLErrors.isEmpty { return reason }
        return reason + " (OpenSSL: " + openSSLErrors.joined(separator: "; ") + ")"
    }

    /// Equal when the codes are equal: the reason text and source location are diagnostics, not identity.
    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
}
