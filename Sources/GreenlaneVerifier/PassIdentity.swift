import GreenlaneCrypto
public import GreenlaneFormat

// A pass's identity is SHA-256 over its COSE_Sign1 bytes, not its code string: the layers around those bytes
// (white space a scanner adds, a zlib stream another compressor would write differently) are not the pass.
// docs/FORMAT.md §1.5.

extension PassCode {
    /// The identity of the pass with these COSE_Sign1 bytes: their SHA-256 (32 bytes).
    public static func identity(coseBytes: [UInt8]) -> [UInt8] { SHA256.hash(coseBytes) }

    /// The identity of the pass in `code`, after unwrapping its text layers. Says nothing of its validity.
    public static func identity(of code: String) throws(FormatError) -> [UInt8] {
        identity(coseBytes: try unwrap(code).coseBytes)
    }
}

extension UnverifiedPass {
    /// SHA-256 of the COSE_Sign1 bytes: what stores and logs key a pass by.
    public var identity: [UInt8] { PassCode.identity(coseBytes: coseBytes) }
}
