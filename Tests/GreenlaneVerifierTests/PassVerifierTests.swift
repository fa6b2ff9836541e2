import Foundation
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneVerifier
import Testing

@Suite struct PassVerifierTests {
    @Test(arguments: ["demo-es256", "demo-eddsa"])
    func issuedPassVerifies(keyName: String) throws {
        let signer = PassSigner(key: try demoKey(keyName))
        let code = try signer.passCode(for: sampleClaims())
        let result = PassVerifier(trust: try demoTrust()).verify(code, context: sampleContext)
        #expect(result.isAccepted, "\(result.failures)")
        #expect(result.verified?.claims == (try sampleClaims()))
        #expect(result.isDemo)
        #expect(result.warnings.contains(.noRevocationList))
    }

    /// Every single-bit flip of a valid code's COSE bytes is rejected. Exhaustive over one sample.
    @Test func everySingleBitFlipIsRejected() throws {
        let code = try PassSigner(key: try demoKey("demo-es256")).passCode(for: sampleClaims(), compression: .never)
        let cose = try PassCode.unwrap(code).coseBytes
        let verifier = PassVerifier(trust: try demoTrust())
        var accepted = 0
        var byCheck: [String: Int] = [:]
        for bit in 0..<(cose.count * 8) {
            var flipped = cose
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            let result = verifier.verify(PassCode.encode(flipped, compression: .never), context: sampleContext)
            if result.isAccepted { accepted += 1 }
            for failure in result.failures { byCheck[failure.check, default: 0] += 1 }
        }
        #expect(accepted == 0, "\(accepted) of \(cose.count * 8) flips were accepted")
        #expect(byCheck["bad-signature", default: 0] > 0)
        #expect(byCheck["unknown-kid", default: 0] > 0)
    }

    @Test func unknownKidIsNeverTriedAgainstAnotherKey() throws {
        // Same key material under a trust set that lacks it: refused even though ES256 keys exist.
        let untrusted = try PrivateKey.generate(.es256)
        let code = try PassSigner(key: untrusted).passCode(for: sampleClaims())
        let result = PassVerifier(trust: try demoTrust()).verify(code, context: sampleContext)
        #expect(result.failures.map(\.check) == ["unknown-kid"])
        #expect(result.signer == nil)
    }

    @Test func validSignatureFromUntrustedKeyWithTrustedKidIsRejected() throws {
        // An attacker copies the demo kid into the header and signs with his own key.
        let attacker = try PrivateKey.generate(.es256)
        let demo = PassSigner(key: try demoKey("demo-es256"))
        let message = COSESign1(protected: demo.protectedHeader, payload: try sampleClaims().encoded())
        let forged = message.signed(with: try attacker.sign(message.toBeSigned))
        let result = PassVerifier(trust: try demoTrust())
            .verify(PassCode.encode(forged.encoded()), context: sampleContext)
        #expect(result.failures.map(\.check) == ["bad-signature"])
    }

    @Test func algorithmOnlyInUnprotectedHeaderIsNotAllowed() throws {
        let signer = PassSigner(key: try demoKey("demo-es256"))
        let protected: [CBOR: CBOR] = [4: .bytes(signer.key.publicKey.keyID)]
        var message = COSESign1(protected: protected, unprotected: [1: .init(-7)], payload: try sampleClaims().encoded())
        message = message.signed(with: try signer.key.sign(message.toBeSigned))
        let result = PassVerifier(trust: try demoTrust()).verify(PassCode.encode(message.encoded()), context: sampleContext)
        // Refused before the algorithm is even looked at: a pass's unprotected header must be empty.
        #expect(result.failures.map(\.check) == ["malformed-cose"])
    }

    @Test func clockSkewIsAParameter() throws {
        var claims = try sampleClaims()
        claims.permit.window = nil  // validity edges at midnight; no daily window in the way
        let code = try PassSigner(key: try demoKey("demo-es256")).passCode(for: claims)
        let verifier = PassVerifier(trust: try demoTrust())
        func checks(at time: Int64, skew: Int64) -> [String] {
            verifier.verify(code, context: CheckpointContext(time: time, district: District("dong-da"), clockSkew: skew))
                .failures.map(\.check)
        }
        #expect(checks(at: claims.notBefore - 200, skew: 300) == [])
        #expect(checks(at: claims.notBefore - 200, skew: 0) == ["not-yet-valid"])
        #expect(checks(at: claims.expiresAt + 100, skew: 300) == [])
        #expect(checks(at: claims.expiresAt + 100, skew: 0) == ["expired"])
        #expect(checks(at: claims.expiresAt, skew: 0) == ["expired"])
    }

    @Test func trustedKeyValidityPeriodAppliesToIssueTime() throws {
        let key = try demoKey("demo-es256")
        let claims = try sampleClaims()
        let trust = try TrustSet(keys: [
            TrustedKey(publicKey: key.publicKey, label: "retired", notAfter: claims.issuedAt - 1)
        ])
        let code = try PassSigner(key: key).passCode(for: claims)
        let result = PassVerifier(trust: trust).verify(code, context: sampleContext)
        #expect(result.failures.map(\.check) == ["key-not-valid"])
        // The published demo key is demo whatever the caller's TrustedKey says (DemoKeys).
        #expect(result.isDemo)
    }

    @Test func messagesAreInVietnameseAndEnglish() throws {
        let claims = try sampleClaims()
        let code = try PassSigner(key: try demoKey("demo-es256")).passCode(for: claims)
        let context = CheckpointContext(time: claims.expiresAt + 86_400 + 3600 * 5, district: District("long-bien"))
        let result = PassVerifier(trust: try demoTrust()).verify(code, context: context)
        let vietnamese = result.failures.map { $0.message(.vi) }
        #expect(vietnamese.contains { $0.hasPrefix("Đã hết hạn lúc 07/08/2021 00:00") })
        #expect(vietnamese.contains { $0.contains("Quận Long Biên") && $0.contains("Ba Đình") })
        #expect(result.failures.map { $0.message(.en) }.contains { $0.contains("Long Bien District") })
    }
}

@Suite struct RevocationListTests {
    func signedList(_ entries: [RevocationList.Entry], issuedAt: Int64, key: PrivateKey) throws -> [UInt8] {
        try PassSigner(key: key).signedRevocationList(RevocationList(issuer: "VN-HN", issuedAt: issuedAt, entries: entries))
    }

    @Test func revokedSerialIsRejectedAndStaleListReported() throws {
        let key = try demoKey("demo-es256")
        let claims = try sampleClaims(serial: "HN-000777")
        let bytes = try signedList(
            [.init(serial: "HN-000777", revokedAt: claims.issuedAt + 60, reason: .replaced),
             .init(serial: "HN-000001", revokedAt: claims.issuedAt, reason: .lost)],
            issuedAt: sampleContext.time - 3 * 86_400, key: key)
        let trust = try demoTrust()
        let list = try VerifiedRevocationList(signed: bytes, trust: trust)
        #expect(list.list.entries.map(\.serial) == ["HN-000001", "HN-000777"])
        let result = PassVerifier(trust: trust, revocations: list)
            .verify(try PassSigner(key: key).passCode(for: claims), context: sampleContext)
        #expect(result.failures.map(\.check) == ["revoked"])
        // Made 72 hours ago, due after 24 and used for 12 more: out of date, so the pass cannot be confirmed.
        #expect(result.warnings.contains(.staleRevocationList(
            issuedAt: sampleContext.time - 3 * 86_400, usableUntil: sampleContext.time - 3 * 86_400 + 36 * 3600)))
        // Failures and warnings are structs: their details are properties, absent on other checks.
        #expect(result.failures.first?.revocation?.reason == .replaced)
        #expect(result.failures.first?.expiresAt == nil)
        let stale = try #require(result.warnings.first { $0.check == "stale-revocation-list" })
        #expect(stale.revocationListIssuedAt == sampleContext.time - 3 * 86_400)
        #expect(!stale.isDemoKey && stale.keyLabel == nil)
    }

    /// The officer reads the reason in words, and a code from a newer issuer as the code: never free text.
    @Test func revocationReasonIsShownInWordsAndAnUnknownCodeSafely() throws {
        let key = try demoKey("demo-es256")
        let trust = try demoTrust()
        let cases = [(RevocationReason.stolen, "lý do: Thẻ bị đánh cắp", "reason: Pass stolen"),
                     (RevocationReason(code: "vehicle-sold")!, "lý do: vehicle-sold", "reason: vehicle-sold")]
        for (reason, vi, en) in cases {
            let claims = try sampleClaims(serial: "HN-000777")
            let bytes = try signedList([.init(serial: "HN-000777", revokedAt: claims.issuedAt + 60, reason: reason)],
                                       issuedAt: sampleContext.time, key: key)
            let list = try VerifiedRevocationList(signed: bytes, trust: trust)
            let code = try PassSigner(key: key).passCode(for: claims)
            let result = PassVerifier(trust: trust, revocations: list).verify(code, context: sampleContext)
            let failure = try #require(result.failures.first)
            #expect(failure.check == "revoked")
            #expect(failure.message(.vi).contains(vi), "\(failure.message(.vi))")
            #expect(failure.message(.en).contains(en), "\(failure.message(.en))")
        }
    }

    @Test func unsignedWrongKeyAndTamperedListsAreRefused() throws {
        let trust = try demoTrust()
        let stranger = try PrivateKey.generate(.es256)
        let byStranger = try signedList([], issuedAt: sampleContext.time, key: stranger)
        #expect {
            try VerifiedRevocationList(signed: byStranger, trust: trust)
        } throws: { ($0 as? VerifierError)?.code == .revocationListNotTrusted }

        let list = RevocationList(issuer: "VN-HN", issuedAt: sampleContext.time, entries: [])
        let unsigned = COSESign1(protected: [1: .init(-7)], payload: list.encoded()).encoded()
        #expect {
            try VerifiedRevocationList(signed: unsigned, trust: trust)
        } throws: { ($0 as? VerifierError)?.code == .revocationListNotTrusted }

        var good = try signedList([.init(serial: "HN-1", revokedAt: sampleContext.time, reason: .lost)],
                                  issuedAt: sampleContext.time, key: try demoKey("demo-es256"))
        good[good.count - 70] ^= 0x20
        #expect(throws: VerifierError.self) { try VerifiedRevocationList(signed: good, trust: trust) }
    }
}

@Suite struct TrustFileTests {
    @Test func demoTrustFileListsTwoKeys() throws {
        let trust = try demoTrust()
        #expect(trust.keys.count == 2)
        #expect(Set(trust.keys.map(\.algorithm)) == [.es256, .eddsa])
        #expect(trust.keys.allSatisfy { $0.isDemo && $0.label.contains("DEMO") })
    }

    @Test func trustFileRoundTrips() throws {
        let trust = try demoTrust()
        let again = try TrustSet(trustFile: Array(trust.trustFile().utf8))
        #expect(again.keys.map(\.keyID) == trust.keys.map(\.keyID))
        #expect(again.keys.map(\.notBefore) == trust.keys.map(\.notBefore))
    }

    @Test func wrongKidInTrustFileIsRefused() throws {
        var text = try demoTrust().trustFile()
        let kid = try demoTrust().keys[0].keyIDHex
        text = text.replacingOccurrences(of: kid, with: String(kid.reversed()))
        #expect {
            try TrustSet(trustFile: Array(text.utf8))
        } throws: { ($0 as? VerifierError)?.code == .keyIDMismatch }
    }

    @Test func brokenTrustFilesSayWhatIsWrong() throws {
        #expect {
            try TrustSet(trustFile: Array(#"{"format":"greenlane-trust/1","keys":[{"kid":"00"}]}"#.utf8))
        } throws: { error in
            let error = error as! VerifierError
            return error.code == .invalidTrustFile && error.reason.contains("alg")
        }
        #expect {
            try TrustSet(trustFile: Array(#"{"format":"greenlane-trust/1","keys":[]}"#.utf8))
        } throws: { ($0 as? VerifierError)?.code == .emptyTrustSet }
        #expect {
            try TrustSet(trustFile: Array("not json".utf8))
        } throws: { ($0 as? VerifierError)?.code == .invalidTrustFile }
    }
}
