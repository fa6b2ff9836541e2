import FuzzSupport
import GreenlaneFormat
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Target (e): raw CBOR.decode in both modes, plus COSESign1.decode and PassClaims(decoding:) on the same bytes.
// Invariants:
//  1. deterministic decode succeeds ⇒ encode gives back exactly the input bytes;
//  2. deterministic decode succeeds ⇒ well-formed decode succeeds with an equal item;
//  3. well-formed decode succeeds ⇒ its encoding decodes deterministically to an equal item, and encoding
//     that again is a fixed point;
//  4. an item from either mode never nests deeper than the limit (checked by re-decoding the encoding);
//  5. PassClaims / COSESign1 that decode also re-encode to the bytes they came from.

func fail(_ message: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Never {
    invariantFailed("\(message); input \(bytes.map { String($0, radix: 16) }.joined(separator: " "))")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeBufferPointer(start: data, count: size)
    let bytes = Array(buffer)
    let strict = try? CBOR.decode(bytes, mode: .deterministic)
    let loose = try? CBOR.decode(bytes, mode: .wellFormed)
    if let strict {
        if strict.encoded() != bytes { fail("deterministic decode then encode changed the bytes", buffer) }
        guard let loose else { fail("deterministic item refused in well-formed mode", buffer) }
        if loose != strict { fail("the two modes decode the same bytes differently", buffer) }
    }
    if let loose {
        let canonical = loose.encoded()
        // A well-formed item can exceed the default limits only if the encoder adds items; it never does.
        let again: CBOR
        do { again = try CBOR.decode(canonical, mode: .deterministic) } catch {
            fail("encoding of a well-formed item is not deterministic CBOR: \(error)", buffer)
        }
        if again != loose { fail("well-formed item changed through its deterministic encoding", buffer) }
        if again.encoded() != canonical { fail("deterministic encoding is not a fixed point", buffer) }
        _ = loose.diagnostic  // diagnostic notation of any item must not trap
    }
    if let message = try? COSESign1.decode(bytes) {
        if message.encoded() != bytes { fail("COSE_Sign1 does not re-encode to its bytes", buffer) }
        _ = message.toBeSigned
    }
    if let claims = try? PassClaims(decoding: bytes) {
        if claims.encoded() != bytes { fail("claims do not re-encode to their bytes", buffer) }
    }
    return 0
}
