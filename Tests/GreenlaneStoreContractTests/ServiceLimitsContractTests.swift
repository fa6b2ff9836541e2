import GreenlaneStore
import Testing

/// Idempotency keys, token buckets and failed-authentication counts, on every store: each operation with a
/// success and a failure case, as in `StoreContractTests`.
@Suite struct ServiceLimitsContractTests {
    static func claim(_ key: String = "k1", fingerprint byte: UInt8 = 1, at time: Int64 = 1_000) -> IdempotencyClaim {
        IdempotencyClaim(scope: "cr-dispatch", key: key, fingerprint: [UInt8](repeating: byte, count: 32),
                         claimedAt: time)
    }

    static let answer = IdempotentAnswer(status: 201, contentType: "application/json", body: Array("{}".utf8))

    // MARK: Idempotency

    @Test(arguments: StoreFactory.all) func claimIdempotencyKeyClaimsOnceThenReportsProgressAndTheAnswer(
        _ factory: StoreFactory) async throws
    {
        let store = try await factory.withFirms()
        #expect(try await store.claimIdempotencyKey(Self.claim(), leaseSeconds: 300) == .claimed)
        #expect(try await store.claimIdempotencyKey(Self.claim(at: 1_010), leaseSeconds: 300) == .inProgress)
        try await store.finishIdempotencyKey(scope: "cr-dispatch", key: "k1", answer: Self.answer, at: 1_020)
        #expect(try await store.claimIdempotencyKey(Self.claim(at: 1_030), leaseSeconds: 300)
                == .finished(Self.answer))
        // Another scope has its own keys.
        var other = Self.claim()
        other.scope = "cr-other"
        #expect(try await store.claimIdempotencyKey(other, leaseSeconds: 300) == .claimed)
    }

    @Test(arguments: StoreFactory.all) func claimIdempotencyKeyRefusesAnotherFingerprintAndTakesOverAStaleClaim(
        _ factory: StoreFactory) async throws
    {
        let store = try await factory.withFirms()
        #expect(try await store.claimIdempotencyKey(Self.claim(), leaseSeconds: 300) == .claimed)
        #expect(try await store.claimIdempotencyKey(Self.claim(fingerprint: 2), leaseSeconds: 300) == .mismatch)
        // Its instance died: after the lease the same call may run again.
        #expect(try await store.claimIdempotencyKey(Self.claim(at: 1_300), leaseSeconds: 300) == .claimed)
        await #expect { try await store.claimIdempotencyKey(Self.claim(fingerprint: 1).with(fingerprint: [1]),
                                                            leaseSeconds: 300) }
            throws: { ($0 as? RegistryError)?.code == .invalidValue }
    }

    @Test(arguments: StoreFactory.all) func finishIdempotencyKeyKeepsTheAnswerWithoutASecretBody(
        _ factory: StoreFactory) async throws
    {
        let store = try await factory.withFirms()
        _ = try await store.claimIdempotencyKey(Self.claim(), leaseSeconds: 300)
        let secret = IdempotentAnswer(status: 201, contentType: "application/json", body: nil)
        try await store.finishIdempotencyKey(scope: "cr-dispatch", key: "k1", answer: secret, at: 1_001)
        #expect(try await store.claimIdempotencyKey(Self.claim(), leaseSeconds: 300) == .finished(secret))
    }

    @Test(arguments: StoreFactory.all) func finishIdempotencyKeyRefusesAnUnclaimedOrFinishedKey(
        _ factory: StoreFactory) async throws
    {
        let store = try await factory.withFirms()
        await #expect {
            try await store.finishIdempotencyKey(scope: "cr-dispatch", key: "never", answer: Self.answer, at: 1)
        } throws: { ($0 as? RegistryError)?.code == .invalidValue }
        _ = try await store.claimIdempotencyKey(Self.claim(), leaseSeconds: 300)
        try await store.finishIdempotencyKey(scope: "cr-dispatch", key: "k1", answer: Self.answer, at: 1_001)
        await #expect {
            try await store.finishIdempotencyKey(scope: "cr-dispatch", key: "k1", answer: Self.answer, at: 1_002)
        } throws: { ($0 as? RegistryError)?.code == .invalidValue }
    }

    @Test(arguments: StoreFactory.all) func releaseIdempotencyKeyLetsTheCallRunAgain(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        _ = try await store.claimIdempotencyKey(Self.claim(), leaseSeconds: 300)
        try await store.releaseIdempotencyKey(scope: "cr-dispatch", key: "k1")
        #expect(try await store.claimIdempotencyKey(Self.claim(fingerprint: 2), leaseSeconds: 300) == .claimed)
    }

    @Test(arguments: StoreFactory.all) func releaseIdempotencyKeyRefusesAFinishedOrUnknownKey(
        _ factory: StoreFactory) async throws
    {
        let store = try await factory.withFirms()
        await #expect { try await store.releaseIdempotencyKey(scope: "cr-dispatch", key: "never") }
            throws: { ($0 as? RegistryError)?.code == .invalidValue }
        _ = try await store.claimIdempotencyKey(Self.claim(), leaseSeconds: 300)
        try await store.finishIdempotencyKey(scope: "cr-dispatch", key: "k1", answer: Self.answer, at: 1_001)
        await #expect { try await store.releaseIdempotencyKey(scope: "cr-dispatch", key: "k1") }
            throws: { ($0 as? RegistryError)?.code == .invalidValue }
        #expect(try await store.claimIdempotencyKey(Self.claim(), leaseSeconds: 300) == .finished(Self.answer))
    }

    // MARK: Token buckets

    @Test(arguments: StoreFactory.all) func takeRateTokensEmptiesABucketThenRefillsIt(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        let bucket = RateBucket(name: "credential:cr-a", capacity: 2, period: 60)
        #expect(try await store.takeRateTokens([bucket], atMillis: 0) == nil)
        #expect(try await store.takeRateTokens([bucket], atMillis: 10) == nil)
        #expect(try await store.takeRateTokens([bucket], atMillis: 20) == RateRefusal(bucket: bucket.name,
                                                                                       retryAfter: 30))
        // One token every 30 s.
        #expect(try await store.takeRateTokens([bucket], atMillis: 30_020) == nil)
    }

    @Test(arguments: StoreFactory.all) func takeRateTokensTakesFromNoBucketWhenOneIsEmpty(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        let credential = RateBucket(name: "credential:cr-a", capacity: 5)
        let firm = RateBucket(name: "firm:VNPOST", capacity: 1)
        #expect(try await store.takeRateTokens([credential, firm], atMillis: 0) == nil)
        #expect(try await store.takeRateTokens([credential, firm], atMillis: 1)?.bucket == "firm:VNPOST")
        // The refused call took nothing from the credential's bucket: 4 left of 5.
        for millis in Int64(2)...5 { #expect(try await store.takeRateTokens([credential], atMillis: millis) == nil) }
        #expect(try await store.takeRateTokens([credential], atMillis: 6) != nil)
        await #expect { try await store.takeRateTokens([RateBucket(name: "x", capacity: 0)], atMillis: 0) }
            throws: { ($0 as? RegistryError)?.code == .invalidValue }
    }

    // MARK: Failed authentications

    @Test(arguments: StoreFactory.all) func countAuthFailureKeepsOneRowPerSourceAndMinute(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        #expect(try await store.countAuthFailure(source: "127.0.0.2", minute: 100) == 1)
        #expect(try await store.countAuthFailure(source: "127.0.0.2", minute: 100) == 2)
        #expect(try await store.countAuthFailure(source: "127.0.0.3", minute: 100) == 1)
        #expect(try await store.countAuthFailure(source: "127.0.0.2", minute: 101) == 1)
        #expect(try await store.authFailureCounts(since: 100) == [
            AuthFailureCount(source: "127.0.0.2", minute: 100, count: 2),
            AuthFailureCount(source: "127.0.0.3", minute: 100, count: 1),
            AuthFailureCount(source: "127.0.0.2", minute: 101, count: 1),
        ])
        #expect(try await store.authFailureCounts(since: 101).count == 1)
    }

    @Test(arguments: StoreFactory.all) func countAuthFailureRefusesAnEmptyOrOverlongSource(_ factory: StoreFactory)
        async throws
    {
        let store = try await factory.withFirms()
        await #expect { try await store.countAuthFailure(source: "", minute: 1) }
            throws: { ($0 as? RegistryError)?.code == .invalidValue }
        await #expect { try await store.countAuthFailure(source: String(repeating: "a", count: 65), minute: 1) }
            throws: { ($0 as? RegistryError)?.code == .invalidValue }
        #expect(try await store.authFailureCounts(since: 0).isEmpty)
    }
}

extension IdempotencyClaim {
    func with(fingerprint: [UInt8]) -> IdempotencyClaim {
        var copy = self
        copy.fingerprint = fingerprint
        return copy
    }
}
