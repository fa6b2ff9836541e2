import GreenlaneFormat
import GreenlaneCrypto

/// What makes a permit's code unique in the registry: the first 16 bytes of SHA-256 over its COSE_Sign1 bytes
/// (the code without its prefix, base45 and compression), so one signed pass is one permit however it was
/// compressed. 16 bytes: a collision between two different passes is not a concern at any registry's size.
public enum PermitCodeHash {
    /// nil when `code` is not a pass code's wrapping (prefix, base45, zlib).
    public static func of(_ code: String) -> [UInt8]? {
        guard let cose = try? PassCode.unwrap(code).coseBytes else { return nil }
        return of(coseBytes: cose)
    }

    /// The hash of a code's COSE_Sign1 bytes, for the signer that has them in hand.
    public static func of(coseBytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(coseBytes).prefix(16))
    }
}
