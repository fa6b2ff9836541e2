public import GreenlaneSupport
import GreenlaneCrypto
public import GreenlaneFormat

/// A revocation list whose signature has been checked against the trust set.
///
/// An unsigned list, or one signed by a key the checkpoint does not trust or that lacks the `revocation-lists`
/// role, is refused outright: a forged list could otherwise refuse good passes at every checkpoint. Which passes
/// a loaded list applies to is the verifier's decision (`PassVerifier`): only those of its signer's issuer, and
/// never real passes when the signer is a demo key.
public struct VerifiedRevocationList: Sendable {
    public let list: RevocationList
    public let signer: TrustedKey
    /// The file it came from, for messages (`load(path:trust:)`).
    public private(set) var source: String?

    /// Largest list file accepted (bytes): about 40 bytes an entry for a million entries.
    public static let maxFileBytes = Limits.revocationListFileBytes

    public init(signed bytes: [UInt8], trust: TrustSet) throws(VerifierError) {
        guard bytes.count <= Self.maxFileBytes else {
            throw VerifierError(.invalidRevocationList, "revocation list is larger than \(Self.maxFileBytes) bytes")
        }
        let message: COSESign1
        do {
            let items = RevocationList.maxEntries * 4 + 64
            message = try COSESign1.decode(bytes, limits: CBORLimits(maxDepth: 6, maxItems: items))
        } catch {
            throw VerifierError(.invalidRevocationList, "revocation list is not a COSE_Sign1 message: \(error)")
        }
        do {
            try message.requireEmptyUnprotectedHeader()
        } catch {
            throw VerifierError(.invalidRevocationList, "revocation list: \(error.reason)")
        }
        guard let kid = message.keyID, !kid.isEmpty else {
            throw VerifierError(.revocationListNotTrusted, "revocation list carries no key id: it is unsigned")
        }
        guard let signer = trust.key(for: kid) else {
            throw VerifierError(
                .revocationListNotTrusted, "revocation list is signed by key \(Hex.encode(kid)), which is not trusted")
        }
        guard signer.roles.contains(.revocationLists) else {
            throw VerifierError(
                .revocationListNotTrusted,
                "revocation list is signed by key \(Hex.encode(kid)), whose trust entry does not have the "
                    + "revocation-lists role (it has: \(KeyRole.all.filter(signer.roles.contains).map(\.name).joined(separator: ", ")))")
        }
        guard let algorithm = PassVerifier.algorithm(message.protectedAlgorithm), algorithm == signer.algorithm else {
            throw VerifierError(
                .revocationListBadSignature,
                "revocation list algorithm \(PassVerifier.describe(message.protectedAlgorithm)) is not the key's")
        }
        guard signer.publicKey.isValidSignature(message.signature, for: message.toBeSigned) else {
            throw VerifierError(.revocationListBadSignature, "revocation list signature is not valid")
        }
        do {
            list = try RevocationList(decoding: message.payload)
        } catch {
            throw VerifierError(.invalidRevocationList, "revocation list content: \(error)")
        }
        if let issuer = signer.issuer, issuer != list.issuer {
            throw VerifierError(
                .revocationListNotTrusted, "revocation list is for issuer \(list.issuer), but its key signs for \(issuer)")
        }
        self.signer = signer
    }

    public static func load(path: String, trust: TrustSet) throws(VerifierError) -> VerifiedRevocationList {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.read(path, what: "revocation list", limit: maxFileBytes)
        } catch {
            throw VerifierError(.unreadableFile, error.reason, underlying: error)
        }
        do {
            var list = try VerifiedRevocationList(signed: bytes, trust: trust)
            list.source = path
            return list
        } catch {
            throw VerifierError(error.code, "\(path): \(error.reason)", underlying: error.underlying)
        }
    }
}
