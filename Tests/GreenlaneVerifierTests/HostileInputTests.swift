import GreenlaneTestSupport
import Foundation
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneVerifier
import Testing

/// Builds hostile pass codes one change away from a valid pass, with greenlane's own encoder and keys.
///
/// The COSE message is put together byte by byte, so any part of it can be non-canonical, and it is signed
/// over exactly the bytes sent: a refusal then comes from the change under test, not from a broken signature.
struct Forge {
    let key: PrivateKey
    let trust: TrustSet
    var claims: PassClaims

    init(key name: String = "demo-es256") throws {
        key = try demoKey(name)
        trust = try demoTrust()
        claims = try sampleClaims()
    }

    var kid: [UInt8] { key.publicKey.keyID }
    /// What a real pass carries: `{1: alg, 4: kid}`, canonical.
    var protectedBytes: [UInt8] { CBOR.map(PassSigner(key: key).protectedHeader).encoded() }
    var payload: [UInt8] { claims.encoded() }

    /// A tagged COSE_Sign1, signed by `key` over the protected and payload bytes given unless `signature` is.
    func cose(
        protectedBytes: [UInt8]? = nil, unprotected: [UInt8] = [0xA0], payload: [UInt8]? = nil,
        signature: [UInt8]? = nil
    ) throws -> [UInt8] {
        let protectedBytes = protectedBytes ?? self.protectedBytes
        let payload = payload ?? self.payload
        let signature = try signature
            ?? key.sign(COSESign1.toBeSigned(protectedBytes: protectedBytes, payload: payload))
        return [0xD2, 0x84] + CBOR.bytes(protectedBytes).encoded() + unprotected + CBOR.bytes(payload).encoded()
            + CBOR.bytes(signature).encoded()
    }

    /// A protected header with these entries, canonical.
    func protected(_ entries: [CBOR: CBOR]) -> [UInt8] { CBOR.map(entries).encoded() }

    func verify(_ code: String, context: CheckpointContext = sampleContext) -> VerificationResult {
        PassVerifier(trust: trust).verify(code, context: context)
    }

    func verify(cose: [UInt8], compression: PassCode.Compression = .never) -> VerificationResult {
        verify(PassCode.encode(cose, compression: compression))
    }
}

extension VerificationResult {
    /// The format error of the first `malformed-*` failure.
    var formatError: FormatError? {
        failures.lazy.compactMap(\.formatError).first
    }
}

extension Array where Element == UInt8 {
    /// Replaces the one occurrence of `pattern`; the test fails if there is not exactly one.
    func replacingOnce(
        _ pattern: [UInt8], with replacement: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [UInt8] {
        let ranges = self.ranges(of: pattern)
        try #require(ranges.count == 1, "pattern \(Hex.encode(pattern)) occurs \(ranges.count) times",
                     sourceLocation: sourceLocation)
        var copy = self
        copy.replaceSubrange(ranges[0], with: replacement)
        return copy
    }
}

/// The entry `key => value` as canonical bytes.
func entry(_ key: Int, _ value: CBOR) -> [UInt8] { CBOR(key).encoded() + value.encoded() }

@Suite struct HostileInputTests {
    // MARK: Compression and size

    @Test func zlibBombThatFitsACodeIsStoppedAtTheZlibLayerQuickly() throws {
        let forge = try Forge()
        // One MiB of zeros deflates to about a kilobyte: a bomb small enough to be a legal code.
        let bomb = Zlib.compress([UInt8](repeating: 0, count: 1 << 20))
        let code = PassCode.prefix + Base45.encode(bomb)
        #expect(code.utf8.count <= PassCode.maxLength)
        var result: VerificationResult?
        let elapsed = ContinuousClock().measure { result = forge.verify(code) }
        let verdict = try #require(result)
        #expect(verdict.failures.map(\.check) == ["malformed-zlib"])
        let error = try #require(verdict.formatError)
        #expect(error.code == .inflatedTooLarge)
        #expect(error.reason == "inflates to more than 4096 bytes")
        // Stopped after a few dozen input bytes, not after inflating the megabyte.
        #expect((error.offset ?? .max) < 100, "consumed \(error.offset ?? -1) of \(bomb.count) bytes")
        #expect(elapsed < .seconds(1), "took \(elapsed)")
    }

    /// 64 MiB of zeros in 64 KB of zlib: too long to be a code at all, and under the verifier's own zlib
    /// limit it stops at 4,096 bytes with flat memory.
    @Test func bigZlibBombIsRefusedByLengthAndInflatesWithBoundedMemory() throws {
        let bomb = try hostilePython(
            "import zlib,sys\nc=zlib.compressobj(9)\nz=bytes(1<<20)\n"
                + "sys.stdout.buffer.write(b''.join(c.compress(z) for _ in range(64))+c.flush())")
        #expect(bomb.count > 40_000 && bomb.count < 100_000, "\(bomb.count) bytes")
        let code = PassCode.prefix + Base45.encode(bomb)
        let result = try Forge().verify(code)
        #expect(result.failures.map(\.check) == ["malformed-prefix"])
        #expect(result.formatError?.code == .tooLong)
        #expect(result.formatError?.reason == "code is \(code.utf8.count) characters; at most 2048 are accepted")

        let before = hostilePeakResidentBytes()
        let start = ContinuousClock.now
        let error = #expect(throws: FormatError.self) {
            try Zlib.decompress(bomb, maxOutput: PassCode.maxMessageBytes)
        }
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(error?.code == .inflatedTooLarge && error?.layer == .zlib)
        #expect(hostilePeakResidentBytes() - before < 32 << 20, "inflating 64 MiB must not be attempted")
    }

    @Test func codeLongerThanTheMaximumIsRefusedBeforeDecoding() throws {
        let forge = try Forge()
        let valid = PassCode.encode(try forge.cose())
        // Base45 padding that would decode fine: the length alone refuses it.
        let long = valid + String(repeating: "0", count: PassCode.maxLength + 1 - valid.utf8.count)
        #expect(long.utf8.count == 2049)
        let result = forge.verify(long)
        #expect(result.failures.map(\.check) == ["malformed-prefix"])
        #expect(result.formatError?.code == .tooLong)
        #expect(result.formatError?.reason == "code is 2049 characters; at most 2048 are accepted")
        // Surrounding white space does not count, so a valid code padded by a scanner still verifies.
        let padded = String(repeating: " ", count: 3000) + valid + String(repeating: "\n", count: 3000)
        #expect(forge.verify(padded).isAccepted)
    }

    // MARK: CBOR structure

    @Test func tenThousandNestedArraysNeverReachTheCBORDecoderThroughACode() throws {
        let forge = try Forge()
        let bomb: [UInt8] = [0xD2] + [UInt8](repeating: 0x81, count: 10_000) + [0x00]
        // Uncompressed it is too long for a code; compressed it inflates past the message limit.
        #expect(forge.verify(cose: bomb).formatError?.code == .tooLong)
        let compressed = forge.verify(cose: bomb, compression: .always)
        #expect(compressed.failures.map(\.check) == ["malformed-zlib"])
        #expect(compressed.formatError?.code == .inflatedTooLarge)
        // Handed straight to the COSE decoder, the depth limit stops it at the 17th level, without recursing on.
        let error = #expect(throws: FormatError.self) { try COSESign1.decode(bomb) }
        #expect(error?.code == .tooDeep && error?.layer == .cbor)
        #expect(error?.offset == 16)
    }

    @Test func deepNestingThatFitsACodeIsRefusedAtTheCBORLayer() throws {
        let forge = try Forge()
        let framing: [UInt8] = [0xD2] + [UInt8](repeating: 0x81, count: 4_000) + [0x00]
        let outer = forge.verify(cose: framing, compression: .always)
        #expect(outer.failures.map(\.check) == ["malformed-cbor"])
        #expect(outer.formatError?.code == .tooDeep)
        #expect(outer.formatError?.reason == "COSE_Sign1: data items nest deeper than 16 levels")
        // The same inside a validly signed payload: refused by the claims decoder, signature fine.
        let payload = [UInt8](repeating: 0x81, count: 3_000) + [0x00]
        let inner = forge.verify(cose: try forge.cose(payload: payload), compression: .always)
        #expect(inner.failures.map(\.check) == ["malformed-cbor"])
        #expect(inner.formatError?.code == .tooDeep)
        #expect(inner.formatError?.reason == "CWT payload: data items nest deeper than 16 levels")
    }

    /// Heads that declare 2^32 or 2^63 bytes or entries in a few bytes.
    static let hugeHeads = [
        "5a ffffffff", "5b 0000000100000000", "5b 8000000000000000", "7b 8000000000000000",
        "9a ffffffff", "9b 0000000100000000", "9b 8000000000000000", "bb 0000000100000000",
        "bb 8000000000000000", "bb ffffffffffffffff",
    ]

    @Test(arguments: hugeHeads)
    func hugeDeclaredLengthIsRefusedWithoutAllocating(head: String) throws {
        let forge = try Forge()
        let bytes = hexBytes(head.filter { $0 != " " })
        // As the signature, the last item of the message.
        let valid = try forge.cose()
        let cut = valid.count - 66  // the signature and its two-byte head
        let framing = forge.verify(cose: Array(valid[..<cut]) + bytes)
        #expect(framing.failures.map(\.check) == ["malformed-cbor"])
        #expect(framing.formatError?.code == .truncated)
        #expect(framing.formatError?.offset == cut)
        #expect(framing.formatError?.reason.contains("declares") == true)
        // As the whole payload, validly signed.
        let payload = forge.verify(cose: try forge.cose(payload: bytes))
        #expect(payload.failures.map(\.check) == ["malformed-cbor"])
        #expect(payload.formatError?.code == .truncated)
        #expect(payload.formatError?.offset == 0)
    }

    @Test func indefiniteLengthItemsAreRefused() throws {
        let forge = try Forge()
        // The COSE array as 9f ... ff.
        let valid = try forge.cose()
        let framing = forge.verify(cose: [0xD2, 0x9F] + valid.dropFirst(2) + [0xFF])
        #expect(framing.failures.map(\.check) == ["malformed-cbor"])
        #expect(framing.formatError?.code == .indefiniteLength)
        #expect(framing.formatError?.offset == 1)
        // The claims map as bf ... ff, validly signed.
        let payload = forge.payload
        #expect(payload.first == 0xA6)
        let claims = forge.verify(cose: try forge.cose(payload: [0xBF] + payload.dropFirst() + [0xFF]))
        #expect(claims.failures.map(\.check) == ["malformed-cbor"])
        #expect(claims.formatError?.code == .indefiniteLength)
        #expect(claims.formatError?.reason
            == "CWT payload: indefinite-length map is not allowed in deterministic encoding")
        // The driver's name as an indefinite text string of two chunks.
        let name = forge.claims.permit.driverName
        let chunked = [0x7F] + CBOR.text("Nguyễn ").encoded() + CBOR.text("Văn An").encoded() + [0xFF]
        let text = forge.verify(cose: try forge.cose(payload: try payload.replacingOnce(
            CBOR.text(name).encoded(), with: chunked)))
        #expect(text.failures.map(\.check) == ["malformed-cbor"])
        #expect(text.formatError?.code == .indefiniteLength)
    }

    @Test func nonCanonicalIntegersAndLengthsAreRefused() throws {
        let forge = try Forge()
        let claims = forge.claims
        let payload = forge.payload
        func refusal(_ payload: [UInt8]) throws -> FormatError? {
            let result = forge.verify(cose: try forge.cose(payload: payload))
            #expect(result.failures.map(\.check) == ["malformed-cbor"], "the signature is valid: only CBOR fails")
            return result.formatError
        }
        // exp in eight bytes instead of four.
        let exp = UInt64(claims.expiresAt)
        let wideExp = [0x04, 0x1B] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: exp >> ($0 * 8)) }
        let expError = try refusal(try payload.replacingOnce(entry(4, .init(claims.expiresAt)), with: wideExp))
        #expect(expError?.code == .nonCanonical)
        #expect(expError?.reason == "CWT payload: argument \(exp) is not in its shortest form (8 bytes)")
        // Vehicle class 4 as 18 04.
        let classError = try refusal(try payload.replacingOnce(entry(3, 4), with: [0x03, 0x18, 0x04]))
        #expect(classError?.code == .nonCanonical)
        // The driver's name with its length in an extra byte (78 10 instead of 70).
        let name = Array(claims.permit.driverName.utf8)
        let nameError = try refusal(try payload.replacingOnce(
            CBOR.text(claims.permit.driverName).encoded(), with: [0x78, UInt8(name.count)] + name))
        #expect(nameError?.code == .nonCanonical)
        // The protected header's length, in the COSE framing: the signature does not cover that byte, so only
        // the decoder's strictness stands between two encodings of one pass.
        let valid = try forge.cose()
        let header = forge.protectedBytes
        let framing = forge.verify(cose: try valid.replacingOnce(
            [0x40 | UInt8(header.count)] + header, with: [0x58, UInt8(header.count)] + header))
        #expect(framing.failures.map(\.check) == ["malformed-cbor"])
        #expect(framing.formatError?.code == .nonCanonical)
        // Tag 18 as d8 12 (compressed, so the first byte does not give it away).
        let tag = forge.verify(cose: [0xD8, 0x12] + valid.dropFirst(), compression: .always)
        #expect(tag.failures.map(\.check) == ["malformed-cbor"])
        #expect(tag.formatError?.code == .nonCanonical)
    }

    @Test func mapKeysOutOfOrderAreRefused() throws {
        let forge = try Forge()
        let claims = forge.claims
        // exp (4) and nbf (5) swapped in the validly signed claims.
        let exp = entry(4, .init(claims.expiresAt)), nbf = entry(5, .init(claims.notBefore))
        let swapped = try forge.payload.replacingOnce(exp + nbf, with: nbf + exp)
        let result = forge.verify(cose: try forge.cose(payload: swapped))
        #expect(result.failures.map(\.check) == ["malformed-cbor"])
        #expect(result.formatError?.code == .unsortedMapKeys)
        #expect(result.formatError?.reason == "CWT payload: map key 4 is out of bytewise lexicographic order")
        // kid before alg in the protected header, signed as sent.
        let header = [0xA2] + entry(4, .bytes(forge.kid)) + entry(1, .init(-7))
        let protected = forge.verify(cose: try forge.cose(protectedBytes: header))
        #expect(protected.failures.map(\.check) == ["malformed-cbor"])
        #expect(protected.formatError?.code == .unsortedMapKeys)
        #expect(protected.formatError?.reason.hasPrefix("protected header:") == true)
    }

    @Test func duplicateMapKeysAreRefused() throws {
        let forge = try Forge()
        let claims = forge.claims
        // A second exp, later than the first, right after it (map of 7 entries).
        var payload = forge.payload
        #expect(payload[0] == 0xA6)
        payload[0] = 0xA7
        let exp = entry(4, .init(claims.expiresAt))
        payload = try payload.replacingOnce(exp, with: exp + entry(4, .init(claims.expiresAt + 86_400 * 365)))
        let result = forge.verify(cose: try forge.cose(payload: payload))
        #expect(result.failures.map(\.check) == ["malformed-cbor"])
        #expect(result.formatError?.code == .duplicateMapKey)
        #expect(result.formatError?.reason == "CWT payload: map key 4 appears twice")
        // alg twice in the protected header: ES256, then EdDSA.
        let header = [0xA2] + entry(1, .init(-7)) + entry(1, .init(-8))
        let protected = forge.verify(cose: try forge.cose(protectedBytes: header))
        #expect(protected.failures.map(\.check) == ["malformed-cbor"])
        #expect(protected.formatError?.code == .duplicateMapKey)
    }

    // MARK: COSE framing

    @Test func wrongOrMissingTagIsRefused() throws {
        let forge = try Forge()
        let untagged = Array(try forge.cose().dropFirst())
        // COSE_Mac0 (17), COSE_Sign (98), CWT (61): compressed, the COSE layer names the tag it found.
        for tag: UInt64 in [17, 98, 61] {
            let message = CBOR.tagged(tag, try CBOR.decode(untagged)).encoded()
            let result = forge.verify(cose: message, compression: .always)
            #expect(result.failures.map(\.check) == ["malformed-cose"])
            #expect(result.formatError?.code == .wrongTag)
            #expect(result.formatError?.reason == "expected CBOR tag 18 (COSE_Sign1), found tag \(tag)")
        }
        // Uncompressed, tag 17 is not even taken for COSE: its first byte is neither d2 nor a zlib header.
        let mac0 = forge.verify(cose: [0xD1] + untagged)
        #expect(mac0.failures.map(\.check) == ["malformed-zlib"])
        #expect(mac0.formatError?.code == .wrongStructure)
        #expect(mac0.formatError?.reason.contains("first byte 0xd1") == true)
        // No tag at all.
        let bare = forge.verify(cose: untagged)
        #expect(bare.failures.map(\.check) == ["malformed-cose"])
        #expect(bare.formatError?.reason == "expected CBOR tag 18 (COSE_Sign1), found no tag")
        // Tag 18 twice.
        let twice = forge.verify(cose: [0xD2] + (try forge.cose()))
        #expect(twice.failures.map(\.check) == ["malformed-cose"])
        #expect(twice.formatError?.code == .wrongStructure)
    }

    @Test func trailingBytesAfterTheCOSEItemAreRefused() throws {
        let forge = try Forge()
        let valid = try forge.cose()
        let result = forge.verify(cose: valid + [0x00])
        #expect(result.failures.map(\.check) == ["malformed-cbor"])
        #expect(result.formatError?.code == .trailingBytes)
        #expect(result.formatError?.offset == valid.count)
        #expect(result.formatError?.reason == "COSE_Sign1: 1 bytes follow the end of the data item")
        // Inside the zlib layer too, and after the zlib stream.
        #expect(forge.verify(cose: valid + [0xF6], compression: .always).formatError?.code == .trailingBytes)
        let afterStream = forge.verify(PassCode.prefix + Base45.encode(Zlib.compress(valid) + [0x00]))
        #expect(afterStream.failures.map(\.check) == ["malformed-zlib"])
        #expect(afterStream.formatError?.reason == "1 bytes follow the end of the zlib stream")
        // After the claims inside a validly signed payload.
        let payload = forge.verify(cose: try forge.cose(payload: forge.payload + [0x00]))
        #expect(payload.failures.map(\.check) == ["malformed-cbor"])
        #expect(payload.formatError?.code == .trailingBytes)
    }

    // MARK: Algorithms

    @Test func absentOrNoneAlgorithmIsNotAllowed() throws {
        let forge = try Forge()
        let absent = forge.verify(cose: try forge.cose(protectedBytes: forge.protected([4: .bytes(forge.kid)])))
        #expect(absent.failures.map(\.check) == ["algorithm-not-allowed"])
        #expect(absent.failures.first?.message(.en)
            == "Signature algorithm not allowed: none (no alg in the protected header)")
        #expect(absent.signer != nil && absent.verified == nil)
        let none = forge.verify(cose: try forge.cose(
            protectedBytes: forge.protected([1: "none", 4: .bytes(forge.kid)]), signature: []))
        #expect(none.failures.map(\.check) == ["algorithm-not-allowed"])
        // The header's own text is the code's: the message describes it without quoting it.
        #expect(none.failures.first?.message(.en)
            == "Signature algorithm not allowed: a text label (COSE algorithms are numbers)")
        // An empty protected header: no alg, and no kid either.
        let empty = forge.verify(cose: try forge.cose(protectedBytes: []))
        #expect(Set(empty.failures.map(\.check)) == ["malformed-cose", "algorithm-not-allowed"])
        #expect(empty.formatError?.reason == "no kid (key id) in the COSE header")
    }

    @Test(arguments: [(4, "HMAC (4)"), (5, "HMAC (5)"), (7, "HMAC (7)"), (-37, "RSASSA-PSS (-37)"),
                      (-35, "ECDSA P-384/P-521 (-35)"), (0, "0"), (-65535, "-65535"), (99, "99")])
    func hmacAndUnknownAlgorithmsAreNotAllowed(alg: Int, described: String) throws {
        let forge = try Forge()
        // For HMAC, an attacker would MAC with the public key as the secret; the signature here is whatever
        // the ES256 key makes: it must never be looked at.
        let result = forge.verify(cose: try forge.cose(
            protectedBytes: forge.protected([1: .init(alg), 4: .bytes(forge.kid)])))
        #expect(result.failures.map(\.check) == ["algorithm-not-allowed"])
        #expect(result.failures.first?.message(.en) == "Signature algorithm not allowed: \(described)")
    }

    @Test func algorithmThatIsNotTheKeysIsAMismatch() throws {
        let es256 = try Forge()
        let eddsa = try Forge(key: "demo-eddsa")
        // EdDSA alg with the ES256 kid, signed by the EdDSA key: never checked against the ES256 key as EdDSA.
        let header = es256.protected([1: .init(-8), 4: .bytes(es256.kid)])
        let signature = try eddsa.key.sign(COSESign1.toBeSigned(protectedBytes: header, payload: es256.payload))
        let result = es256.verify(cose: try es256.cose(protectedBytes: header, signature: signature))
        #expect(result.failures.map(\.check) == ["algorithm-mismatch"])
        #expect(result.failures.first?.message(.en) == "Algorithm EdDSA does not match the key's ES256")
        // And the other way round.
        let reverse = eddsa.verify(cose: try es256.cose(
            protectedBytes: eddsa.protected([1: .init(-7), 4: .bytes(eddsa.kid)])))
        #expect(reverse.failures.map(\.check) == ["algorithm-mismatch"])
    }

    // MARK: Keys and signatures

    @Test func kidThatMatchesNoKeyIsRefusedWithoutTryingAnotherKey() throws {
        let forge = try Forge()
        // Each signature below is valid for the ES256 demo key: only the kid is wrong.
        for kid in [[UInt8](repeating: 0xAB, count: 8), Array(forge.kid.prefix(4)), forge.kid + [0x00],
                    Array(forge.key.publicKey.keyID.reversed()), []] {
            let result = forge.verify(cose: try forge.cose(
                protectedBytes: forge.protected([1: .init(-7), 4: .bytes(kid)])))
            #expect(result.failures.map(\.check) == ["unknown-kid"], "kid \(Hex.encode(kid))")
            #expect(result.signer == nil)
            #expect(!result.isDemo, "no key was chosen, so none can flag the result")
            #expect(result.failures.first?.message(.en) == "Signing key is not trusted (kid \(Hex.encode(kid)))")
        }
        // A kid of the wrong type (text) is malformed, not looked up.
        let text = forge.verify(cose: try forge.cose(
            protectedBytes: forge.protected([1: .init(-7), 4: .text(Hex.encode(forge.kid))])))
        #expect(text.failures.map(\.check) == ["malformed-cose"])
        #expect(text.formatError?.reason == "kid header must be a byte string")
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func validSignatureFromAnUntrustedKeyIsRefused(algorithm: SignatureAlgorithm) throws {
        let forge = try Forge(key: algorithm == .es256 ? "demo-es256" : "demo-eddsa")
        let stranger = try PrivateKey.generate(algorithm)
        // Under its own kid: not trusted.
        let own = forge.verify(try PassSigner(key: stranger).passCode(for: forge.claims))
        #expect(own.failures.map(\.check) == ["unknown-kid"])
        #expect(own.signer == nil)
        // Under the trusted kid it copied: the signature does not hold for the trusted key.
        let header = forge.protectedBytes
        let signature = try stranger.sign(COSESign1.toBeSigned(protectedBytes: header, payload: forge.payload))
        let copied = forge.verify(cose: try forge.cose(signature: signature))
        #expect(copied.failures.map(\.check) == ["bad-signature"])
        #expect(copied.verified == nil)
    }

    @Test func unsignedPassesAreRefused() throws {
        let forge = try Forge()
        for signature in [[], [UInt8](repeating: 0, count: 64), [UInt8](repeating: 0xFF, count: 64),
                          [UInt8](repeating: 1, count: 65)] {
            let result = forge.verify(cose: try forge.cose(signature: signature))
            // All 0xFF has s above n/2: the non-canonical form is reported as well as the bad signature.
            let expected = signature.first == 0xFF && signature.count == 64
                ? ["non-canonical-signature", "bad-signature"] : ["bad-signature"]
            #expect(result.failures.map(\.check) == expected, "signature of \(signature.count) bytes")
        }
        // The claims alone, with no COSE around them.
        let raw = forge.verify(cose: forge.payload)
        #expect(raw.failures.map(\.check) == ["malformed-zlib"])
        #expect(raw.formatError?.code == .wrongStructure)
        let rawCompressed = forge.verify(cose: forge.payload, compression: .always)
        #expect(rawCompressed.failures.map(\.check) == ["malformed-cose"])
        #expect(rawCompressed.formatError?.code == .wrongTag)
    }

    @Test func signatureByAnotherTrustedKeyIsABadSignature() throws {
        let es256 = try Forge()
        let eddsa = try Forge(key: "demo-eddsa")
        // Both keys are trusted, the header names ES256 and its kid, the EdDSA key signed.
        let header = es256.protectedBytes
        let signature = try eddsa.key.sign(COSESign1.toBeSigned(protectedBytes: header, payload: es256.payload))
        #expect(signature.count == 64)
        let result = es256.verify(cose: try es256.cose(signature: signature))
        #expect(result.failures.map(\.check) == ["bad-signature"])
    }

    /// Nothing outside the signature may change a pass: COSE puts nothing in the unprotected header of a
    /// greenlane pass (docs/FORMAT.md), so a pass carrying one is not the pass that was signed.
    @Test func unprotectedHeaderEntriesAreRefused() throws {
        let forge = try Forge()
        let junk = [0xA1] + entry(99, "anything")
        let result = forge.verify(cose: try forge.cose(unprotected: junk))
        #expect(result.failures.map(\.check) == ["malformed-cose"])
        #expect(result.formatError?.reason == "the unprotected header must be empty")
        // The kid moved out of the signed header.
        let moved = forge.verify(cose: try forge.cose(
            protectedBytes: forge.protected([1: .init(-7)]), unprotected: [0xA1] + entry(4, .bytes(forge.kid))))
        #expect(moved.failures.map(\.check) == ["malformed-cose"])
    }

    // MARK: Claims

    @Test func invalidUTF8InTextClaimsIsRefused() throws {
        let forge = try Forge()
        let name = forge.claims.permit.driverName
        let encoded = CBOR.text(name).encoded()
        // Same length: "An" replaced by an invalid pair, a lone continuation byte, a surrogate's first two bytes.
        for bad: [UInt8] in [[0xC3, 0x28], [0x80, 0x41], [0xED, 0xA0], [0xC0, 0xAF]] {
            let hostile = Array(encoded.dropLast(2)) + bad
            let payload = try forge.payload.replacingOnce(encoded, with: hostile)
            let result = forge.verify(cose: try forge.cose(payload: payload))
            #expect(result.failures.map(\.check) == ["malformed-cbor"], "\(Hex.encode(bad))")
            #expect(result.formatError?.code == .invalidUTF8)
            #expect(result.formatError?.reason == "CWT payload: text string is not valid UTF-8")
        }
        // The issuer, a CWT claim.
        let issuer = try forge.payload.replacingOnce(
            entry(1, "VN-HN"), with: [0x01, 0x65] + Array("VN-H".utf8) + [0xFF])
        #expect(forge.verify(cose: try forge.cose(payload: issuer)).formatError?.code == .invalidUTF8)
        // The serial travels as a byte string: its UTF-8 is checked by the claims layer.
        let serial = CBOR.bytes(Array(forge.claims.permit.serial.utf8)).encoded()
        let cti = try forge.payload.replacingOnce(serial, with: Array(serial.dropLast()) + [0xFF])
        let ctiResult = forge.verify(cose: try forge.cose(payload: cti))
        #expect(ctiResult.failures.map(\.check) == ["malformed-claims"])
        #expect(ctiResult.formatError?.reason == "cti (serial) is not UTF-8 text")
    }

    @Test func oversizedFieldsAreRefused() throws {
        let forge = try Forge()
        func reason(_ change: (inout PassClaims) -> Void) throws -> String? {
            var claims = forge.claims
            change(&claims)
            // Compressed as the issuer would: a zlib layer on a small code is a failure of its own.
            let result = forge.verify(cose: try forge.cose(payload: claims.encoded()), compression: .automatic)
            #expect(result.failures.map(\.check) == ["malformed-claims"])
            return result.formatError?.reason
        }
        #expect(try reason { $0.permit.driverName = String(repeating: "A", count: 97) }
            == "permit claims: driver name must be 1 to 96 bytes")
        // 49 two-byte letters: 98 bytes though only 49 characters.
        #expect(try reason { $0.permit.driverName = String(repeating: "Đ", count: 49) }
            == "permit claims: driver name must be 1 to 96 bytes")
        #expect(try reason { $0.permit.serial = "HN-" + String(repeating: "0", count: 22) }
            == "CWT claims: cti (serial) must be 1 to 24 bytes")
        #expect(try reason { $0.issuer = String(repeating: "V", count: 33) }
            == "CWT claims: iss (issuer) must be 1 to 32 bytes")
        #expect(try reason { $0.permit.firmID = String(repeating: "F", count: 17) }
            == "permit claims: firm id must be 1 to 16 bytes")
        #expect(try reason { $0.permit.station = String(repeating: "S", count: 25) }
            == "permit claims: station must be 1 to 24 bytes")
        // At the limit, the same fields are accepted.
        var largest = forge.claims
        largest.permit.driverName = String(repeating: "A", count: 96)
        largest.permit.serial = "HN-" + String(repeating: "0", count: 21)
        #expect(forge.verify(try PassSigner(key: forge.key).passCode(for: largest)).isAccepted)
    }

    @Test func absurdDatesAreRefused() throws {
        let forge = try Forge()
        func result(_ exp: CBOR? = nil, nbf: CBOR? = nil, iat: CBOR? = nil) throws -> VerificationResult {
            let claims = forge.claims
            var payload = forge.payload
            if let exp { payload = try payload.replacingOnce(entry(4, .init(claims.expiresAt)), with: entry(4, exp)) }
            if let nbf { payload = try payload.replacingOnce(entry(5, .init(claims.notBefore)), with: entry(5, nbf)) }
            if let iat { payload = try payload.replacingOnce(entry(6, .init(claims.issuedAt)), with: entry(6, iat)) }
            return forge.verify(cose: try forge.cose(payload: payload))
        }
        let claims = forge.claims
        let expBeforeNbf = try result(.init(claims.notBefore - 1))
        #expect(expBeforeNbf.failures.map(\.check) == ["malformed-claims"])
        #expect(expBeforeNbf.formatError?.reason
            == "nbf (\(claims.notBefore)) is not before exp (\(claims.notBefore - 1))")
        #expect(try result(.init(claims.notBefore)).formatError?.code == .invalidValue)
        let iatAfterExp = try result(iat: .init(claims.expiresAt + 1))
        #expect(iatAfterExp.formatError?.reason
            == "iat (\(claims.expiresAt + 1)) is not before exp (\(claims.expiresAt))")
        // Out of 2020-2100: far future, near and at the integer limits, the epoch.
        for (value, text) in [(time("2150-01-01T00:00:00Z"), "5680281600"), (Int64.max, "9223372036854775807"),
                              (0, "0")] {
            let iat = try result(iat: .init(value))
            #expect(iat.failures.map(\.check) == ["malformed-claims"])
            #expect(iat.formatError?.reason
                == "CWT claims: iat (issued at) \(text) is not a date between 2020 and 2100")
        }
        let max64 = try result(.unsigned(.max))
        #expect(max64.formatError?.reason
            == "CWT claims: exp (expiry) 18446744073709551615 is not a date between 2020 and 2100")
        // Negative times are not unix seconds of a pass.
        for negative: CBOR in [.init(-1), .negative(.max), .init(-claims.notBefore)] {
            let nbf = try result(nbf: negative)
            #expect(nbf.failures.map(\.check) == ["malformed-claims"])
            #expect(nbf.formatError?.reason == "CWT claims: nbf (not before) must be an unsigned integer")
        }
        // A float time (1.6e9 as a double) is not a time either.
        #expect(try result(nbf: .float(Double(claims.notBefore))).formatError?.code == .wrongType)
    }

    /// A pass cannot be valid before it was signed: an `iat` later than the check is refused like an early `nbf`,
    /// so a key cannot be used ahead of its own validity period by post-dating `iat`.
    @Test func passIssuedInTheFutureIsNotYetValid() throws {
        let forge = try Forge()
        var claims = forge.claims
        claims.issuedAt = time("2021-07-30T00:00:00+07:00")  // after the check, before exp; nbf is in the past
        let result = forge.verify(cose: try forge.cose(payload: claims.encoded()))
        #expect(result.failures.map(\.check) == ["not-yet-valid"])
        #expect(result.failures.first == .notYetValid(notBefore: claims.issuedAt))
        // Within the clock skew it is accepted.
        claims.issuedAt = sampleContext.time + 200
        #expect(forge.verify(cose: try forge.cose(payload: claims.encoded())).isAccepted)
    }

    @Test func extremeCheckpointTimesNeverTrap() throws {
        let forge = try Forge()
        let code = PassEncoding.code(try forge.cose())
        let late = forge.verify(code, context: CheckpointContext(time: .max, district: District("dong-da")))
        #expect(late.failures.map(\.check).contains("expired"))
        let early = forge.verify(code, context: CheckpointContext(time: .min, district: District("dong-da")))
        #expect(early.failures.map(\.check).contains("not-yet-valid"))
        let skewed = CheckpointContext(time: .max, clockSkew: .max, maxRevocationAge: .max)
        _ = forge.verify(code, context: skewed)
        let list = try VerifiedRevocationList(
            signed: PassSigner(key: forge.key).signedRevocationList(
                RevocationList(issuer: "VN-HN", issuedAt: sampleContext.time, entries: [])),
            trust: forge.trust)
        let verifier = PassVerifier(trust: forge.trust, revocations: list)
        for context in [CheckpointContext(time: .min, maxRevocationAge: .max), CheckpointContext(time: .max)] {
            _ = verifier.verify(code, context: context)
        }
        // Every failure and warning can be printed, whatever the times in it.
        for failure in late.failures + early.failures { _ = failure.message(.vi) + failure.message(.en) }
    }

    @Test func revocationEntryWithAbsurdTimesIsStillPrintable() throws {
        let forge = try Forge()
        for revokedAt in [Int64.max, Int64.min, -1] {
            let list = try VerifiedRevocationList(
                signed: PassSigner(key: forge.key).signedRevocationList(RevocationList(
                    issuer: "VN-HN", issuedAt: sampleContext.time,
                    entries: [.init(serial: forge.claims.permit.serial, revokedAt: revokedAt, reason: .lost)])),
                trust: forge.trust)
            let result = PassVerifier(trust: forge.trust, revocations: list)
                .verify(PassEncoding.code(try forge.cose()), context: sampleContext)
            #expect(result.failures.map(\.check) == ["revoked"])
            #expect(result.failures.first?.message(.en).hasPrefix("Pass revoked at ") == true)
            #expect(result.failures.first?.message(.vi).hasPrefix("Thẻ đã bị thu hồi lúc ") == true)
        }
    }

    // MARK: Revocation lists

    @Test func staleRevocationListIsUsedAndReportedAsAWarning() throws {
        let forge = try Forge()
        let signer = PassSigner(key: forge.key)
        let code = PassEncoding.code(try forge.cose())
        func warnings(madeHoursAgo hours: Int64) throws -> VerificationResult {
            let issuedAt = sampleContext.time - hours * 3600
            let list = try VerifiedRevocationList(
                signed: signer.signedRevocationList(RevocationList(issuer: "VN-HN", issuedAt: issuedAt, entries: [])),
                trust: forge.trust)
            return PassVerifier(trust: forge.trust, revocations: list).verify(code, context: sampleContext)
        }
        let ageing = try warnings(madeHoursAgo: 25)
        #expect(ageing.isAccepted && ageing.verdict(training: true) == .valid, "in its grace: valid, amber banner")
        #expect(ageing.warnings.contains(.ageingRevocationList(
            issuedAt: sampleContext.time - 25 * 3600, usableUntil: sampleContext.time + 11 * 3600)))
        let stale = try warnings(madeHoursAgo: 37)
        #expect(stale.isAccepted, "an out-of-date list is still used: its revocations still refuse passes")
        #expect(stale.verdict(training: true) == .cannotConfirm)
        #expect(stale.warnings.map { $0.message(.en) }.contains {
            $0 == "Revocation list is out of date (made 2021-07-24 21:00 (UTC+7), usable until 2021-07-26 09:00 (UTC+7)): sync it"
        })
        let fresh = try warnings(madeHoursAgo: 24)
        #expect(!fresh.warnings.map(\.check).contains("stale-revocation-list"))
        #expect(!fresh.warnings.map(\.check).contains("no-revocation-list"))
    }

    @Test func unsignedOrUntrustedRevocationListsAreRefused() throws {
        let forge = try Forge()
        let list = RevocationList(issuer: "VN-HN", issuedAt: sampleContext.time,
                                  entries: [.init(serial: "HN-000200", revokedAt: sampleContext.time, reason: .lost)])
        func refusal(_ bytes: [UInt8]) -> VerifierError? {
            #expect(throws: VerifierError.self) { try VerifiedRevocationList(signed: bytes, trust: forge.trust) }
        }
        // Raw CBOR: the list with no COSE around it.
        let raw = refusal(list.encoded())
        #expect(raw?.code == .invalidRevocationList)
        #expect(raw?.reason.hasPrefix("revocation list is not a COSE_Sign1 message") == true)
        // A COSE message with the trusted kid and no signature.
        let empty = refusal(try forge.cose(payload: list.encoded(), signature: []))
        #expect(empty?.code == .revocationListBadSignature)
        #expect(empty?.reason == "revocation list signature is not valid")
        // No kid: unsigned.
        let noKid = refusal(try forge.cose(protectedBytes: forge.protected([1: .init(-7)]), payload: list.encoded()))
        #expect(noKid?.code == .revocationListNotTrusted)
        #expect(noKid?.reason == "revocation list carries no key id: it is unsigned")
        // Signed by a stranger, under its own kid, then under the trusted kid.
        let stranger = try PrivateKey.generate(.es256)
        let own = refusal(try PassSigner(key: stranger).signedRevocationList(list))
        #expect(own?.code == .revocationListNotTrusted)
        #expect(own?.reason == "revocation list is signed by key \(Hex.encode(stranger.publicKey.keyID)), "
            + "which is not trusted")
        let signature = try stranger.sign(COSESign1.toBeSigned(protectedBytes: forge.protectedBytes,
                                                               payload: list.encoded()))
        let copied = refusal(try forge.cose(payload: list.encoded(), signature: signature))
        #expect(copied?.code == .revocationListBadSignature)
        // alg that is not the key's.
        let mismatch = refusal(try forge.cose(
            protectedBytes: forge.protected([1: .init(-8), 4: .bytes(forge.kid)]), payload: list.encoded()))
        #expect(mismatch?.code == .revocationListBadSignature)
        #expect(mismatch?.reason == "revocation list algorithm -8 is not the key's")
        // HMAC.
        let hmac = refusal(try forge.cose(
            protectedBytes: forge.protected([1: .init(5), 4: .bytes(forge.kid)]), payload: list.encoded()))
        #expect(hmac?.reason == "revocation list algorithm HMAC (5) is not the key's")
        // Validly signed, with an entry in the unprotected header, which no signature covers.
        let unprotected = refusal(try forge.cose(
            unprotected: CBOR.map([3: .text("application/cwt")]).encoded(), payload: list.encoded()))
        #expect(unprotected?.code == .invalidRevocationList)
        #expect(unprotected?.reason == "revocation list: the unprotected header must be empty")
    }
}

enum PassEncoding {
    /// The code of a COSE message, never compressed.
    static func code(_ cose: [UInt8]) -> String { PassCode.encode(cose, compression: .never) }
}

/// Runs a python3 script and returns its standard output.
func hostilePython(_ script: String) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readToEndRetryingInterrupts()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0)
    return Array(data)
}

/// Peak resident set size of this process so far.
func hostilePeakResidentBytes() -> Int {
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024  // kilobytes on Linux
    #else
    getrusage(RUSAGE_SELF, &usage)
    return usage.ru_maxrss  // bytes on macOS
    #endif
}
