import Foundation
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
@testable import GreenlaneService
import GreenlaneSQLiteStore
import GreenlaneStore
import Hummingbird
import HummingbirdTesting
import Testing

/// The static read side, readiness, auditing, idempotency on every POST, rate limits across instances and the
/// connection limits, on a real server on loopback; each test named after the job or the attack.
@Suite struct ServiceHardeningTests {
    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    @Test func publishedListAndTrustFileAreServedWithoutATokenWithAStrongETag() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("published-\(UUID().uuidString)")
        let fixture = try await ServiceFixture.make { $0.publishedDirectory = folder.path }
        try fixture.publish(into: folder, issuedAt: Self.now, nextUpdate: Self.now + 3_600)
        try await fixture.live { client in
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent("revocations.glr")))
            let list = try await client.client.execute(uri: "/published/revocations.glr", method: .get)
            #expect(list.status == .ok)
            #expect(Array(list.body.readableBytesView) == bytes)
            let etag = "\"" + Hex.encode(SHA256.hash(bytes)) + "\""
            #expect(list.headers[.eTag] == etag)
            #expect(list.headers[.cacheControl]?.contains("max-age=60") == true)
            #expect(list.headers[.lastModified]?.hasSuffix(" GMT") == true)
            #expect(list.headers[.contentType]?.hasPrefix("application/cose") == true)
            let again = try await client.client.execute(uri: "/published/revocations.glr", method: .get,
                                                        headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            let trust = try await client.call(.get, "/published/trust.json")
            #expect(trust.status == .ok && trust.json["format"] as? String == "greenlane-trust/2")
            #expect(try await client.call(.get, "/published/registry.sqlite").status == .notFound)
            #expect(try await client.call(.get, "/published/..%2Fregistry.sqlite").status == .notFound)
            // A new export renamed into place is a new ETag; the old one no longer gets 304.
            try fixture.publish(into: folder, issuedAt: Self.now, nextUpdate: Self.now + 7_200, sequence: 2)
            let newer = try await client.client.execute(uri: "/published/revocations.glr", method: .get,
                                                        headers: [.ifNoneMatch: etag])
            #expect(newer.status == .ok)
            #expect(newer.headers[.eTag] != etag)
        }
    }

    @Test func readinessFailsWhenThePublishedListIsMissingOrOverdue() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("published-\(UUID().uuidString)")
        let fixture = try await ServiceFixture.make { $0.publishedDirectory = folder.path }
        try await fixture.live { client in
            let missing = try await client.call(.get, "/ready")
            #expect(missing.status == .serviceUnavailable)
            #expect((missing.json["detail"] as? String)?.contains("trust.json") == true)
            try fixture.publish(into: folder, issuedAt: Self.now - 7_200, nextUpdate: Self.now - 60)
            let overdue = try await client.call(.get, "/ready")
            #expect(overdue.status == .serviceUnavailable)
            #expect((overdue.json["detail"] as? String)?.contains("overdue") == true)
            try fixture.publish(into: folder, issuedAt: Self.now, nextUpdate: Self.now + 3_600, sequence: 2)
            #expect(try await client.call(.get, "/ready").status == .ok)
            // A list signed by a key the published trust file does not list is not fit to publish either.
            let stranger = try PrivateKey.generate(.es256)
            let forged = try GreenlaneIssuing.PassSigner(key: stranger).signedRevocationList(
                RevocationList(issuer: "VN-HN", issuedAt: Self.now, entries: [], sequence: 3,
                               nextUpdate: Self.now + 3_600))
            try Data(forged).write(to: folder.appendingPathComponent("revocations.glr"))
            let untrusted = try await client.call(.get, "/ready")
            #expect(untrusted.status == .serviceUnavailable)
            #expect((untrusted.json["detail"] as? String)?.contains("does not verify") == true)
        }
    }

    @Test func readinessFailsWhenTheRegistryDoesNotAnswer() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            #expect(try await client.call(.get, "/ready").status == .ok)
            // Another process breaks the registry under the open store (a table gone): its queries now fail.
            let breaker = Process()
            breaker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            breaker.arguments = ["python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                + "c.execute('ALTER TABLE firm RENAME TO firm_gone'); c.commit()", fixture.configuration.registry]
            try breaker.run()
            try await blocking { breaker.waitUntilExit() }
            try #require(breaker.terminationStatus == 0)
            let answer = try await client.call(.get, "/ready")
            #expect(answer.status == .serviceUnavailable)
            #expect((answer.json["detail"] as? String)?.contains("registry") == true)
        }
    }

    @Test func successfulAuthenticationIsAuditedWithItsRequestIDAndSource() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let answer = try await client.call(.get, "/v1/requests/rq-none", token: fixture.officerToken)
            #expect(answer.status == .notFound)
            let requestID = try #require(answer.headers[.init("X-Request-Id")!])
            let entries = try await fixture.store.auditLog(limit: 10, actor: nil, action: "auth.success")
            let entry = try #require(entries.last)
            #expect(entry.subject?.hasPrefix("cr-") == true)
            #expect(entry.detail == "from 127.0.0.1 · request \(requestID)")
            #expect(entry.onBehalfOf == "request \(requestID)")
        }
    }

    @Test func guessedTokensAreCountedPerSourceAndMinuteInOneRowAndLimitOnlyThatSource() async throws {
        let fixture = try await ServiceFixture.make(failuresPerMinute: 3)
        try await fixture.live { client in
            let port = try #require(client.client.port)
            let guess = ["Authorization": "Bearer glt_" + String(repeating: "0", count: 48)]
            for _ in 0..<3 {
                #expect(try await RawConnection.call(port: port, source: "127.0.0.2", "GET", "/v1/requests/rq-x",
                                               headers: guess).status == 401)
            }
            #expect(try await RawConnection.call(port: port, source: "127.0.0.3", "GET", "/v1/requests/rq-x",
                                           headers: ["Authorization": "Bearer not-a-token"]).status == 401)
            // The guesser is limited before any database work, with its real token too; the other source is not.
            let limited = try await RawConnection.call(port: port, source: "127.0.0.2", "GET", "/v1/requests/rq-x",
                                                 headers: ["Authorization": "Bearer \(fixture.officerToken)"])
            #expect(limited.status == 429)
            #expect(limited.text.lowercased().contains("retry-after:"))
            #expect(try await RawConnection.call(port: port, source: "127.0.0.4", "GET", "/v1/requests/rq-x",
                                           headers: ["Authorization": "Bearer \(fixture.officerToken)"]).status == 404)
            let rows = try await fixture.store.authFailureCounts(since: Self.now / 60 - 1)
            let bySource = Dictionary(grouping: rows, by: \.source).mapValues { $0.map(\.count).reduce(0, +) }
            #expect(bySource == ["127.0.0.2": 3, "127.0.0.3": 1])
            #expect(Set(rows.map(\.source)).count == rows.count || rows.count <= 4)
        }
    }

    @Test func replayedIdempotencyKeyOnAnyPostGivesTheFirstAnswerAndAnotherCallIsRefused() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let token = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let submitted = try await client.call(.post, "/v1/requests", token: token,
                                                  body: ["vehicles": [ServiceClient.vehicle()]])
            let id = try #require(submitted.json["id"] as? String)
            let key: HTTPFields = [.init("Idempotency-Key")!: "approve-1"]
            let first = try await client.call(.post, "/v1/requests/\(id)/approve", token: fixture.officerToken,
                                              headers: key)
            let again = try await client.call(.post, "/v1/requests/\(id)/approve", token: fixture.officerToken,
                                              headers: key)
            #expect(first.status == .ok && again.status == .ok)
            #expect(again.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(NSDictionary(dictionary: again.json) == NSDictionary(dictionary: first.json))
            #expect(try await fixture.store.counts().permits == 1)
            // The same key on another call of the same credential: refused, nothing done.
            let other = try await client.call(.post, "/v1/credentials/cr-0000000000000000/revoke",
                                              token: fixture.officerToken, headers: key)
            #expect(other.status == .unprocessableContent)
            #expect(other.json["code"] as? String == "idempotency.keyReused")
            // An answer with a secret shown once is not kept: its replay says so and shows no code.
            let enrolKey: HTTPFields = [.init("Idempotency-Key")!: "enrol-VTPOST"]
            let code = try await client.call(.post, "/v1/firms/VTPOST/enrolments", token: fixture.adminToken,
                                             headers: enrolKey)
            #expect(code.status == .created && code.json["code"] != nil)
            let replay = try await client.call(.post, "/v1/firms/VTPOST/enrolments", token: fixture.adminToken,
                                               headers: enrolKey)
            #expect(replay.status == .conflict)
            #expect(replay.json["code"] as? String == "idempotency.answerNotKept")
            let enrolments = try await fixture.store.auditLog(limit: 10, actor: nil, action: "enrolment.add")
            #expect(enrolments.filter { $0.subject == "VTPOST" }.count == 1)
        }
    }

    @Test func idempotencyKeyStillInProgressOnAnotherInstanceIsAConflict() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let token = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let hash = try #require(Secret.hash(Substring(token), prefix: Secret.tokenPrefix))
            let credential = try #require(try await fixture.store.credential(tokenHash: hash))
            let body = Array(try JSONSerialization.data(withJSONObject: ["vehicles": [ServiceClient.vehicle()]],
                                                        options: [.sortedKeys]))
            // Another instance claimed this key for this very call and has not finished.
            let claim = IdempotencyClaim(scope: credential.id, key: "batch-7",
                                         fingerprint: SHA256.hash(Array("POST /v1/requests\n".utf8) + body),
                                         claimedAt: Self.now)
            #expect(try await fixture.store.claimIdempotencyKey(claim, leaseSeconds: 300) == .claimed)
            let key: HTTPFields = [.init("Idempotency-Key")!: "batch-7"]
            let answer = try await client.call(.post, "/v1/requests", token: token, raw: body, headers: key)
            #expect(answer.status == .conflict)
            #expect(answer.json["code"] as? String == "idempotency.inProgress")
            #expect(answer.headers[.retryAfter] != nil)
            #expect(try await fixture.store.auditLog(limit: 10, actor: nil, action: "request.submit").isEmpty)
            // The other instance gave up (its work failed): the client's retry now runs.
            try await fixture.store.releaseIdempotencyKey(scope: credential.id, key: "batch-7")
            let retried = try await client.call(.post, "/v1/requests", token: token, raw: body, headers: key)
            #expect(retried.status == .created)
        }
    }

    @Test func rateLimitsPerCredentialAndPerFirmHoldAcrossTwoInstancesOnOneRegistry() async throws {
        let fixture = try await ServiceFixture.make {
            $0.requestsPerMinutePerCredential = 4
            $0.requestsPerMinutePerFirm = 6
        }
        let second = try SQLiteStore(path: fixture.configuration.registry)
        let other = try await buildApplication(fixture.configuration, store: second)
        try await fixture.live { first in
            try await other.test(.live) { raw in
                let second = ServiceClient(client: raw)
                // Per credential: 4 a minute in all, whichever instance answers.
                for client in [first, second, first, second] {
                    #expect(try await client.call(.get, "/v1/requests/rq-x", token: fixture.officerToken).status
                            == .notFound)
                }
                let limited = try await first.call(.get, "/v1/requests/rq-x", token: fixture.officerToken)
                #expect(limited.status == .tooManyRequests)
                #expect(limited.json["code"] as? String == "rate.limited")
                #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
                // Per firm: two dispatchers of one firm share its 6 a minute, across both instances.
                let one = try await first.enrolDispatcher("VNPOST", admin: fixture.adminToken)
                let two = try await second.enrolDispatcher("VNPOST", admin: fixture.adminToken)
                for (client, token) in [(first, one), (second, one), (first, one), (second, one), (first, two),
                                        (second, two)] {
                    #expect(try await client.call(.get, "/v1/requests/rq-x", token: token).status == .notFound)
                }
                let firmLimited = try await first.call(.get, "/v1/requests/rq-x", token: two)
                #expect(firmLimited.status == .tooManyRequests)
                #expect((firmLimited.json["detail"] as? String)?.contains("firm VNPOST") == true)
            }
        }
    }

    @Test func slowClientSendingHeadersByteByByteIsDisconnected() async throws {
        let fixture = try await ServiceFixture.make { $0.headerTimeout = 1 }
        try await fixture.live { client in
            let port = try #require(client.client.port)
            let connection = try RawConnection(port: port)
            let head = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: \(String(repeating: "a", count: 40))\r\n\r\n".utf8)
            let started = Date()
            let sent = try await blocking { () -> Int in
                var sent = 0
                for byte in head {
                    guard connection.send([byte]) else { break }
                    sent += 1
                    if connection.closedByServer(within: 0.1) { break }
                }
                return sent
            }
            let elapsed = Date().timeIntervalSince(started)
            // Closed before the head was complete, about a second in, without an answer.
            #expect(sent < head.count)
            #expect(elapsed < 4)
            #expect(try await blocking { connection.closedByServer(within: 1) })
        }
    }

    @Test func oversizedHeaderIsRefused() async throws {
        let fixture = try await ServiceFixture.make { $0.maxHeaderBytes = 4_096 }
        try await fixture.live { client in
            let port = try #require(client.client.port)
            let small = try await RawConnection.call(port: port, source: "127.0.0.1", "GET", "/health",
                                               headers: ["X-Pad": String(repeating: "a", count: 1_000)])
            #expect(small.status == 200)
            let big = try await RawConnection.call(port: port, source: "127.0.0.1", "GET", "/health",
                                             headers: ["X-Pad": String(repeating: "a", count: 20_000)])
            #expect(big.status != 200)
            #expect(!big.text.contains("ok\n"))
        }
    }

    @Test func openAPIDescribesExactlyTheRoutesTheRouterRegisters() async throws {
        let fixture = try await ServiceFixture.make()
        let (_, routes) = try buildRouter(fixture.configuration, store: fixture.store)
        let spec = try OpenAPIRoutes.load()
        let registered = Set(routes)
        #expect(registered.subtracting(spec.implemented).sorted { $0.description < $1.description } == [],
                "routes the router registers that docs/openapi.yaml does not describe as implemented")
        #expect(spec.implemented.subtracting(registered).sorted { $0.description < $1.description } == [],
                "routes docs/openapi.yaml describes as implemented that the router lacks")
        #expect(spec.planned.isDisjoint(with: registered),
                "routes the router has that docs/openapi.yaml still marks x-greenlane-planned")
        // Every operation is served now; the marker must still be read, or a planned one would pass as served.
        let sample = OpenAPIRoutes.parse("""
            paths:
              /v1/a:
                get:
                  x-greenlane-planned: true
                post:
                  summary: served
            components:
            """)
        #expect(sample.planned == [ServiceRoute(method: "GET", path: "/v1/a")])
        #expect(sample.implemented == [ServiceRoute(method: "POST", path: "/v1/a")])
    }
}

/// The operations of docs/openapi.yaml, read from its layout (paths at two spaces, methods at four, the
/// `x-greenlane-planned: true` marker inside an operation): no YAML library is needed for this much.
struct OpenAPIRoutes {
    var implemented: Set<ServiceRoute> = []
    var planned: Set<ServiceRoute> = []

    static func load() throws -> OpenAPIRoutes {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
        return parse(try String(contentsOf: url, encoding: .utf8))
    }

    static func parse(_ text: String) -> OpenAPIRoutes {
        var result = OpenAPIRoutes()
        var inPaths = false
        var path: String?
        var current: ServiceRoute?
        var isPlanned = false
        func flush() {
            if let current { if isPlanned { result.planned.insert(current) } else { result.implemented.insert(current) } }
            current = nil
            isPlanned = false
        }
        let methods = ["get", "post", "put", "patch", "delete", "head"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if inPaths, let first = line.first, first != " ", first != "#" { flush(); inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                flush()
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "),
                      let method = methods.first(where: { line == "    \($0):" }) {
                flush()
                if let path { current = ServiceRoute(method: method.uppercased(), path: path) }
            } else if line.trimmingCharacters(in: .whitespaces) == "x-greenlane-planned: true" {
                isPlanned = true
            }
        }
        flush()
        return result
    }
}
