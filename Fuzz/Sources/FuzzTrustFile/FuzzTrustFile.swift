import FuzzSupport
import GreenlaneCrypto
import GreenlaneVerifier

// Target (c): arbitrary bytes as a trust file (JSON, PEM public keys or certificates, RFC 3339 times).
// Invariants: a loaded trust set has at least one key, unique kids, each kid equal to the key's own, and
// its own trustFile() text loads back to the same kids.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let set = try? TrustSet(trustFile: bytes) else { return 0 }
    if set.keys.isEmpty { invariantFailed("a trust set with no keys loaded") }
    if Set(set.keys.map(\.keyID)).count != set.keys.count { invariantFailed("duplicate kids loaded") }
    for key in set.keys where key.keyID != key.publicKey.keyID || key.keyID.count != 8 {
        invariantFailed("kid \(key.keyIDHex) is not the key's own")
    }
    for key in set.keys {
        if let notBefore = key.notBefore, let notAfter = key.notAfter, notBefore >= notAfter {
            invariantFailed("key \(key.keyIDHex) has an empty validity period")
        }
    }
    do {
        let again = try TrustSet(trustFile: Array(set.trustFile().utf8))
        if again.keys.map(\.keyID) != set.keys.map(\.keyID) { invariantFailed("trust file does not round-trip") }
    } catch {
        invariantFailed("a loaded trust set's own file does not load: \(error)")
    }
    return 0
}
