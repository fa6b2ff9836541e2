import FuzzSupport
import GreenlaneFormat
import GreenlaneVerifier

// Target (b): arbitrary bytes as a signed revocation list file (.glr), checked against the demo trust set.
// Also feeds the same bytes, as a payload, straight to RevocationList(decoding:) so the content parser is
// reached without a valid signature. Invariants: a decoded payload's entries are strictly sorted and it
// re-encodes to exactly the input bytes (the decoder is deterministic, so one list has one encoding), and
// every reason is a code.

let trust: TrustSet = {
    do { return try TrustSet.load(path: fixture("Keys/demo-trust.json")) } catch {
        invariantFailed("demo trust file does not load: \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let verified = try? VerifiedRevocationList(signed: bytes, trust: trust) {
        _ = verified.list.entry(for: "HN-000001")
    }
    if let list = try? RevocationList(decoding: bytes) {
        for (previous, next) in zip(list.entries, list.entries.dropFirst()) where previous.serial >= next.serial {
            invariantFailed("entries out of order: \(previous.serial) then \(next.serial)")
        }
        if list.encoded() != bytes { invariantFailed("revocation list payload does not re-encode to its bytes") }
        for entry in list.entries where list.entry(for: entry.serial) != entry {
            invariantFailed("binary search misses \(entry.serial)")
        }
        // No free text reaches an officer: every reason that decodes is a code.
        for entry in list.entries where !RevocationReason.isWellFormed(entry.reason.code) {
            invariantFailed("entry \(entry.serial) decoded a reason that is not a code")
        }
    }
    return 0
}
