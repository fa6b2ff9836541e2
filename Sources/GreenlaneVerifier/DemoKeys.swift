public import GreenlaneCrypto
import GreenlaneSupport

/// The demo keys published in the repository's Keys/ folder. Their private halves are public, so whatever
/// they sign is a demo pass, whatever a trust file says: `TrustedKey` marks them demo, a trust file that
/// lists one without `"demo": true` is refused at load, and the office marks every card they sign DEMO.
public enum DemoKeys {
    /// The kids of Keys/demo-es256.pub.pem and Keys/demo-eddsa.pub.pem (a test recomputes them).
    public static let keyIDs: Set<[UInt8]> = [
        [0xCD, 0xB4, 0x43, 0xC9, 0x92, 0x49, 0xEF, 0x11],  // demo ES256
        [0x32, 0x0F, 0x8F, 0xF0, 0x58, 0x5F, 0x31, 0xAB],  // demo EdDSA
    ]

    /// Whether `keyID` is one of the published demo keys.
    public static func contains(_ keyID: [UInt8]) -> Bool { keyIDs.contains(keyID) }

    /// Whether `key` is one of the published demo keys.
    public static func contains(_ key: PublicKey) -> Bool { keyIDs.contains(key.keyID) }
}
