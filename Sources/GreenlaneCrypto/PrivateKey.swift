import COpenSSL

/// A P-256 or Ed25519 private key. Its material never appears in errors or descriptions.
public final class PrivateKey: @unchecked Sendable {  // immutable; EVP_PKEY allows concurrent signing
    public let algorithm: SignatureAlgorithm
    public let publicKey: PublicKey
    let key: EVPKey

    /// Wraps a private key OpenSSL holds, checking its type and deriving a separate public-only key.
    init(key: EVPKey, what: String) throws(CryptoError) {
        self.algorithm = try keyAlgorithm(key, what: what)
        self.key = key
        self.publicKey = try PublicKey(spkiDER: subjectPublicKeyInfo(of: key, what: what), what: what)
    }

    /// A fresh random key pair.
    public static func generate(_ algorithm: SignatureAlgorithm) throws(CryptoError) -> PrivateKey {
        let what = "generating an \(algorithm.rawValue) key"
        ERR_clear_error()
        let type = algorithm == .es256 ? EVP_PKEY_EC : EVP_PKEY_ED25519
        guard let created = EVP_PKEY_CTX_new_id(type, nil) else {
            throw openSSLError(.keyGeneration, "\(what): EVP_PKEY_CTX_new_id failed")
        }
        let context = EVPKeyContext(taking: created)
        guard EVP_PKEY_keygen_init(context.pointer) == 1 else {
            throw openSSLError(.keyGeneration, "\(what): EVP_PKEY_keygen_init failed")
        }
        if algorithm == .es256,
            EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context.pointer, NID_X9_62_prime256v1) != 1
        {
            throw openSSLError(.keyGeneration, "\(what): cannot select curve P-256")
        }
        var generated: OpaquePointer?
        guard EVP_PKEY_keygen(context.pointer, &generated) == 1, let generated else {
            throw openSSLError(.keyGeneration, "\(what): EVP_PKEY_keygen failed")
        }
        return try PrivateKey(key: EVPKey(taking: generated), what: what)
    }

    /// A PEM private key: PKCS#8 ("PRIVATE KEY"), encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY"), or traditional
    /// "EC PRIVATE KEY" (optionally with Proc-Type/DEK-Info encryption). `passphrase` is ignored for
    /// unencrypted keys.
    public convenience init(pem: [UInt8], passphrase: [UInt8]?) throws(CryptoError) {
        try self.init(pem: pem, passphrase: passphrase, what: "private key PEM")
    }

    convenience init(pem: [UInt8], passphrase: [UInt8]?, what: String) throws(CryptoError) {
        let blocks = try PEM.blocks(in: pem, what: what)
        guard let block = blocks.first(where: { $0.label.hasSuffix("PRIVATE KEY") }) else {
            let label = blocks[0].label
            let kind =
                switch label {
                case "CERTIFICATE": "a certificate"
                case "PUBLIC KEY": "a public key"
                default: "\"\(label)\""
                }
            throw CryptoError(.notAPrivateKey, "\(what): holds \(kind), not a private key")
        }
        switch block.label {
        case "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "EC PRIVATE KEY": break
        default:
            throw CryptoError(
                .unsupportedKeyType, "\(what): \"\(block.label)\"; only P-256 EC and Ed25519 keys are supported")
        }
        if let passphrase, passphrase.count > Int(PEM_BUFSIZE) {
            throw CryptoError(.invalidPassphrase, "\(what): passphrase longer than \(PEM_BUFSIZE) bytes")
        }
        guard let bio = MemoryBIO(copying: block.text) else {
            throw openSSLError(.invalidKey, "\(what): cannot allocate a memory BIO")
        }
        let request = PassphraseRequest(passphrase)
        ERR_clear_error()
        let decoded = withExtendedLifetime(request) {
            PEM_read_bio_PrivateKey(
                bio.pointer, nil,
                { buffer, size, _, context in
                    // Called by OpenSSL only when the key is encrypted. Never prompts on a terminal.
                    guard let buffer, let context else { return -1 }
                    let request = Unmanaged<PassphraseRequest>.fromOpaque(context).takeUnretainedValue()
                    request.wasAsked = true
                    guard let passphrase = request.passphrase, passphrase.count <= Int(size) else { return -1 }
                    passphrase.withUnsafeBytes { bytes in
                        if let base = bytes.baseAddress {
                            UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: bytes.count)
                        }
                    }
                    return Int32(passphrase.count)
                },
                Unmanaged.passUnretained(request).toOpaque())
        }
        guard let decoded else {
            if request.wasAsked && passphrase == nil {
                _ = drainOpenSSLErrors()
                throw CryptoError(.passphraseRequired, "\(what): the key is encrypted and no passphrase was given")
            }
            if request.wasAsked || block.label == "ENCRYPTED PRIVATE KEY" || block.hasHeaders {
                throw openSSLError(
                    .wrongPassphrase, "\(what): the passphrase does not decrypt the key (or the key is corrupt)")
            }
            throw openSSLError(.invalidKey, "\(what): \"\(block.label)\" block does not hold a valid key")
        }
        try self.init(key: EVPKey(taking: decoded), what: what)
    }

    /// An Ed25519 key from its 32-byte seed (RFC 8032 "private key").
    public convenience init(ed25519Seed seed: [UInt8]) throws(CryptoError) {
        let what = "Ed25519 seed"
        guard seed.count == 32 else { throw CryptoError(.invalidKey, "\(what) must be 32 bytes, got \(seed.count)") }
        ERR_clear_error()
        let created = seed.withUnsafeBufferPointer {
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
        }
        guard let created else { throw openSSLError(.invalidKey, "\(what): OpenSSL rejected the seed") }
        try self.init(key: EVPKey(taking: created), what: what)
    }

    /// A P-256 key from its 32-byte big-endian private scalar; the public point is derived.
    public convenience init(p256D d: [UInt8]) throws(CryptoError) {
        let what = "P-256 private scalar"
        guard d.count == 32 else { throw CryptoError(.invalidKey, "\(what) must be 32 bytes, got \(d.count)") }
        ERR_clear_error()
        guard let group = ECGroup(curve: NID_X9_62_prime256v1),
            let scalar = d.withUnsafeBufferPointer({ BigNumber(bigEndian: $0) }), let scalarPointer = scalar.pointer,
            let point = ECPoint(group: group)
        else { throw openSSLError(.invalidKey, "\(what): cannot allocate EC objects") }
        defer { withExtendedLifetime(scalar) {} }  // scalarPointer is borrowed from it
        // A scalar of 0 or ≥ the group order is not a private key, and OpenSSL's import would not say so.
        guard BN_is_zero(scalarPointer) == 0, BN_cmp(scalarPointer, EC_GROUP_get0_order(group.pointer)) < 0 else {
            throw CryptoError(.invalidKey, "\(what): not in the range 1 ..< group order")
        }
        guard EC_POINT_mul(group.pointer, point.pointer, scalarPointer, nil, nil, nil) == 1 else {
            throw openSSLError(.invalidKey, "\(what): cannot derive the public point")
        }
        var publicPoint = [UInt8](repeating: 0, count: 65)
        guard EC_POINT_point2oct(group.pointer, point.pointer, POINT_CONVERSION_UNCOMPRESSED, &publicPoint, 65, nil)
            == 65
        else { throw openSSLError(.invalidKey, "\(what): cannot encode the public point") }

        // The builder keeps pointers to every value until OSSL_PARAM_BLD_to_param, so all of them must stay
        // valid until then: static strings from OpenSSL and the point buffer pinned by the closure.
        let built = publicPoint.withUnsafeBufferPointer { point -> UnsafeMutablePointer<OSSL_PARAM>? in
            guard let builder = ParamBuilder(), let curveName = OBJ_nid2sn(NID_X9_62_prime256v1),
                OSSL_PARAM_BLD_push_utf8_string(builder.pointer, greenlane_param_group_name(), curveName, 0) == 1,
                OSSL_PARAM_BLD_push_BN(builder.pointer, greenlane_param_private_key(), scalarPointer) == 1,
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
            EVP_PKEY_fromdata(context.pointer, &created, greenlane_evp_pkey_keypair_selection(), params.pointer)
                == 1,
            let created
        else { throw openSSLError(.invalidKey, "\(what): OpenSSL rejected the key") }
        try self.init(key: EVPKey(taking: created), what: what)
    }

    /// PKCS#8 PEM. With a passphrase: "ENCRYPTED PRIVATE KEY", AES-256-CBC under PBES2/PBKDF2.
    public func pkcs8PEM(passphrase: [UInt8]?) throws(CryptoError) -> String {
        if let passphrase, passphrase.count > Int(PEM_BUFSIZE) {
            // Longer passphrases could be written but OpenSSL's PEM readers could not read them back.
            throw CryptoError(.invalidPassphrase, "passphrase longer than \(PEM_BUFSIZE) bytes")
        }
        ERR_clear_error()
        guard let bio = MemoryBIO() else { throw openSSLError(.signingFailed, "cannot allocate a memory BIO") }
        let ok: Int32
        if let passphrase {
            ok = withNonNullBytes(passphrase) { bytes, count in
                bytes.withMemoryRebound(to: CChar.self, capacity: max(count, 1)) { chars in
                    PEM_write_bio_PKCS8PrivateKey(
                        bio.pointer, key.pointer, EVP_aes_256_cbc(), chars, Int32(count), nil, nil)
                }
            }
        } else {
            ok = PEM_write_bio_PKCS8PrivateKey(bio.pointer, key.pointer, nil, nil, 0, nil, nil)
        }
        guard ok == 1 else { throw openSSLError(.signingFailed, "cannot encode the private key as PKCS#8 PEM") }
        return String(decoding: bio.contents(), as: UTF8.self)
    }

    /// A signature in COSE form: ES256 raw r||s (64 bytes), EdDSA 64 bytes.
    public func sign(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        ERR_clear_error()
        guard let context = DigestContext() else {
            throw openSSLError(.signingFailed, "cannot allocate a digest context")
        }
        // ES256 signs SHA-256 of the message; Ed25519 is "pure" and takes no digest.
        let digest = algorithm == .es256 ? sha256Digest.pointer : nil
        guard EVP_DigestSignInit(context.pointer, nil, digest, nil, key.pointer) == 1 else {
            throw openSSLError(.signingFailed, "\(algorithm.rawValue): EVP_DigestSignInit failed")
        }
        let capacity = Int(EVP_PKEY_get_size(key.pointer))
        guard capacity >= algorithm.signatureLength, capacity <= 256 else {
            throw openSSLError(.signingFailed, "\(algorithm.rawValue): unexpected signature size \(capacity)")
        }
        var length = capacity
        var signature = [UInt8](repeating: 0, count: capacity)
        let ok = withNonNullBytes(message) { data, count in
            EVP_DigestSign(context.pointer, &signature, &length, data, count)
        }
        guard ok == 1, length <= capacity else {
            throw openSSLError(.signingFailed, "\(algorithm.rawValue): EVP_DigestSign failed")
        }
        signature.removeSubrange(length...)
        switch algorithm {
        case .eddsa:
            guard signature.count == 64 else {
                throw CryptoError(.signingFailed, "EdDSA: OpenSSL returned \(signature.count) bytes, expected 64")
            }
            return signature
        case .es256:
            guard let raw = ecdsaRaw(fromDER: signature) else {
                throw openSSLError(.signingFailed, "ES256: cannot convert OpenSSL's DER signature to r||s")
            }
            // OpenSSL returns a high s about half the time; n − s is the canonical twin (docs/FORMAT.md).
            return ecdsaLowS(raw)
        }
    }
}

/// What the PEM passphrase callback may hand to OpenSSL, and whether OpenSSL asked (i.e. the key is encrypted).
private final class PassphraseRequest {
    let passphrase: [UInt8]?
    var wasAsked = false
    init(_ passphrase: [UInt8]?) { self.passphrase = passphrase }
}
