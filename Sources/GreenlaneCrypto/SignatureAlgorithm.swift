/// The signature algorithms a pass may be signed with (COSE algorithm registry names and numbers).
public enum SignatureAlgorithm: String, Sendable, CaseIterable, Codable {
    /// ECDSA on P-256 with SHA-256, COSE alg -7.
    case es256 = "ES256"
    /// Ed25519 (pure EdDSA), COSE alg -8.
    case eddsa = "EdDSA"

    public var coseIdentifier: Int {
        switch self {
        case .es256: -7
        case .eddsa: -8
        }
    }

    public init?(coseIdentifier: Int) {
        switch coseIdentifier {
        case -7: self = .es256
        case -8: self = .eddsa
        default: return nil
        }
    }

    /// Length of a signature in COSE form: ES256 is raw r||s (2 × 32 bytes), Ed25519 is always 64 bytes.
    public var signatureLength: Int { 64 }
}
