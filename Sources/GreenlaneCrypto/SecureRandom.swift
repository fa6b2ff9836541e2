import COpenSSL

/// Unpredictable bytes from OpenSSL's CSPRNG (`RAND_bytes`, seeded by the kernel): API tokens, enrolment codes.
public enum SecureRandom {
    /// `count` random bytes. Stops the process when OpenSSL cannot give them: a guessable token is worse than
    /// none, and RAND_bytes fails only when the kernel's entropy cannot be reached at all.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0)
        ERR_clear_error()
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialised in
            if count > 0 {
                let ok = RAND_bytes(buffer.baseAddress, Int32(count))
                precondition(ok == 1, "RAND_bytes failed: \(drainOpenSSLErrors())")
            }
            initialised = count
        }
    }
}
