/// The text form of a pass: `GL1:` + base45( zlib?( COSE_Sign1( CWT ) ) ).
///
/// The same layering as the EU Digital COVID Certificate's `HC1:` codes, so standard tools read it.
public enum PassCode {
    public static let prefix = "GL1:"

    /// Longest code accepted, in characters: a version 40 QR symbol holds 4,296 alphanumerics; a real
    /// pass is about 300. Anything longer is refused before any decoding work.
    public static let maxLength = Limits.codeCharacters
    /// Largest COSE message accepted after inflating. A zlib bomb stops here.
    public static let maxMessageBytes = Limits.coseBytes

    public enum Compression: Sendable {
        /// Compress only when it makes the code shorter, trying only codes that would not fit QR version 10-M.
        case automatic
        case never
        /// Always add the zlib layer. For tests and tools: a verifier refuses it on a code that `mayCompress`
        /// says must stay plain.
        case always
    }

    /// Wraps a COSE_Sign1 message in the text layers.
    public static func encode(_ coseBytes: [UInt8], compression: Compression = .automatic) -> String {
        let body: [UInt8]
        switch compression {
        case .never: body = coseBytes
        case .always: body = Zlib.compress(coseBytes)
        case .automatic:
            if !mayCompress(coseBytes) {
                body = coseBytes
            } else {
                let compressed = Zlib.compress(coseBytes)
                body = compressed.count < coseBytes.count ? compressed : coseBytes
            }
        }
        return prefix + Base45.encode(body)
    }

    /// The largest QR version (at level M) a code is kept uncompressed for.
    public static let largestUncompressedQRVersion = 10

    /// Whether a code for these COSE bytes may carry a zlib layer: only when the plain code would need a QR
    /// symbol above version 10 at level M. Below that, zlib never shortened a typical pass (on 100,000 sample
    /// passes of 179-209 bytes it added 2 to 11 bytes), and trying it on every pass took 6 µs of a 41 µs
    /// signing (BENCHMARKS.md). The verifier refuses a zlib layer where this is false, so a pass has one code
    /// string (docs/FORMAT.md, "Canonical codes").
    public static func mayCompress(_ coseBytes: [UInt8]) -> Bool {
        guard let version = QRCapacity.version(alphanumericCount: plainLength(coseBytes)) else { return true }
        return version > largestUncompressedQRVersion
    }

    /// The length in characters of the code for these COSE bytes without a zlib layer.
    public static func plainLength(_ coseBytes: [UInt8]) -> Int {
        prefix.utf8.count + Base45.encodedLength(coseBytes.count)
    }

    /// Unwraps the text layers down to the COSE_Sign1 bytes. Surrounding white space is ignored
    /// (scanners and terminals add it); anything else out of place is an error naming its layer.
    public static func unwrap(_ text: String) throws(FormatError) -> (coseBytes: [UInt8], compressed: Bool) {
        var code = Substring(text)
        while let first = code.first, first.isWhitespace { code.removeFirst() }
        while let last = code.last, last.isWhitespace { code.removeLast() }
        guard code.utf8.count <= maxLength else {
            throw FormatError(
                .tooLong, layer: .prefix, "code is \(code.utf8.count) characters; at most \(maxLength) are accepted")
        }
        guard code.hasPrefix(prefix) else {
            // What was there is not echoed: it may be anything pasted or scanned (a key file, a URL).
            throw FormatError(.missingPrefix, layer: .prefix, "code must start with \(prefix)")
        }
        let body = try Base45.decode(code.dropFirst(prefix.count))
        guard let first = body.first else {
            throw FormatError(.truncated, layer: .base45, "nothing after the \(prefix) prefix")
        }
        if first == 0xD2 || first == 0x84 {
            return (body, false)  // tag 18, or an untagged array of four: not compressed
        }
        // A zlib stream starts with CMF/FLG where CM = 8 (deflate) and CMF*256+FLG is a multiple of 31.
        guard first & 0x0F == 8, body.count >= 2, (UInt16(first) << 8 | UInt16(body[1])) % 31 == 0 else {
            throw FormatError(
                .wrongStructure, layer: .zlib,
                "payload is neither a zlib stream nor a COSE_Sign1 message (first byte 0x\(Hex.encode([first])))")
        }
        return (try Zlib.decompress(body, maxOutput: maxMessageBytes), true)
    }

    /// Decodes every layer and the claims, without checking the signature or any policy.
    ///
    /// The name says it: nothing here is trustworthy until a verifier has checked it.
    public static func unverifiedDecode(_ text: String) throws(FormatError) -> UnverifiedPass {
        let (coseBytes, compressed) = try unwrap(text)
        let message = try COSESign1.decode(coseBytes)
        let claims = try PassClaims(decoding: message.payload)
        return UnverifiedPass(compressed: compressed, coseBytes: coseBytes, message: message, claims: claims)
    }
}

/// A pass code decoded layer by layer but not verified.
public struct UnverifiedPass: Sendable, Hashable {
    public init(compressed: Bool, coseBytes: [UInt8], message: COSESign1, claims: PassClaims) {
        self.compressed = compressed
        self.coseBytes = coseBytes
        self.message = message
        self.claims = claims
    }

    /// Whether the code carried a zlib layer.
    public let compressed: Bool
    public let coseBytes: [UInt8]
    public let message: COSESign1
    public let claims: PassClaims
}
