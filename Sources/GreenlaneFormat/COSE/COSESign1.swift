/// A COSE_Sign1 message (RFC 9052, section 4.2).
///
/// Holds the protected header exactly as its bytes were received: the signature covers those bytes,
/// never a re-encoding of them.
public struct COSESign1: Sendable, Hashable {
    /// CBOR tag for COSE_Sign1.
    public static let tag: UInt64 = 18

    /// Header labels this implementation understands (RFC 9052, section 3.1).
    public enum HeaderLabel {
        public static let algorithm = 1
        public static let critical = 2
        public static let contentType = 3
        public static let keyID = 4
    }

    /// The serialized protected header (the content of the bstr). Empty means no protected header.
    public let protectedBytes: [UInt8]
    public let protected: [CBOR: CBOR]
    public let unprotected: [CBOR: CBOR]
    public let payload: [UInt8]
    public let signature: [UInt8]

    /// Builds a message to be signed, with `protected` encoded deterministically.
    public init(protected: [CBOR: CBOR], unprotected: [CBOR: CBOR] = [:], payload: [UInt8], signature: [UInt8] = []) {
        self.protected = protected
        self.protectedBytes = protected.isEmpty ? [] : CBOR.map(protected).encoded()
        self.unprotected = unprotected
        self.payload = payload
        self.signature = signature
    }

    private init(
        protectedBytes: [UInt8], protected: [CBOR: CBOR], unprotected: [CBOR: CBOR], payload: [UInt8],
        signature: [UInt8]
    ) {
        self.protectedBytes = protectedBytes
        self.protected = protected
        self.unprotected = unprotected
        self.payload = payload
        self.signature = signature
    }

    /// greenlane's rule for everything it signs: nothing unprotected is trusted, and an entry there would give
    /// one signed message a second encoding, so the unprotected header must be empty.
    public func requireEmptyUnprotectedHeader() throws(FormatError) {
        guard unprotected.isEmpty else {
            throw FormatError(.wrongStructure, layer: .cose, "the unprotected header must be empty")
        }
    }

    /// The same headers over another payload, unsigned; the protected header is not encoded again.
    public func replacingPayload(_ payload: [UInt8]) -> COSESign1 {
        COSESign1(protectedBytes: protectedBytes, protected: protected, unprotected: unprotected, payload: payload,
                  signature: [])
    }

    /// The same message carrying `signature`.
    public func signed(with signature: [UInt8]) -> COSESign1 {
        COSESign1(
            protectedBytes: protectedBytes, protected: protected, unprotected: unprotected, payload: payload,
            signature: signature)
    }

    /// The Sig_structure that is signed: `["Signature1", protected, external_aad, payload]`.
    ///
    /// An empty protected header counts as the zero-length string however it was sent (`h''` or `h'A0'`),
    /// as RFC 9052 section 3 prescribes and the COSE working group's "Redo protected" example tests.
    public var toBeSigned: [UInt8] { toBeSigned(externalAAD: []) }

    public func toBeSigned(externalAAD: [UInt8]) -> [UInt8] {
        Self.toBeSigned(protectedBytes: protected.isEmpty ? [] : protectedBytes, externalAAD: externalAAD,
                        payload: payload)
    }

    public static func toBeSigned(protectedBytes: [UInt8], externalAAD: [UInt8] = [], payload: [UInt8]) -> [UInt8] {
        CBOR.array([.text("Signature1"), .bytes(protectedBytes), .bytes(externalAAD), .bytes(payload)]).encoded()
    }

    /// Tagged (or untagged) CBOR encoding of the message.
    public func encoded(tagged: Bool = true) -> [UInt8] {
        let message = CBOR.array([.bytes(protectedBytes), .map(unprotected), .bytes(payload), .bytes(signature)])
        return tagged ? CBOR.tagged(Self.tag, message).encoded() : message.encoded()
    }

    /// The algorithm identifier, from the protected header only (an unprotected one could be swapped).
    public var protectedAlgorithm: CBOR? { protected[.unsigned(1)] }

    /// The algorithm identifier, protected header first, then unprotected (COSE allows either).
    public var algorithm: CBOR? { protected[.unsigned(1)] ?? unprotected[.unsigned(1)] }

    /// The key identifier, protected header first, then unprotected.
    public var keyID: [UInt8]? { (protected[.unsigned(4)] ?? unprotected[.unsigned(4)])?.bytesValue }

    /// Decodes a COSE_Sign1 message.
    ///
    /// - Parameters:
    ///   - mode: `.deterministic` for greenlane's own messages; `.wellFormed` to read other producers'.
    ///   - understoodLabels: header labels the caller processes; a `crit` header naming any other label is
    ///     rejected (RFC 9052, section 3.1).
    public static func decode(
        _ bytes: [UInt8], mode: CBORDecodingMode = .deterministic, requireTag: Bool = true,
        understoodLabels: Set<CBOR> = [1, 2, 3, 4], limits: CBORLimits = .default
    ) throws(FormatError) -> COSESign1 {
        let item: CBOR
        do {
            item = try CBOR.decode(bytes, limits: limits, mode: mode)
        } catch {
            throw FormatError(error.code, layer: .cbor, "COSE_Sign1: \(error.reason)", offset: error.offset)
        }
        let content: CBOR
        switch item {
        case .tagged(Self.tag, let inner):
            content = inner
        case .tagged(let other, _):
            throw FormatError(.wrongTag, layer: .cose, "expected CBOR tag 18 (COSE_Sign1), found tag \(other)")
        default:
            guard !requireTag else {
                throw FormatError(.wrongTag, layer: .cose, "expected CBOR tag 18 (COSE_Sign1), found no tag")
            }
            content = item
        }
        guard case .array(let parts) = content, parts.count == 4 else {
            throw FormatError(.wrongStructure, layer: .cose, "COSE_Sign1 must be an array of 4 items")
        }
        guard case .bytes(let protectedBytes) = parts[0] else {
            throw FormatError(.wrongType, layer: .cose, "protected header must be a byte string")
        }
        var protected: [CBOR: CBOR] = [:]
        if !protectedBytes.isEmpty {
            let header: CBOR
            do {
                header = try CBOR.decode(protectedBytes, limits: limits, mode: mode)
            } catch {
                throw FormatError(error.code, layer: .cbor, "protected header: \(error.reason)", offset: error.offset)
            }
            guard case .map(let map) = header else {
                throw FormatError(.wrongType, layer: .cose, "protected header must encode a map")
            }
            protected = map
        }
        guard case .map(let unprotected) = parts[1] else {
            throw FormatError(.wrongType, layer: .cose, "unprotected header must be a map")
        }
        guard case .bytes(let payload) = parts[2] else {
            throw FormatError(.wrongType, layer: .cose, "payload must be a byte string (detached payloads are not used)")
        }
        guard case .bytes(let signature) = parts[3] else {
            throw FormatError(.wrongType, layer: .cose, "signature must be a byte string")
        }
        for label in protected.keys where unprotected[label] != nil {
            throw FormatError(.wrongStructure, layer: .cose, "header label \(label) appears in both headers")
        }
        if unprotected[.unsigned(2)] != nil {
            throw FormatError(.wrongStructure, layer: .cose, "crit header must be protected")
        }
        if let crit = protected[.unsigned(2)] {
            guard case .array(let labels) = crit, !labels.isEmpty else {
                throw FormatError(.wrongType, layer: .cose, "crit header must be a non-empty array of labels")
            }
            for label in labels where !understoodLabels.contains(label) || protected[label] == nil {
                throw FormatError(
                    .unknownCriticalHeader, layer: .cose, "critical header \(label) is not understood or absent")
            }
        }
        for (label, value) in protected.merging(unprotected, uniquingKeysWith: { first, _ in first }) {
            switch label {
            case .unsigned(1):
                guard value.intValue != nil || value.textValue != nil else {
                    throw FormatError(.wrongType, layer: .cose, "alg header must be an integer or text")
                }
            case .unsigned(4):
                guard value.bytesValue != nil else {
                    throw FormatError(.wrongType, layer: .cose, "kid header must be a byte string")
                }
            default: continue
            }
        }
        return COSESign1(
            protectedBytes: protectedBytes, protected: protected, unprotected: unprotected, payload: payload,
            signature: signature)
    }
}
