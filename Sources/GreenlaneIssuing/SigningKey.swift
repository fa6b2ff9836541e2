public import GreenlaneCrypto
public import GreenlaneFormat
public import GreenlaneSupport

/// A key that signs passes: what the engine signs through (`PermitEngine(policy:store:key:)`).
///
/// The extension point for keys that never leave their device: a PKCS#11 module (an HSM, a smart card) adds a
/// type conforming to this, opened once with its slot, PIN and key label, whose `sign` calls `C_Sign` and
/// returns the raw signature in COSE's form (ES256: r‖s, 64 bytes; EdDSA: 64 bytes); `publicKey` is read
/// from the device once, so the kid is the same SHA-256 over its SubjectPublicKeyInfo as for a file's key.
/// `sign` is async so such a key may wait on its device or on a session pool; the engine calls it from
/// tasks that sign ahead while the store records, never from the store's own thread.
public protocol SigningKey: Sendable {
    var algorithm: SignatureAlgorithm { get }
    var publicKey: PublicKey { get }
    /// The COSE signature over `message` (a Sig_structure's bytes).
    func sign(_ message: [UInt8]) async throws -> [UInt8]
}

extension SigningKey {
    /// The key id checkpoints know it by (`kid`): the first 8 bytes of SHA-256 over the public key's SPKI.
    public var keyID: [UInt8] { publicKey.keyID }
}

/// A key held in memory is already one: the desk's `greenlane issue` decrypts its PEM file once per command.
extension PrivateKey: SigningKey {}

/// The key in a PKCS#8 PEM file, opened once: refused when group or others can read the file (0600 only),
/// or when it cannot be decrypted. What `greenlane-signer` holds.
public struct PEMSigningKey: SigningKey {
    public let path: String
    let key: PrivateKey

    public init(path: String, passphrase: [UInt8]? = nil) throws(CryptoError) {
        self.path = path
        key = try PrivateKey.load(path: path, passphrase: passphrase)
    }

    public var algorithm: SignatureAlgorithm { key.algorithm }
    public var publicKey: PublicKey { key.publicKey }
    public func sign(_ message: [UInt8]) async throws -> [UInt8] { try key.sign(message) }
}

/// Signs pass codes through any `SigningKey`. The protected header is exactly `alg` and `kid`, as
/// `PassSigner`'s, encoded once.
public struct KeyedPassSigner: Sendable {
    public let key: any SigningKey
    private let template: COSESign1

    public init(key: any SigningKey) {
        self.key = key
        template = COSESign1(protected: [
            .init(COSESign1.HeaderLabel.algorithm): .init(key.algorithm.coseIdentifier),
            .init(COSESign1.HeaderLabel.keyID): .bytes(key.keyID),
        ], payload: [])
    }

    /// The pass code for `claims`, validated first with the decoder's rules (as `PassSigner.passCode`).
    public func passCode(for claims: PassClaims) async throws(IssuingError) -> String {
        try await signedPass(for: claims).code
    }

    /// The pass code for `claims` with the COSE_Sign1 bytes it wraps, which a registry keys the permit by
    /// (`PermitCodeHash`): unwrapping them again from the code cost the store's thread a base45 decode per permit.
    public func signedPass(for claims: PassClaims) async throws(IssuingError) -> SignedPass {
        let payload: [UInt8]
        do { payload = try claims.validatedEncoding() } catch {
            throw IssuingError(.invalidClaims, error.reason, underlying: error)
        }
        let message = template.replacingPayload(payload)
        let signature: [UInt8]
        do { signature = try await key.sign(message.toBeSigned) } catch {
            let reason = (error as? any GreenlaneError)?.reason ?? "\(error)"
            throw IssuingError(.signingFailed, "the signing key failed: \(reason)", underlying: error)
        }
        let cose = message.signed(with: signature).encoded()
        return SignedPass(code: PassCode.encode(cose, compression: .automatic), coseBytes: cose)
    }
}

/// A signed pass: its code, and the COSE_Sign1 message inside it.
public struct SignedPass: Sendable {
    public let code: String
    public let coseBytes: [UInt8]
}
