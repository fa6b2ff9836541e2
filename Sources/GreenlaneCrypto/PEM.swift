/// Just enough PEM (RFC 7468) to tell key files apart before OpenSSL sees them, so a public key, a
/// certificate, a cut-off file or garbage each get their own error instead of OpenSSL's generic decoder text.
struct PEMBlock {
    /// The word(s) between "BEGIN " and the dashes, e.g. "ENCRYPTED PRIVATE KEY".
    let label: String
    /// The whole block from "-----BEGIN" through the end of the "-----END ...-----" line, for OpenSSL's reader
    /// (which also needs the RFC 1421 headers of traditional encrypted keys).
    let text: [UInt8]
    /// The base64 body, decoded. Empty for blocks with RFC 1421 headers (OpenSSL decodes those itself).
    let der: [UInt8]
    /// True when the block has "Proc-Type:"-style headers (traditional encrypted keys).
    let hasHeaders: Bool
}

enum PEM {
    private static let dashes = Array("-----".utf8)
    private static let begin = Array("-----BEGIN ".utf8)

    /// True when `bytes` contains a PEM BEGIN line anywhere.
    static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        find(begin, in: bytes, from: 0) != nil
    }

    /// All blocks in `bytes`, in order. Throws `malformedPEM` when there is no block at all or a body is not
    /// valid base64, and `truncatedPEM` when a block has no matching END line.
    static func blocks(in bytes: [UInt8], what: String) throws(CryptoError) -> [PEMBlock] {
        var result: [PEMBlock] = []
        var position = 0
        while let start = find(begin, in: bytes, from: position) {
            let labelStart = start + begin.count
            guard let labelEnd = find(dashes, in: bytes, from: labelStart),
                !bytes[labelStart..<labelEnd].contains(where: { $0 == 0x0A || $0 == 0x0D })
            else {
                throw CryptoError(.truncatedPEM, "\(what): the PEM BEGIN line is cut off")
            }
            let label = String(decoding: bytes[labelStart..<labelEnd], as: UTF8.self)
            let bodyStart = labelEnd + dashes.count
            let endLine = Array("-----END \(label)-----".utf8)
            guard let end = find(endLine, in: bytes, from: bodyStart) else {
                throw CryptoError(
                    .truncatedPEM, "\(what): the PEM block \"\(label)\" has no \"-----END \(label)-----\" line; "
                        + "the text looks cut off")
            }
            var blockEnd = end + endLine.count
            if blockEnd < bytes.count, bytes[blockEnd] == 0x0D { blockEnd += 1 }
            if blockEnd < bytes.count, bytes[blockEnd] == 0x0A { blockEnd += 1 }
            let body = bytes[bodyStart..<end]
            let hasHeaders = body.contains(0x3A)  // ':' only appears in RFC 1421 headers, never in base64
            var der: [UInt8] = []
            if !hasHeaders {
                guard let decoded = base64Decode(body), !decoded.isEmpty else {
                    throw CryptoError(
                        .malformedPEM, "\(what): the body of the PEM block \"\(label)\" is not valid base64")
                }
                der = decoded
            }
            result.append(
                PEMBlock(label: label, text: Array(bytes[start..<blockEnd]), der: der, hasHeaders: hasHeaders))
            position = blockEnd
        }
        if result.isEmpty {
            throw CryptoError(.malformedPEM, "\(what): no PEM block found (expected a \"-----BEGIN ...-----\" line)")
        }
        return result
    }

    /// PEM text for `der` with 64-column lines, as OpenSSL writes it.
    static func encode(_ der: [UInt8], label: String) -> String {
        let body = base64Encode(der)
        var text = "-----BEGIN \(label)-----\n"
        var index = body.startIndex
        while index < body.endIndex {
            let next = body.index(index, offsetBy: 64, limitedBy: body.endIndex) ?? body.endIndex
            text += body[index..<next] + "\n"
            index = next
        }
        return text + "-----END \(label)-----\n"
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var index = from
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], haystack[index..<index + needle.count].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64Encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(triple >> 18 & 63)])
            out.append(alphabet[Int(triple >> 12 & 63)])
            out.append(index + 1 < bytes.count ? alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(triple & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes padded base64, skipping whitespace; nil on any other character or bad padding.
    static func base64Decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var accumulator: UInt32 = 0
        var pending = 0
        var padding = 0
        for character in text {
            let value: UInt32
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(character - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(character - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(character - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                guard padding <= 2 else { return nil }
                value = 0
            case 0x20, 0x09, 0x0A, 0x0D: continue
            default: return nil
            }
            if padding > 0 && character != UInt8(ascii: "=") { return nil }  // data after padding
            accumulator = accumulator << 6 | value
            pending += 1
            if pending == 4 {
                out.append(UInt8(accumulator >> 16 & 0xFF))
                if padding < 2 { out.append(UInt8(accumulator >> 8 & 0xFF)) }
                if padding < 1 { out.append(UInt8(accumulator & 0xFF)) }
                accumulator = 0
                pending = 0
            }
        }
        guard pending == 0 else { return nil }
        return out
    }
}
