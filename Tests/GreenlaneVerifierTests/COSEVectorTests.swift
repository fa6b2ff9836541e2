import GreenlaneCrypto
import GreenlaneFormat
import Testing

/// The COSE working group's examples (Tests/GreenlaneVerifierTests/Vectors, public domain): every file
/// is read and asserted on. Algorithms greenlane does not support must be refused, not skipped.
@Suite struct COSEVectorTests {
    static func publicKey(_ jwk: [String: Any]) throws -> PublicKey {
        func field(_ name: String) -> [UInt8] {
            if let hex = jwk[name + "_hex"] as? String { return hexBytes(hex) }
            return base64URL(jwk[name] as! String)
        }
        switch jwk["crv"] as? String {
        case "P-256": return try PublicKey(p256X: field("x"), y: field("y"))
        case "Ed25519": return try PublicKey(ed25519: field("x"))
        default: throw UnsupportedCurve()
        }
    }

    static let supported = ["ES256", "EdDSA"]

    @Test(arguments: vectorFiles("sign1-tests") + vectorFiles("ecdsa-examples").filter { $0.contains("-sig-") }
        + vectorFiles("eddsa-examples").filter { $0.contains("-sig-") } + ["CWT/A_3.json"])
    func sign1(file: String) throws {
        let vector = try vectorJSON(file)
        let input = vector["input"] as! [String: Any]
        let signer = input["sign0"] as! [String: Any]
        let jwk = signer["key"] as! [String: Any]
        let alg = signer["alg"] as! String
        let failures = input["failures"] as? [String: Any] ?? [:]
        // "Redo protected" and "Remove CBOR Tag" are encodings a verifier must accept; the rest must fail.
        let mustFail = !failures.isEmpty && failures["ChangeProtected"] == nil && failures["RemoveCBORTag"] == nil
        let output = vector["output"] as! [String: Any]
        let bytes = hexBytes(output["cbor"] as! String)
        let external = (signer["external"] as? String).map(hexBytes) ?? []

        guard Self.supported.contains(alg), ["P-256", "Ed25519"].contains(jwk["crv"] as? String) else {
            if alg == "EdDSA" {
                // Ed448 shares EdDSA's identifier: the key type is what refuses it (57-byte key).
                #expect(jwk["crv"] as? String == "Ed448")
                #expect(throws: CryptoError.self) { try PublicKey(ed25519: hexBytes(jwk["x_hex"] as! String)) }
            } else {
                // ES384 (-35) and ES512 (-36) are not in greenlane's algorithm table.
                let identifier = ["ES384": -35, "ES512": -36][alg]!
                #expect(SignatureAlgorithm(coseIdentifier: identifier) == nil)
            }
            return
        }
        let key = try Self.publicKey(jwk)
        let message: COSESign1
        do {
            message = try COSESign1.decode(bytes, mode: .wellFormed, requireTag: failures["RemoveCBORTag"] == nil)
        } catch {
            #expect(mustFail, "\(file): decode failed: \(error)")
            #expect(failures["ChangeCBORTag"] != nil, "\(file): only the wrong tag is a decode failure")
            return
        }
        let toBeSigned = message.toBeSigned(externalAAD: external)
        if let intermediates = vector["intermediates"] as? [String: Any], !mustFail {
            #expect(toBeSigned == hexBytes(intermediates["ToBeSign_hex"] as! String), "\(file): Sig_structure")
        }
        let algorithm = message.algorithm?.intValue.flatMap(SignatureAlgorithm.init(coseIdentifier:))
        let valid = algorithm == key.algorithm && key.isValidSignature(message.signature, for: toBeSigned)
        #expect(valid == !mustFail, "\(file): signature valid=\(valid), expected \(!mustFail)")

        if key.algorithm == .eddsa, let d = jwk["d_hex"] as? String {
            // EdDSA is deterministic: our signature must match the vector byte for byte.
            let privateKey = try PrivateKey(ed25519Seed: hexBytes(d))
            #expect(try privateKey.sign(toBeSigned) == message.signature)
        }
    }

    /// COSE_Sign (tag 98) examples: greenlane only reads COSE_Sign1, so tag 98 is refused; the signer's
    /// signature is still checked through our CBOR encoder and OpenSSL, from the vector's own parts.
    @Test(arguments: ["ecdsa-examples/ecdsa-01.json", "eddsa-examples/eddsa-01.json"])
    func multiSignerMessagesAreRefusedButTheirSignaturesCheck(file: String) throws {
        let vector = try vectorJSON(file)
        let bytes = hexBytes((vector["output"] as! [String: Any])["cbor"] as! String)
        #expect {
            try COSESign1.decode(bytes, mode: .wellFormed)
        } throws: { ($0 as? FormatError)?.code == .wrongTag }

        guard case .tagged(98, .array(let parts)) = try CBOR.decode(bytes, mode: .wellFormed),
            case .bytes(let bodyProtected) = parts[0], case .bytes(let payload) = parts[2],
            case .array(let signers) = parts[3], case .array(let signer) = signers[0],
            case .bytes(let signProtected) = signer[0], case .bytes(let signature) = signer[2]
        else {
            Issue.record("\(file): not a COSE_Sign structure")
            return
        }
        let toBeSigned = CBOR.array([
            "Signature", .bytes(bodyProtected), .bytes(signProtected), .bytes([]), .bytes(payload),
        ]).encoded()
        let intermediates = (vector["intermediates"] as! [String: Any])["signers"] as! [[String: Any]]
        #expect(toBeSigned == hexBytes(intermediates[0]["ToBeSign_hex"] as! String))
        let input = vector["input"] as! [String: Any]
        let jwk = ((input["sign"] as! [String: Any])["signers"] as! [[String: Any]])[0]["key"] as! [String: Any]
        #expect(try Self.publicKey(jwk).isValidSignature(signature, for: toBeSigned))
    }

    /// RFC 8392 Appendix A: the signed CWT verifies and its claims decode; MACed and encrypted CWTs are
    /// refused as the wrong kind of message, and none of them is mistaken for a pass.
    @Test func cwtAppendixA() throws {
        let signed = try vectorJSON("CWT/A_3.json")
        let bytes = hexBytes((signed["output"] as! [String: Any])["cbor"] as! String)
        let message = try COSESign1.decode(bytes, mode: .wellFormed)
        let claims = try CBOR.decode(message.payload)
        #expect(claims[1]?.textValue == "coap://as.example.com")
        #expect(claims[4]?.int64Value == 1_444_064_944)
        #expect(claims[7]?.bytesValue == [0x0B, 0x71])
        #expect {
            try PassClaims(decoding: message.payload)
        } throws: { ($0 as? FormatError)?.layer == .claims }

        for (file, tag) in [("CWT/A_4.json", 17), ("CWT/A_5.json", 16), ("CWT/A_6.json", 16), ("CWT/A_7.json", 17)] {
            let vector = try vectorJSON(file)
            let bytes = hexBytes((vector["output"] as! [String: Any])["cbor"] as! String)
            guard case .tagged(let found, _) = try CBOR.decode(bytes, mode: .wellFormed) else {
                Issue.record("\(file) is not tagged")
                continue
            }
            #expect(found == UInt64(tag) || (file == "CWT/A_6.json" && found == 16), "\(file)")
            #expect {
                try COSESign1.decode(bytes, mode: .wellFormed)
            } throws: { ($0 as? FormatError)?.code == .wrongTag }
        }
    }
}

struct UnsupportedCurve: Error {}
