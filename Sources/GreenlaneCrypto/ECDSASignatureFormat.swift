import COpenSSL

// COSE carries ECDSA signatures as raw r||s (RFC 9053 §2.1); OpenSSL speaks DER ECDSA-Sig-Value.

/// DER ECDSA-Sig-Value for a 64-byte raw P-256 r||s, or nil if OpenSSL rejects it.
func ecdsaDER(fromRaw raw: [UInt8]) -> [UInt8]? {
    guard raw.count == 64 else { return nil }
    let halves: (BigNumber, BigNumber)? = raw.withUnsafeBufferPointer { buffer in
        guard let r = BigNumber(bigEndian: UnsafeBufferPointer(rebasing: buffer[0..<32])),
            let s = BigNumber(bigEndian: UnsafeBufferPointer(rebasing: buffer[32..<64]))
        else { return nil }
        return (r, s)
    }
    guard let (r, s) = halves, let created = ECDSA_SIG_new() else { return nil }
    let signature = ECDSASignature(taking: created)
    // On success ECDSA_SIG_set0 owns the BIGNUMs, so our wrappers must not free them.
    guard ECDSA_SIG_set0(signature.pointer, r.pointer, s.pointer) == 1 else { return nil }
    r.release()
    s.release()
    let length = i2d_ECDSA_SIG(signature.pointer, nil)
    guard length > 0, length <= 72 else { return nil }  // 2 × (2 + 33) + 2 for P-256
    var written: Int32 = 0
    let der = [UInt8](unsafeUninitializedCapacity: Int(length)) { buffer, count in
        var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
        written = i2d_ECDSA_SIG(signature.pointer, &cursor)
        count = written == length ? Int(length) : 0
    }
    return written == length ? der : nil
}

/// Raw 64-byte r||s for a DER P-256 ECDSA signature, or nil when it does not parse or r/s exceed 32 bytes.
func ecdsaRaw(fromDER der: [UInt8]) -> [UInt8]? {
    guard !der.isEmpty, der.count <= 72 else { return nil }
    let decoded: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
        var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
        return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
    }
    guard let decoded else { return nil }
    let signature = ECDSASignature(taking: decoded)
    var r: OpaquePointer?
    var s: OpaquePointer?
    ECDSA_SIG_get0(signature.pointer, &r, &s)  // borrowed pointers, owned by `signature`
    guard let r, let s else { return nil }
    var ok = true
    let raw = [UInt8](unsafeUninitializedCapacity: 64) { buffer, count in
        ok = BN_bn2binpad(r, buffer.baseAddress, 32) == 32
            && BN_bn2binpad(s, buffer.baseAddress! + 32, 32) == 32
        count = 64
    }
    return ok ? raw : nil
}
