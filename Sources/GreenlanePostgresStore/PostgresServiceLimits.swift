public import GreenlaneStore
public import GreenlaneSupport
import PostgresNIO

/// Idempotency keys, token buckets and failed-authentication counts
/// (`v5-service-idempotency-rate-buckets-auth-failures`), shared by every server instance on the registry.
///
/// Concurrent writers: a key or bucket row is inserted if missing (`ON CONFLICT DO NOTHING`, so two instances
/// inserting at once both go on) and then locked `FOR UPDATE` before it is read, so the second instance waits
/// for the first's claim or tokens and then sees them; buckets are locked in name order, so two calls over the
/// same buckets cannot deadlock.
extension PostgresStore {
    public func claimIdempotencyKey(_ claim: IdempotencyClaim, leaseSeconds: Int64) async throws(RegistryError)
        -> IdempotencyState
    {
        guard claim.fingerprint.count == 32 else { throw RegistryError(.invalidValue, "a fingerprint is 32 bytes") }
        guard (1...100).contains(claim.scope.utf8.count), (1...255).contains(claim.key.utf8.count) else {
            throw RegistryError(.invalidValue, "an idempotency scope is 1-100 bytes and a key 1-255")
        }
        return try await transaction("claiming an idempotency key") { connection in
            let fingerprint = ByteBuffer(bytes: claim.fingerprint)
            if try await connection.query("""
                INSERT INTO service_idempotency (scope, key, fingerprint, claimed_at)
                VALUES (\(claim.scope), \(claim.key), \(fingerprint), \(claim.claimedAt))
                ON CONFLICT (scope, key) DO NOTHING RETURNING 1
                """, logger: Self.logger).collect().first != nil {
                return .claimed
            }
            guard let row = try await connection.query("""
                SELECT fingerprint, claimed_at, status, content_type, body FROM service_idempotency
                WHERE scope = \(claim.scope) AND key = \(claim.key) FOR UPDATE
                """, logger: Self.logger).collect().first else {
                // Released between the insert and the read: claim it now (the row is absent, nobody holds it).
                try await connection.query("""
                    INSERT INTO service_idempotency (scope, key, fingerprint, claimed_at)
                    VALUES (\(claim.scope), \(claim.key), \(fingerprint), \(claim.claimedAt))
                    """, logger: Self.logger)
                return .claimed
            }
            let (stored, claimedAt, status, contentType, body) =
                try row.decode((ByteBuffer, Int64, Int32?, String?, ByteBuffer?).self)
            guard Array(buffer: stored) == claim.fingerprint else { return .mismatch }
            if let status {
                return .finished(IdempotentAnswer(status: Int(status), contentType: contentType,
                                                  body: body.map { Array(buffer: $0) }))
            }
            guard claimedAt + leaseSeconds <= claim.claimedAt else { return .inProgress }
            try await connection.query("""
                UPDATE service_idempotency SET claimed_at = \(claim.claimedAt)
                WHERE scope = \(claim.scope) AND key = \(claim.key)
                """, logger: Self.logger)
            return .claimed
        }
    }

    public func finishIdempotencyKey(scope: String, key: String, answer: IdempotentAnswer, at time: Int64)
        async throws(RegistryError)
    {
        try await transaction("finishing an idempotency key") { connection in
            let body = answer.body.map { ByteBuffer(bytes: $0) }
            guard try await connection.query("""
                UPDATE service_idempotency SET finished_at = \(time), status = \(Int32(answer.status)),
                    content_type = \(answer.contentType), body = \(body)
                WHERE scope = \(scope) AND key = \(key) AND finished_at IS NULL RETURNING 1
                """, logger: Self.logger).collect().first != nil else {
                throw RegistryError(.invalidValue, "idempotency key \(SafeText.escaped(key)) is not claimed")
            }
        }
    }

    public func releaseIdempotencyKey(scope: String, key: String) async throws(RegistryError) {
        try await transaction("releasing an idempotency key") { connection in
            guard try await connection.query("""
                DELETE FROM service_idempotency
                WHERE scope = \(scope) AND key = \(key) AND finished_at IS NULL RETURNING 1
                """, logger: Self.logger).collect().first != nil else {
                throw RegistryError(.invalidValue, "idempotency key \(SafeText.escaped(key)) is not claimed")
            }
        }
    }

    public func takeRateTokens(_ buckets: [RateBucket], atMillis millis: Int64) async throws(RegistryError)
        -> RateRefusal?
    {
        for bucket in buckets where bucket.capacity < 1 || bucket.period < 1 || bucket.name.isEmpty {
            throw RegistryError(.invalidValue, "bucket \(SafeText.escaped(bucket.name)) has no capacity or period")
        }
        return try await transaction("taking rate tokens") { connection in
            var stored: [String: (tokens: Double, updated: Int64)] = [:]
            for bucket in buckets.sorted(by: { $0.name < $1.name }) {
                // A missing bucket is full: inserted full as of now, then locked with the others.
                try await connection.query("""
                    INSERT INTO service_rate_bucket (name, tokens, updated_ms)
                    VALUES (\(bucket.name), \(Double(bucket.capacity)), \(millis)) ON CONFLICT (name) DO NOTHING
                    """, logger: Self.logger)
                guard let row = try await connection.query("""
                    SELECT tokens, updated_ms FROM service_rate_bucket WHERE name = \(bucket.name) FOR UPDATE
                    """, logger: Self.logger).collect().first else {
                    throw RegistryError(.database, "rate bucket \(SafeText.escaped(bucket.name)) vanished")
                }
                let (tokens, updated) = try row.decode((Double, Int64).self)
                stored[bucket.name] = (tokens, updated)
            }
            var levels: [Double] = []
            for bucket in buckets {
                let capacity = Double(bucket.capacity)
                let (was, updated) = stored[bucket.name]!
                let elapsed = Double(max(0, millis - updated)) / 1_000
                let tokens = min(capacity, was + elapsed * capacity / Double(bucket.period))
                if tokens < 1 {
                    let seconds = (1 - tokens) * Double(bucket.period) / capacity
                    return RateRefusal(bucket: bucket.name, retryAfter: max(1, Int(seconds.rounded(.up))))
                }
                levels.append(tokens)
            }
            for (bucket, tokens) in zip(buckets, levels) {
                try await connection.query("""
                    UPDATE service_rate_bucket SET tokens = \(tokens - 1), updated_ms = \(millis)
                    WHERE name = \(bucket.name)
                    """, logger: Self.logger)
            }
            return nil
        }
    }

    public func countAuthFailure(source: String, minute: Int64) async throws(RegistryError) -> Int {
        guard (1...64).contains(source.utf8.count) else {
            throw RegistryError(.invalidValue, "a source is 1-64 bytes")
        }
        return try await transaction("counting a failed authentication") { connection in
            let count = try await connection.query("""
                INSERT INTO service_auth_failure (source, minute, count) VALUES (\(source), \(minute), 1)
                ON CONFLICT (source, minute) DO UPDATE SET count = service_auth_failure.count + 1
                RETURNING count
                """, logger: Self.logger).collect().first.map { try $0.decode(Int64.self) }
            return Int(count ?? 0)
        }
    }

    public func authFailureCounts(since minute: Int64) async throws(RegistryError) -> [AuthFailureCount] {
        try await transaction("reading failed authentications") { connection in
            try await connection.query("""
                SELECT source, minute, count FROM service_auth_failure WHERE minute >= \(minute)
                ORDER BY minute, source
                """, logger: Self.logger).collect().map { row in
                let (source, minute, count) = try row.decode((String, Int64, Int64).self)
                return AuthFailureCount(source: source, minute: minute, count: Int(count))
            }
        }
    }
}
