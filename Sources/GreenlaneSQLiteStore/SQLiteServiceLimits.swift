public import GreenlaneStore
public import GreenlaneSupport
import GRDB
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Idempotency keys, token buckets and failed-authentication counts
/// (`v11-service-idempotency-rate-buckets-auth-failures`). Each is one IMMEDIATE transaction, so two instances
/// on one registry see one another's claims and tokens.
extension SQLiteStore {
    public func claimIdempotencyKey(_ claim: IdempotencyClaim, leaseSeconds: Int64) async throws(RegistryError)
        -> IdempotencyState
    {
        guard claim.fingerprint.count == 32 else { throw RegistryError(.invalidValue, "a fingerprint is 32 bytes") }
        guard (1...100).contains(claim.scope.utf8.count), (1...255).contains(claim.key.utf8.count) else {
            throw RegistryError(.invalidValue, "an idempotency scope is 1-100 bytes and a key 1-255")
        }
        return try await write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT fingerprint, claimed_at, status, content_type, body FROM service_idempotency
                WHERE scope = ? AND key = ?
                """, arguments: [claim.scope, claim.key]) else {
                try db.execute(sql: """
                    INSERT INTO service_idempotency (scope, key, fingerprint, claimed_at) VALUES (?, ?, ?, ?)
                    """, arguments: [claim.scope, claim.key, Data(claim.fingerprint), claim.claimedAt])
                return .claimed
            }
            guard [UInt8](row["fingerprint"] as Data) == claim.fingerprint else { return .mismatch }
            if let status: Int = row["status"] {
                let body: Data? = row["body"]
                return .finished(IdempotentAnswer(status: status, contentType: row["content_type"],
                                                  body: body.map { [UInt8]($0) }))
            }
            guard (row["claimed_at"] as Int64) + leaseSeconds <= claim.claimedAt else { return .inProgress }
            try db.execute(sql: "UPDATE service_idempotency SET claimed_at = ? WHERE scope = ? AND key = ?",
                           arguments: [claim.claimedAt, claim.scope, claim.key])
            return .claimed
        }
    }

    public func finishIdempotencyKey(scope: String, key: String, answer: IdempotentAnswer, at time: Int64)
        async throws(RegistryError)
    {
        try await write { db in
            try db.execute(sql: """
                UPDATE service_idempotency SET finished_at = ?, status = ?, content_type = ?, body = ?
                WHERE scope = ? AND key = ? AND finished_at IS NULL
                """, arguments: [time, answer.status, answer.contentType, answer.body.map { Data($0) }, scope, key])
            guard db.changesCount == 1 else {
                throw RegistryError(.invalidValue, "idempotency key \(SafeText.escaped(key)) is not claimed")
            }
        }
    }

    public func releaseIdempotencyKey(scope: String, key: String) async throws(RegistryError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM service_idempotency WHERE scope = ? AND key = ? AND finished_at IS NULL",
                           arguments: [scope, key])
            guard db.changesCount == 1 else {
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
        return try await write { db in
            var levels: [Double] = []
            for bucket in buckets {
                let row = try Row.fetchOne(db, sql: """
                    SELECT tokens, updated_ms FROM service_rate_bucket WHERE name = ?
                    """, arguments: [bucket.name])
                let capacity = Double(bucket.capacity)
                var tokens = capacity
                if let row {
                    let elapsed = Double(max(0, millis - (row["updated_ms"] as Int64))) / 1_000
                    tokens = min(capacity, (row["tokens"] as Double) + elapsed * capacity / Double(bucket.period))
                }
                if tokens < 1 {
                    let seconds = (1 - tokens) * Double(bucket.period) / capacity
                    return RateRefusal(bucket: bucket.name, retryAfter: max(1, Int(seconds.rounded(.up))))
                }
                levels.append(tokens)
            }
            for (bucket, tokens) in zip(buckets, levels) {
                try db.execute(sql: """
                    INSERT INTO service_rate_bucket (name, tokens, updated_ms) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, updated_ms = excluded.updated_ms
                    """, arguments: [bucket.name, tokens - 1, millis])
            }
            return nil
        }
    }

    public func countAuthFailure(source: String, minute: Int64) async throws(RegistryError) -> Int {
        guard (1...64).contains(source.utf8.count) else {
            throw RegistryError(.invalidValue, "a source is 1-64 bytes")
        }
        return try await write { db in
            try Int.fetchOne(db, sql: """
                INSERT INTO service_auth_failure (source, minute, count) VALUES (?, ?, 1)
                ON CONFLICT (source, minute) DO UPDATE SET count = count + 1
                RETURNING count
                """, arguments: [source, minute]) ?? 0
        }
    }

    public func authFailureCounts(since minute: Int64) async throws(RegistryError) -> [AuthFailureCount] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT source, minute, count FROM service_auth_failure WHERE minute >= ? ORDER BY minute, source
                """, arguments: [minute]).map { AuthFailureCount(source: $0["source"], minute: $0["minute"],
                                                                  count: $0["count"]) }
        }
    }
}
