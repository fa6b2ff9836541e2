public import GreenlaneSupport
public import GreenlaneCrypto
import GreenlaneFormat
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An issuer key the checkpoint trusts.
public struct TrustedKey: Sendable {
    public let keyID: [UInt8]
    public let algorithm: SignatureAlgorithm
    public let label: String
    /// The issuer (`iss`) this key signs for; nil means any.
    public let issuer: String?
    /// Passes must have been issued (`iat`) within this period (unix seconds).
    public let notBefore: Int64?
    public let notAfter: Int64?
    /// A demo key: passes it signed are flagged in every output and refused outside training mode. Always
    /// true for the published demo keys (`DemoKeys`), whatever the caller says.
    public let isDemo: Bool
    public let publicKey: PublicKey

    public init(
        publicKey: PublicKey, label: String, issuer: String? = nil, notBefore: Int64? = nil, notAfter: Int64? = nil,
        isDemo: Bool = false
    ) {
        self.keyID = publicKey.keyID
        self.algorithm = publicKey.algorithm
        self.publicKey = publicKey
        self.label = label
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.isDemo = isDemo || DemoKeys.contains(publicKey.keyID)
    }

    public var keyIDHex: String { Hex.encode(keyID) }
}

/// The keys a checkpoint trusts, by key id. Immutable once loaded.
///
/// There is no default key: a pass whose kid is not here is rejected, never tried against another key.
public struct TrustSet: Sendable {
    public let keys: [TrustedKey]
    private let byKeyID: [[UInt8]: TrustedKey]

    public init(keys: [TrustedKey]) throws(VerifierError) {
        var byKeyID: [[UInt8]: TrustedKey] = [:]
        for key in keys {
            guard byKeyID[key.keyID] == nil else {
                throw VerifierError(.duplicateKeyID, "key id \(key.keyIDHex) is listed twice")
            }
            byKeyID[key.keyID] = key
        }
        self.keys = keys
        self.byKeyID = byKeyID
    }

    public func key(for keyID: [UInt8]) -> TrustedKey? { byKeyID[keyID] }

    /// Reads a trust file (JSON, `greenlane-trust/1`; see docs/FORMAT.md).
    public static func load(path: String) throws(VerifierError) -> TrustSet {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.read(path, what: "trust file", limit: Limits.trustFileBytes)
        } catch {
            throw VerifierError(.unreadableFile, error.reason, underlying: error)
        }
        do {
            return try TrustSet(trustFile: bytes)
        } catch {
            throw VerifierError(error.code, "trust file \(path): \(error.reason)", underlying: error.underlying)
        }
    }

    /// Parses the contents of a trust file. Every entry's kid is recomputed from its key and must match:
    /// a typo in a trust file must not silently make a key unreachable or, worse, reachable by another kid.
    public init(trustFile bytes: [UInt8]) throws(VerifierError) {
        let file: TrustFile
        do {
            file = try JSONDecoder().decode(TrustFile.self, from: Data(bytes))
        } catch {
            throw VerifierError(.invalidTrustFile, "not a valid trust file: \(DecodingErrorText.describe(error))")
        }
        guard file.format == TrustFile.formatName else {
            throw VerifierError(
                .invalidTrustFile, "format is '\(file.format)'; this version reads '\(TrustFile.formatName)'")
        }
        guard !file.keys.isEmpty else {
            throw VerifierError(.emptyTrustSet, "the trust file lists no keys")
        }
        var keys: [TrustedKey] = []
        for (index, entry) in file.keys.enumerated() {
            keys.append(try entry.trustedKey(index: index))
        }
        try self.init(keys: keys)
    }

    /// The trust file text for these keys.
    public func trustFile() -> String {
        let file = TrustFile(keys: keys.map(TrustFile.Entry.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and optionals cannot fail.
        let data = (try? encoder.encode(file)) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// The JSON shape of a trust file.
struct TrustFile: Codable {
    static let formatName = "greenlane-trust/1"
    var format: String = formatName
    var keys: [Entry]

    struct Entry: Codable {
        var kid: String
        var alg: String
        var label: String
        var issuer: String?
        var notBefore: String?
        var notAfter: String?
        var demo: Bool?
        var publicKey: String?
        var certificate: String?

        init(_ key: TrustedKey) {
            kid = key.keyIDHex
            alg = key.algorithm.rawValue
            label = key.label
            issuer = key.issuer
            notBefore = key.notBefore.map(Timestamp.rfc3339)
            notAfter = key.notAfter.map(Timestamp.rfc3339)
            demo = key.isDemo ? true : nil
            publicKey = key.publicKey.pem
        }

        func trustedKey(index: Int) throws(VerifierError) -> TrustedKey {
            let at = "keys[\(index)] ('\(SafeText.escaped(label))')"
            let publicKey: PublicKey
            var notBefore = try time(self.notBefore, at, "notBefore")
            var notAfter = try time(self.notAfter, at, "notAfter")
            do {
                switch (self.publicKey, certificate) {
                case (let pem?, nil):
                    publicKey = try PublicKey(pem: pem)
                case (nil, let certificate?):
                    let bytes = Hex.decode(certificate) ?? Array(certificate.utf8)
                    let parsed = try PublicKey.fromCertificate(bytes)
                    publicKey = parsed.key
                    notBefore = notBefore ?? parsed.notBefore
                    notAfter = notAfter ?? parsed.notAfter
                default:
                    throw VerifierError(.invalidTrustFile, "\(at): give exactly one of publicKey and certificate")
                }
            } catch let error as CryptoError {
                throw VerifierError(.invalidTrustFile, "\(at): \(error.description)", underlying: error)
            } catch let error as VerifierError {
                throw error
            } catch {
                throw VerifierError(.invalidTrustFile, "\(at): \(error)")
            }
            guard SignatureAlgorithm(rawValue: alg) == publicKey.algorithm else {
                throw VerifierError(
                    .invalidTrustFile, "\(at): alg '\(alg)' does not match the key, which is \(publicKey.algorithm.rawValue)")
            }
            guard Hex.decode(kid) == publicKey.keyID else {
                throw VerifierError(
                    .keyIDMismatch,
                    "\(at): kid \(kid) does not match the key; its kid is \(Hex.encode(publicKey.keyID))")
            }
            // A published demo key listed as real would make demo passes look real: refused, not corrected.
            if DemoKeys.contains(publicKey.keyID) && demo != true {
                throw VerifierError(
                    .demoKeyNotFlagged,
                    "\(at): kid \(kid) is a published demo key (Keys/); list it with \"demo\": true or remove it")
            }
            if let notBefore, let notAfter, notBefore >= notAfter {
                throw VerifierError(.invalidTrustFile, "\(at): notBefore is not before notAfter")
            }
            return TrustedKey(
                publicKey: publicKey, label: label, issuer: issuer, notBefore: notBefore, notAfter: notAfter,
                isDemo: demo ?? false)
        }

        private func time(_ text: String?, _ at: String, _ field: String) throws(VerifierError) -> Int64? {
            guard let text else { return nil }
            guard let time = Timestamp.parse(text) else {
                throw VerifierError(.invalidTrustFile, "\(at): \(field) '\(text)' is not an RFC 3339 time")
            }
            return time
        }
    }
}
