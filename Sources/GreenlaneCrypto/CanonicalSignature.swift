// One signature per signed message: ECDSA and Ed25519 each admit a second encoding of a valid signature,
// which would give one pass two code strings. The issuer emits only the canonical one and the verifier
// refuses the other (docs/FORMAT.md, "Canonical codes").

/// The order n of the P-256 group, big-endian.
let p256Order: [UInt8] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
]
/// ⌊n / 2⌋ for P-256, big-endian: an ECDSA s above this is "high"; n − s is the same signature's low form.
let p256HalfOrder: [UInt8] = [
    0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42, 0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8,
]
/// The Ed25519 group order L = 2^252 + 27742317777372353535851937790883648493, little-endian as S is.
let ed25519Order: [UInt8] = [
    0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
]

/// Whether the big-endian number `a` is greater than `b` (same length).
func isGreater<A: RandomAccessCollection<UInt8>, B: RandomAccessCollection<UInt8>>(_ a: A, _ b: B) -> Bool {
    precondition(a.count == b.count)
    for (x, y) in zip(a, b) where x != y { return x > y }
    return false
}

/// A 64-byte raw ES256 r||s with s replaced by n − s when s > n/2. Other input is returned unchanged.
func ecdsaLowS(_ raw: [UInt8]) -> [UInt8] {
    guard raw.count == 64, isGreater(raw[32...], p256HalfOrder), !isGreater(raw[32...], p256Order) else { return raw }
    var result = raw
    var borrow = 0
    for index in (0..<32).reversed() {
        let difference = Int(p256Order[index]) - Int(raw[32 + index]) - borrow
        result[32 + index] = UInt8((difference + 256) & 0xFF)
        borrow = difference < 0 ? 1 : 0
    }
    return result
}

extension SignatureAlgorithm {
    /// Whether `signature` (COSE form, 64 bytes) is in the second, non-canonical form of a signature: an ES256
    /// s above n/2 (its twin n − s verifies too), or an Ed25519 S not reduced below the group order L
    /// (RFC 8032 §5.1.7 requires refusing it; some libraries accept S + L). Says nothing of whether the
    /// signature verifies; a signature of the wrong length is not judged here (it is simply bad).
    public func isNonCanonical(signature: [UInt8]) -> Bool {
        guard signature.count == signatureLength else { return false }
        switch self {
        case .es256:
            return isGreater(signature[32...], p256HalfOrder)
        case .eddsa:
            // S is the last 32 bytes, little-endian: compare from the most significant byte down.
            return !isGreater(ed25519Order.reversed(), signature[32...].reversed())
        }
    }
}
