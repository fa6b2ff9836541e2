import Foundation
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneVerifier
import Testing

/// Issue 11, tried as an attacker would: each attack on the checkpoint's own data, by name.
@Suite struct CheckpointDataAttackTests {
    let real = try! PrivateKey.generate(.es256)
    let demo = try! demoKey("demo-es256")
    let other = try! PrivateKey.generate(.es256)

    func trust() throws -> TrustSet {
        try TrustSet(keys: [
            TrustedKey(publicKey: real.publicKey, label: "real", issuer: "VN-HN",
                       notBefore: time("2021-07-01T00:00:00Z"), notAfter: time("2021-12-31T00:00:00Z")),
            TrustedKey(publicKey: demo.publicKey, label: "demo", issuer: "VN-HN", isDemo: true),
            TrustedKey(publicKey: other.publicKey, label: "HCM lists", issuer: "VN-HCM", roles: [.revocationLists]),
        ])
    }

    func list(_ key: PrivateKey, issuer: String = "VN-HN", hoursAgo: Int64 = 4, sequence: UInt64 = 1,
              entries: [RevocationList.Entry] = []) throws -> VerifiedRevocationList {
        let list = RevocationList(
            issuer: issuer, issuedAt: sampleContext.time - hoursAgo * 3600, entries: entries, sequence: sequence)
        return try VerifiedRevocationList(signed: PassSigner(key: key).signedRevocationList(list), trust: trust())
    }

    func verify(_ claims: PassClaims? = nil, lists: [VerifiedRevocationList], context: CheckpointContext = sampleContext,
                key: PrivateKey? = nil, seen: Int64? = nil) throws -> VerificationResult {
        let code = try PassSigner(key: key ?? real).passCode(for: claims ?? sampleClaims())
        return PassVerifier(trust: try trust(), revocationLists: lists, newestSignedTime: seen).verify(code, context: context)
    }

    @Test func demoSignedEmptyListNeverUnrevokesARealPass() throws {
        let result = try verify(lists: [try list(demo, sequence: 1_000)])
        #expect(result.verdict() == .cannotConfirm)
        #expect(result.warnings.contains(.revocationListNotApplicable(issuers: ["VN-HN"], demoSigned: true)))
    }

    @Test func otherIssuersListIsReportedAndCannotConfirm() throws {
        let result = try verify(lists: [try list(other, issuer: "VN-HCM")])
        #expect(result.verdict() == .cannotConfirm)
        #expect(result.warnings.contains(.revocationListNotApplicable(issuers: ["VN-HCM"], demoSigned: false)))
    }

    @Test func olderListIsRefusedAsARollback() throws {
        let path = try temporaryDirectory().appendingPathComponent("state").path
        _ = try VerifierState.update(path: path, admitting: [try list(real, sequence: 5)], at: sampleContext.time, skew: 300)
        #expect {
            _ = try VerifierState.update(
                path: path, admitting: [try list(real, hoursAgo: 30, sequence: 4)], at: sampleContext.time, skew: 300)
        } throws: { ($0 as? VerifierError)?.code == .revocationListRollback }
        // The same list again is fine; so is a newer one.
        _ = try VerifierState.update(path: path, admitting: [try list(real, sequence: 5)], at: sampleContext.time, skew: 300)
        let state = try VerifierState.update(
            path: path, admitting: [try list(real, hoursAgo: 1, sequence: 6)], at: sampleContext.time, skew: 300)
        #expect(state.seen(Hex.encode(real.publicKey.keyID))?.sequence == 6)
    }

    @Test func twoVerifiersAtOnceLoseNoUpdate() async throws {
        let path = try temporaryDirectory().appendingPathComponent("state").path
        let lists = [try list(real, sequence: 3), try list(other, issuer: "VN-HCM", sequence: 9)]
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    _ = try? VerifierState.update(
                        path: path, admitting: [lists[index % 2]], at: sampleContext.time, skew: 300)
                }
            }
        }
        let state = try VerifierState.read(path: path)
        #expect(state.seen(Hex.encode(real.publicKey.keyID))?.sequence == 3)
        #expect(state.seen(Hex.encode(other.publicKey.keyID))?.sequence == 9)
    }

    @Test func futureListIsRefused() throws {
        let result = try verify(lists: [try list(real, hoursAgo: -48)])
        #expect(result.verdict() == .cannotConfirm)
        #expect(result.warnings.map(\.check) == ["revocation-list-from-future"])
    }

    @Test func staleListInItsGraceStaysValidAfterItCannotConfirm() throws {
        let inGrace = try verify(lists: [try list(real, hoursAgo: 30)])
        #expect(inGrace.verdict() == .valid && inGrace.warnings.contains(where: \.isAgeingData))
        let after = try verify(lists: [try list(real, hoursAgo: 37)])
        #expect(after.verdict() == .cannotConfirm)
        #expect(after.warnings.map(\.check) == ["stale-revocation-list"])
        // --max-revocation-age only shortens: 6 hours turns a 4-hour-old list current, an 8-hour-old one ageing.
        var short = sampleContext
        short.maxRevocationAge = 6 * 3600
        #expect(try verify(lists: [try list(real, hoursAgo: 4)], context: short).warnings.isEmpty)
        #expect(try verify(lists: [try list(real, hoursAgo: 8)], context: short).warnings.contains(where: \.isAgeingData))
        short.maxRevocationAge = 1_000 * 3600
        #expect(try verify(lists: [try list(real, hoursAgo: 37)], context: short).verdict() == .cannotConfirm)
    }

    @Test func noListCannotConfirmUnlessWaived() throws {
        #expect(try verify(lists: []).verdict() == .cannotConfirm)
        var waived = sampleContext
        waived.revocationCheckWaived = true
        let result = try verify(lists: [], context: waived)
        #expect(result.verdict() == .valid && result.warnings.map(\.check) == ["revocation-check-waived"])
    }

    @Test func noZoneCannotConfirmALimitedPass() throws {
        var nowhere = sampleContext
        nowhere.district = nil
        let result = try verify(lists: [try list(real)], context: nowhere)
        #expect(result.verdict() == .cannotConfirm && result.warnings.map(\.check) == ["zone-not-checked"])
    }

    @Test func retiredKeysPassUntil2099IsRefused() throws {
        var claims = try sampleClaims()
        claims.issuedAt = time("2021-07-20T00:00:00Z")
        claims.notBefore = claims.issuedAt
        claims.expiresAt = time("2099-12-31T00:00:00Z")
        let result = try verify(claims, lists: [try list(real)])
        #expect(result.failures.map(\.check) == ["key-lifetime"])
        #expect(result.failures.first?.lifetimeRule == .tooLong(limit: TrustedKey.defaultMaxPassLifetime))
        // Within the lifetime but signed a week ahead of its start, or ending long after the key retired.
        claims.notBefore = claims.issuedAt + 7 * 86_400
        claims.expiresAt = claims.notBefore + 86_400
        #expect(try verify(claims, lists: [try list(real)]).failures.first?.lifetimeRule == .signedTooEarly)
        claims.notBefore = claims.issuedAt
        claims.expiresAt = time("2021-12-31T00:00:00Z") + 31 * 86_400 + 1
        claims.notBefore = claims.expiresAt - 30 * 86_400
        claims.issuedAt = claims.notBefore - 3600
        let late = try verify(claims, lists: [try list(real)])
        #expect(late.failures.map(\.check).contains("key-lifetime"))
    }

    @Test func listKeyCannotSignPassesAndPassKeyCannotSignLists() throws {
        var claims = try sampleClaims()
        claims.issuer = "VN-HCM"
        let result = try verify(claims, lists: [try list(other, issuer: "VN-HCM")], key: other)
        #expect(result.failures.map(\.check) == ["key-role"])
        let passesOnly = try TrustSet(keys: [TrustedKey(publicKey: real.publicKey, label: "p", issuer: "VN-HN", roles: [.passes])])
        let bytes = try PassSigner(key: real).signedRevocationList(RevocationList(issuer: "VN-HN", issuedAt: 1_627_000_000, entries: []))
        #expect { try VerifiedRevocationList(signed: bytes, trust: passesOnly) } throws: {
            ($0 as? VerifierError)?.code == .revocationListNotTrusted
        }
    }

    @Test func clockSetBackIsFlagged() throws {
        let result = try verify(lists: [try list(real)], seen: sampleContext.time + 3600)
        #expect(result.verdict() == .cannotConfirm && result.warnings.map(\.check) == ["clock-behind"])
    }

    @Test func skewIsAtMost15MinutesAndAppliesToTheDailyWindow() throws {
        var claims = try sampleClaims()
        claims.permit.window = try DailyWindow(parsing: "08:00-16:00")
        var context = sampleContext
        context.time = time("2021-07-26T16:04:00+07:00")
        #expect(try verify(claims, lists: [try list(real, hoursAgo: 10)], context: context).isAccepted)
        context.time = time("2021-07-26T16:20:00+07:00")
        context.clockSkew = 86_400  // treated as 15 minutes
        #expect(try verify(claims, lists: [try list(real, hoursAgo: 10)], context: context).failures.map(\.check)
                    == ["outside-time-window"])
    }

    @Test func oldVerifierFormatListsAndNewListsDoNotMix() throws {
        // A format-1 payload (keys 1-3 only) is refused, saying to export again; format 2 carries keys 4-7.
        let v1 = CBOR.map([.init(1): .text("VN-HN"), .init(2): .init(Int64(1_627_000_000)), .init(3): .array([])])
        #expect { try RevocationList(decoding: v1.encoded()) } throws: { ($0 as? FormatError)?.reason.contains("format 1") == true }
        let v2 = RevocationList(issuer: "VN-HN", issuedAt: 1_627_000_000, entries: [], sequence: 7)
        guard case .map(let map) = v2.cbor else { Issue.record("not a map"); return }
        #expect(map[.init(RevocationList.Key.version)] == .unsigned(2))
        #expect(try RevocationList(decoding: v2.encoded()) == v2)
    }
}

@Suite struct StrictTrustFileTests {
    func refusal(_ text: String) -> VerifierError? {
        do { _ = try TrustSet(trustFile: Array(text.utf8)); return nil } catch { return error }
    }

    @Test(arguments: [
        "trust-unknown-member", "trust-misspelt-member", "trust-duplicate-member", "trust-second-key",
        "trust-wrong-type", "trust-unknown-role", "trust-v1-without-issuer", "trust-v1-with-roles",
    ])
    func eachTrustFileTrickIsRefusedNamingTheMember(name: String) throws {
        let text = try String(contentsOfFile: repositoryPath("Samples/codes/trust/\(name).json"), encoding: .utf8)
        let error = try #require(refusal(text))
        #expect(error.code == .invalidTrustFile, "\(name): \(error)")
        #expect(error.reason.contains("'") || error.reason.contains("member"), "\(name): \(error.reason)")
    }

    @Test func repeatedTrustMergesAndRefusesADuplicateKidNamingBothFiles() throws {
        let merged = try TrustSet.load(paths: [
            repositoryPath("Keys/demo-trust.json"), repositoryPath("Samples/codes/trust/sample-issuers.json"),
        ])
        #expect(merged.keys.count == 5)
        #expect {
            try TrustSet.load(paths: [repositoryPath("Samples/codes/trust/legacy-v1.json"), repositoryPath("Keys/demo-trust.json")])
        } throws: { error in
            let error = error as! VerifierError
            return error.code == .duplicateKeyID && error.reason.contains("legacy-v1.json") && error.reason.contains("demo-trust.json")
        }
    }

    @Test func legacyV1EntriesReadAsPassesAndListsWithTheDefaultLifetime() throws {
        let legacy = try TrustSet.load(path: repositoryPath("Samples/codes/trust/legacy-v1.json"))
        #expect(legacy.keys[0].roles == [.passes, .revocationLists])
        #expect(legacy.keys[0].maxPassLifetime == 31 * 86_400)
        let current = try demoTrust()
        #expect(current.cannotConfirmInstruction?.vi.hasPrefix("DEMO: cho qua") == true)
        let again = try TrustSet(trustFile: Array(current.trustFile().utf8))
        #expect(again.keys.map(\.roles) == current.keys.map(\.roles) && again.cannotConfirmInstruction == current.cannotConfirmInstruction)
    }
}
