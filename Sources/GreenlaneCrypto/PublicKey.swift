import COpenSSL

/// A P-256 or Ed25519 public key, ready to verify COSE signatures.
public final class PublicKey: @unchecked Sendable, Equatable {  // immutable; EVP_PKEY allows concurrent verify
    public let algorithm: SignatureAlgorithm
    /// DER SubjectPublicKeyInfo, the canonical form: equality and `keyID` are defined over it.
    public let spkiDER: [UInt8]
    /// First 8 bytes of SHA-256 over `spkiDER`. The EU DCC's kid has the same length but is taken over the DER
    /// certificate, so the two differ for the same key.
    public let keyID: [UInt8]
    let key: EVPKey

    /// Wraps a key OpenSSL already holds, checking its type. Only used with public-only keys.
    init(key: EVPKey, what: String) throws(CryptoError) {
        self.algorithm = try keyAlgorithm(key, what: what)
        self.key = key
        self.spkiDER = try subjectPublicKeyInfo(of: key, what: what)
        self.keyID = Array(SHA256.hash(spkiDER).prefix(8))
    }

    /// A key made from the bytes of one of the two fixed SubjectPublicKeyInfo shapes, which are then its
    /// canonical DER as they stand (what `i2d_PUBKEY` would write).
    private init(key: EVPKey, algorithm: SignatureAlgorithm, canonicalSPKI: [UInt8]) {
        self.algorithm = algorithm
        self.key = key
        self.spkiDER = canonicalSPKI
        self.keyID = Array(SHA256.hash(canonicalSPKI).prefix(8))
    }

    /// A "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo) PEM.
    public convenience init(pem: String) throws(CryptoError) {
        let what = "public key PEM"
        let blocks = try PEM.blocks(in: Array(pem.utf8), what: what)
        guard let block = blocks.first(where: { $0.label == "PUBLIC KEY" }) else {
            let label = blocks[0].label
            let hint = label == "CERTIFICATE" ? " (use PublicKey.fromCertificate for certificates)" : ""
            throw CryptoError(.invalidKey, "\(what): expected \"PUBLIC KEY\", found \"\(label)\"\(hint)")
        }
        try self.init(spkiDER: block.der, what: what)
    }

    /// A DER SubjectPublicKeyInfo.
    public convenience init(spkiDER: [UInt8]) throws(CryptoError) {
        try self.init(spkiDER: spkiDER, what: "public key DER")
    }

    /// A P-256 point from its 32-byte affine coordinates (COSE_Key / JWK form). Points off the curve are rejected.
    public convenience init(p256X x: [UInt8], y: [UInt8]) throws(CryptoError) {
        guard x.count == 32, y.count == 32 else {
            throw CryptoError(
                .invalidKey, "P-256 coordinates must be 32 bytes each, got x: \(x.count), y: \(y.count)")
        }
        try self.init(spkiDER: p256SPKIPrefix + [0x04] + x + y, what: "P-256 public key")
    }

    /// A raw 32-byte Ed25519 public key.
    public convenience init(ed25519 raw: [UInt8]) throws(CryptoError) {
        guard raw.count == 32 else {
            throw CryptoError(.invalidKey, "an Ed25519 public key is 32 bytes, got \(raw.count)")
        }
        try self.init(spkiDER: ed25519SPKIPrefix + raw, what: "Ed25519 public key")
    }

    convenience init(spkiDER: [UInt8], what: String) throws(CryptoError) {
        guard !spkiDER.isEmpty, spkiDER.count < 4096 else {
            throw CryptoError(.invalidKey, "\(what): \(spkiDER.count) bytes is not a plausible public key")
        }
        ERR_clear_error()
        if let (key, algorithm) = try Self.fixedShapeKey(spkiDER, what: what) {
            self.init(key: key, algorithm: algorithm, canonicalSPKI: spkiDER)
            return
        }
        var consumed = 0
        let decoded: OpaquePointer? = spkiDER.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let key = d2i_PUBKEY(nil, &cursor, buffer.count)
            if let cursor, let base = buffer.baseAddress { consumed = cursor - base }
            return key
        }
        guard let decoded else {
            throw openSSLError(.invalidKey, "\(what): not a valid SubjectPublicKeyInfo")
        }
        let key = EVPKey(taking: decoded)
        guard consumed == spkiDER.count else {
            throw CryptoError(.invalidKey, "\(what): \(spkiDER.count - consumed) trailing bytes after the key")
        }
        try self.init(key: key, what: what)
    }

    /// The two shapes every trust file holds, imported without OpenSSL's DER decoder: `d2i_PUBKEY` runs
    /// OpenSSL 3's decoder chain, whose first use costs about 0.6 ms per key type of a `greenlane verify` cold
    /// start (BENCHMARKS.md). A P-256 point goes through EVP_PKEY_fromdata, which refuses a point off the curve
    /// or a coordinate outside the field, as d2i_PUBKEY does; any other DER takes the general path.
    private static func fixedShapeKey(_ der: [UInt8], what: String) throws(CryptoError)
        -> (EVPKey, SignatureAlgorithm)?
    {
        if der.count == ed25519SPKIPrefix.count + 32, der.starts(with: ed25519SPKIPrefix) {
            let raw = Array(der[ed25519SPKIPrefix.count...])
            guard let key = raw.withUnsafeBufferPointer({
                EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
            }) else { throw openSSLError(.invalidKey, "\(what): not a valid Ed25519 public key") }
            return (EVPKey(taking: key), .eddsa)
        }
        guard der.count == p256SPKIPrefix.count + 65, der.starts(with: p256SPKIPrefix),
            der[p256SPKIPrefix.count] == 0x04
        else { return nil }
        let point = Array(der[p256SPKIPrefix.count...])
        // The builder keeps pointers to every value until OSSL_PARAM_BLD_to_param (see PrivateKey).
        let built = point.withUnsafeBufferPointer { point -> UnsafeMutablePointer<OSSL_PARAM>? in
            guard let builder = ParamBuilder(), let curveName = OBJ_nid2sn(NID_X9_62_prime256v1),
                OSSL_PARAM_BLD_push_utf8_string(builder.pointer, greenlane_param_group_name(), curveName, 0) == 1,
                OSSL_PARAM_BLD_push_octet_string(
                    builder.pointer, greenlane_param_public_key(), point.baseAddress, point.count) == 1
            else { return nil }
            return OSSL_PARAM_BLD_to_param(builder.pointer)
        }
        guard let built else { throw openSSLError(.invalidKey, "\(what): cannot build key parameters") }
        let params = ParamArray(taking: built)
        guard let createdContext = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw openSSLError(.invalidKey, "\(what): cannot create an EC key context")
        }
        let context = EVPKeyContext(taking: createdContext)
        var created: OpaquePointer?
        guard EVP_PKEY_fromdata_init(context.pointer) == 1,
            EVP_PKEY_fromdata(context.pointer, &created, greenlane_evp_pkey_public_selection(), params.pointer) == 1,
            let created
        else { throw openSSLError(.invalidKey, "\(what): not a valid SubjectPublicKeyInfo (point not on P-256)") }
        return (EVPKey(taking: created), .es256)
    }

    /// The key as "-----BEGIN PUBLIC KEY-----" PEM.
    public var pem: String { PEM.encode(spkiDER, label: "PUBLIC KEY") }

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.spkiDER == rhs.spkiDER }

    /// Checks a signature in COSE form (ES256: raw r||s; EdDSA: 64 bytes) over `message`.
    /// Any malformed input or OpenSSL failure is simply `false`.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == algorithm.signatureLength else { return false }
        ERR_clear_error()
        defer { ERR_clear_error() }  // a failed verify leaves errors that must not leak into later calls
        guard let context = DigestContext() else { return false }
        switch algorithm {
        case .es256:
            guard let der = ecdsaDER(fromRaw: signature) else { return false }
            guard EVP_DigestVerifyInit(context.pointer, nil, sha256Digest.pointer, nil, key.pointer) == 1 else {
                return false
            }
            return verify(context, der, message)
        case .eddsa:
            // Ed25519 is "pure": no separate digest, one-shot only.
            guard EVP_DigestVerifyInit(context.pointer, nil, nil, nil, key.pointer) == 1 else { return false }
            return verify(context, signature, message)
        }
    }

    @inline(__always)
    private func verify(_ context: DigestContext, _ signature: [UInt8], _ message: [UInt8]) -> Bool {
        signature.withUnsafeBufferPointer { sig in
            withNonNullBytes(message) { data, count in
                EVP_DigestVerify(context.pointer, sig.baseAddress, sig.count, data, count) == 1
            }
        }
    }
}

// Fixed DER headers of the two SubjectPublicKeyInfo shapes we accept; the key bytes follow directly.
/// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (65 bytes, uncompressed point) }
let p256SPKIPrefix: [UInt8] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
    0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
]
/// SEQUENCE { SEQUENCE { id-Ed25519 }, BIT STRING (32 bytes) }
let ed25519SPKIPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

/// The algorithm of `key`, or `unsupportedKeyType` for anything but P-256 EC and Ed25519.
func keyAlgorithm(_ key: EVPKey, what: String) throws(CryptoError) -> SignatureAlgorithm {
    let type = EVP_PKEY_get_base_id(key.pointer)
    if type == EVP_PKEY_ED25519 { return .eddsa }
    if type == EVP_PKEY_EC {
        let group = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 80) { buffer -> String in
            var length = 0
            ERR_clear_error()
            guard EVP_PKEY_get_group_name(key.pointer, buffer.baseAddress, buffer.count, &length) == 1 else {
                ERR_clear_error()
                return "(explicit or unknown curve)"
            }
            return String(cString: buffer.baseAddress!)
        }
        if group == "prime256v1" { return .es256 }
        throw CryptoError(.unsupportedKeyType, "\(what): EC key on curve \(group); only P-256 is supported")
    }
    let name = OBJ_nid2sn(type).map { String(cString: $0) } ?? "type \(type)"
    throw CryptoError(.unsupportedKeyType, "\(what): \(name) key; only P-256 EC and Ed25519 are supported")
}

/// DER SubjectPublicKeyInfo of `key` (public half only, also for private keys).
func subjectPublicKeyInfo(of key: EVPKey, what: String) throws(CryptoError) -> [UInt8] {
    ERR_clear_error()
    let length = i2d_PUBKEY(key.pointer, nil)
    guard length > 0 else { throw openSSLError(.invalidKey, "\(what): cannot encode the public key") }
    var written: Int32 = 0
    let der = [UInt8](unsafeUninitializedCapacity: Int(length)) { buffer, count in
        var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
        written = i2d_PUBKEY(key.pointer, &cursor)
        count = written == length ? Int(length) : 0
    }
    guard written == length else { throw openSSLError(.invalidKey, "\(what): cannot encode the public key") }
    return der
}
