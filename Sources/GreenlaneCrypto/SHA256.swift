import COpenSSL

/// SHA-256 fetched from the default provider once: `EVP_sha256()` would make OpenSSL 3 look the
/// implementation up again on every call.
final class FetchedDigest: @unchecked Sendable {  // immutable; a fetched EVP_MD is shareable across threads
    let pointer: OpaquePointer
    init(_ name: String) {
        guard let pointer = EVP_MD_fetch(nil, name, nil) else {
            fatalError("OpenSSL has no \(name) implementation: \(drainOpenSSLErrors())")
        }
        self.pointer = pointer
    }
    deinit { EVP_MD_free(pointer) }
}

let sha256Digest = FetchedDigest("SHA256")

public enum SHA256 {
    /// The 32-byte SHA-256 digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        ERR_clear_error()
        return [UInt8](unsafeUninitializedCapacity: 32) { out, count in
            var length: UInt32 = 0
            let ok = withNonNullBytes(bytes) { input, inputCount in
                EVP_Digest(input, inputCount, out.baseAddress, &length, sha256Digest.pointer, nil)
            }
            // Only allocation failure can make SHA-256 fail; there is no sensible value to return.
            precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed: \(drainOpenSSLErrors())")
            count = 32
        }
    }
}
