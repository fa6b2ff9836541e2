public import GreenlaneSupport
public import GreenlaneCrypto
public import GreenlaneFormat

/// Signs pass claims into pass codes, and revocation lists into signed files.
///
/// The protected header carries exactly `alg` and `kid`: the verifier trusts nothing unprotected.
public struct PassSigner: Sendable {
    public let key: PrivateKey

    /// `alg` and `kid`, and the empty message carrying them, encoded once per signer rather than per pass.
    public let protectedHeader: [CBOR: CBOR]
    private let template: COSESign1

    public init(key: PrivateKey) {
        self.key = key
        protectedHeader = [
            .init(COSESign1.HeaderLabel.algorithm): .init(key.algorithm.coseIdentifier),
            .init(COSESign1.HeaderLabel.keyID): .bytes(key.publicKey.keyID),
        ]
        template = COSESign1(protected: protectedHeader, payload: [])
    }

    /// Signs a COSE_Sign1 over `payload` with this key.
    public func signMessage(payload: [UInt8]) throws(CryptoError) -> COSESign1 {
        let message = template.replacingPayload(payload)
        return message.signed(with: try key.sign(message.toBeSigned))
    }

    /// The pass code for `claims`, which are validated first with the decoder's own rules, so a pass
    /// that a verifier would call malformed is never issued.
    public func passCode(
        for claims: PassClaims, compression: PassCode.Compression = .automatic
    ) throws(IssuingError) -> String {
        let payload: [UInt8]
        do {
            payload = try claims.validatedEncoding()
        } catch {
            throw IssuingError(.invalidClaims, error.reason, underlying: error)
        }
        let message: COSESign1
        do {
            message = try signMessage(payload: payload)
        } catch {
            throw IssuingError(.signingFailed, error.description, underlying: error)
        }
        return PassCode.encode(message.encoded(), compression: compression)
    }

    /// The signed revocation list, as the bytes of a tagged COSE_Sign1.
    public func signedRevocationList(_ list: RevocationList) throws(IssuingError) -> [UInt8] {
        do {
            return try signMessage(payload: list.encoded()).encoded()
        } catch {
            throw IssuingError(.signingFailed, error.description, underlying: error)
        }
    }
}

/// Why a pass or list could not be issued.
public enum IssuingDomain: ErrorDomain {}
public typealias IssuingError = CodedError<IssuingDomain>

extension IssuingError.Code where Domain == IssuingDomain {
    /// The claims fail the format's own rules (a bug or unchecked input upstream).
    public static var invalidClaims: Self { .init("invalidClaims", kind: .rejected) }
    /// OpenSSL failed to sign.
    public static var signingFailed: Self { .init("signingFailed", kind: .runtime) }
}
