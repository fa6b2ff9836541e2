import COpenSSL

// Every OpenSSL object this module touches lives in one of these classes, which frees it in deinit,
// so no error path can leak and no pointer escapes the module.

/// Empties this thread's OpenSSL error queue, keeping the text so errors carry OpenSSL's own message.
func drainOpenSSLErrors() -> [String] {
    var messages: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        let text = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer -> String in
            buffer.initialize(repeating: 0)
            ERR_error_string_n(code, buffer.baseAddress, buffer.count)
            return String(cString: buffer.baseAddress!)
        }
        messages.append(text)
    }
    return messages
}

/// Builds an error from the current OpenSSL error queue (and empties it).
func openSSLError(_ code: CryptoError.Code, _ reason: String, file: String = #fileID, line: Int = #line)
    -> CryptoError
{
    let messages = drainOpenSSLErrors()
    return CryptoError(code, reason, underlying: messages.isEmpty ? nil : OpenSSLErrors(messages: messages),
                       file: file, line: line)
}

/// Calls `body` with a pointer that is never nil, even for an empty array: some OpenSSL functions treat
/// a NULL buffer as "no input given" rather than "zero bytes".
@inline(__always)
func withNonNullBytes<R, E: Error>(
    _ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) throws(E) -> R
) throws(E) -> R {
    let result: Result<R, E> = bytes.withUnsafeBufferPointer { buffer in
        if let base = buffer.baseAddress, buffer.count > 0 {
            return Result { () throws(E) -> R in try body(base, buffer.count) }
        }
        var zero: UInt8 = 0
        return withUnsafePointer(to: &zero) { pointer in
            Result { () throws(E) -> R in try body(pointer, 0) }
        }
    }
    return try result.get()
}

/// An `EVP_PKEY`. Immutable after construction; OpenSSL 3 allows concurrent sign/verify on one key.
final class EVPKey: @unchecked Sendable {  // immutable; OpenSSL 3 EVP_PKEY is safe for concurrent use
    let pointer: OpaquePointer
    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}

/// An `EVP_PKEY_CTX`, used for key generation and import.
final class EVPKeyContext {
    let pointer: OpaquePointer
    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_CTX_free(pointer) }
}

/// An `EVP_MD_CTX`: one per sign/verify call, never shared between threads.
final class DigestContext {
    let pointer: OpaquePointer
    init?() {
        guard let pointer = EVP_MD_CTX_new() else { return nil }
        self.pointer = pointer
    }
    deinit { EVP_MD_CTX_free(pointer) }
}

/// A memory `BIO`, for OpenSSL's PEM readers and writers.
final class MemoryBIO {
    let pointer: OpaquePointer

    /// An empty, writable BIO.
    init?() {
        guard let pointer = BIO_new(BIO_s_mem()) else { return nil }
        self.pointer = pointer
    }

    /// A BIO holding a copy of `bytes` (BIO_new_mem_buf would alias the array's storage).
    init?(copying bytes: [UInt8]) {
        guard bytes.count < Int(Int32.max), let pointer = BIO_new(BIO_s_mem()) else { return nil }
        self.pointer = pointer
        let written = bytes.withUnsafeBytes { BIO_write(pointer, $0.baseAddress, Int32(bytes.count)) }
        guard bytes.isEmpty || written == Int32(bytes.count) else { return nil }
    }

    deinit { BIO_free(pointer) }

    /// Everything written to the BIO so far.
    func contents() -> [UInt8] {
        let pending = Int(BIO_ctrl_pending(pointer))
        guard pending > 0, pending < Int(Int32.max) else { return [] }
        return [UInt8](unsafeUninitializedCapacity: pending) { buffer, count in
            let read = BIO_read(pointer, buffer.baseAddress, Int32(pending))
            count = max(0, Int(read))
        }
    }
}

/// A `BIGNUM`. `release()` hands ownership to an OpenSSL call that takes it (ECDSA_SIG_set0).
final class BigNumber {
    private(set) var pointer: OpaquePointer?
    init?(bigEndian bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count < Int(Int32.max), let pointer = BN_bin2bn(bytes.baseAddress, Int32(bytes.count), nil)
        else { return nil }
        self.pointer = pointer
    }
    func release() { pointer = nil }
    /// Clears the value before freeing: it may be a private scalar.
    deinit { if let pointer { BN_clear_free(pointer) } }
}

/// An `ECDSA_SIG` (r, s pair).
final class ECDSASignature {
    let pointer: OpaquePointer
    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { ECDSA_SIG_free(pointer) }
}

/// An `EC_GROUP`.
final class ECGroup {
    let pointer: OpaquePointer
    init?(curve nid: Int32) {
        guard let pointer = EC_GROUP_new_by_curve_name(nid) else { return nil }
        self.pointer = pointer
    }
    deinit { EC_GROUP_free(pointer) }
}

/// An `EC_POINT`.
final class ECPoint {
    let pointer: OpaquePointer
    init?(group: ECGroup) {
        guard let pointer = EC_POINT_new(group.pointer) else { return nil }
        self.pointer = pointer
    }
    deinit { EC_POINT_free(pointer) }
}

/// An `OSSL_PARAM_BLD`.
final class ParamBuilder {
    let pointer: OpaquePointer
    init?() {
        guard let pointer = OSSL_PARAM_BLD_new() else { return nil }
        self.pointer = pointer
    }
    deinit { OSSL_PARAM_BLD_free(pointer) }
}

/// An `OSSL_PARAM` array built by `OSSL_PARAM_BLD_to_param`.
final class ParamArray {
    let pointer: UnsafeMutablePointer<OSSL_PARAM>
    init(taking pointer: UnsafeMutablePointer<OSSL_PARAM>) { self.pointer = pointer }
    deinit { OSSL_PARAM_free(pointer) }
}

/// An `X509` certificate.
final class X509Certificate {
    let pointer: OpaquePointer
    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }
}

/// An `ASN1_TIME`.
final class ASN1Time {
    let pointer: UnsafeMutablePointer<ASN1_TIME>
    init(taking pointer: UnsafeMutablePointer<ASN1_TIME>) { self.pointer = pointer }
    deinit { ASN1_TIME_free(pointer) }
}
