import Foundation
import GreenlaneFormat
@testable import GreenlaneService
import GreenlaneStore
import Hummingbird
import HummingbirdTesting
import Testing

/// The service on a real server on loopback, each test named after the job or the attack it stops.
@Suite struct ServiceAttackTests {
    @Test func healthAndReadinessAnswerWithoutAToken() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            #expect(try await client.call(.get, "/health").status == .ok)
            let ready = try await client.call(.get, "/ready")
            #expect(ready.status == .ok)
            #expect(ready.headers[.init("X-Request-Id")!] != nil)
        }
    }

    @Test func aFirmRequestsOfficerApprovesAndTheFirmDownloadsItsCodes() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let token = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            var bad = ServiceClient.vehicle("29C-12")
            bad["purpose"] = "tourism"
            let submitted = try await client.call(.post, "/v1/requests", token: token,
                                                  body: ["vehicles": [ServiceClient.vehicle(), bad]])
            #expect(submitted.status == .created)
            let rows = try #require(submitted.json["rows"] as? [[String: Any]])
            #expect(rows.map { $0["status"] as? String } == ["accepted", "refused"])
            let codes = (rows[1]["reasons"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
            #expect(codes == ["plate.invalid", "purpose.unknown"])
            let id = try #require(submitted.json["id"] as? String)
            #expect(try await client.call(.get, "/v1/requests/\(id)", token: token).json["status"] as? String
                    == "pending")

            let approved = try await client.call(.post, "/v1/requests/\(id)/approve", token: fixture.officerToken)
            #expect(approved.status == .ok)
            let approvedRows = try #require(approved.json["rows"] as? [[String: Any]])
            #expect(approvedRows.map { $0["status"] as? String } == ["issued", "refused"])
            #expect(approvedRows[0]["serial"] as? String == "HN-000001")

            let download = try await client.call(.get, "/v1/requests/\(id)/codes", token: token)
            let issued = try #require(download.json["codes"] as? [[String: String]])
            #expect(issued.count == 1)
            #expect(issued.first?["code"]?.hasPrefix("GL1:") == true)
            // Recorded through the engine, under the approving officer's credential.
            let permit = try await fixture.store.permit("HN-000001", at: Int64(Date().timeIntervalSince1970))
            #expect(permit?.permit.code == issued.first?["code"])
            #expect(permit?.permit.issuedBy.hasPrefix("credential cr-") == true)
            #expect(permit?.permit.firmID == "VNPOST")
        }
    }

    @Test func dispatcherReadingAnotherFirmsRequestIsNotFound() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let vnpost = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let viettel = try await client.enrolDispatcher("VTPOST", admin: fixture.adminToken)
            let submitted = try await client.call(.post, "/v1/requests", token: vnpost,
                                                  body: ["vehicles": [ServiceClient.vehicle()]])
            let id = try #require(submitted.json["id"] as? String)
            let other = try await client.call(.get, "/v1/requests/\(id)", token: viettel)
            let missing = try await client.call(.get, "/v1/requests/rq-0000000000000000", token: viettel)
            #expect(other.status == .notFound && missing.status == .notFound)
            #expect(other.json["code"] as? String == missing.json["code"] as? String)
            #expect(try await client.call(.get, "/v1/requests/\(id)/codes", token: viettel).status == .notFound)
            #expect(try await client.call(.post, "/v1/requests/\(id)/approve", token: viettel).status == .notFound)
        }
    }

    @Test func dispatcherApprovingItsOwnRequestIsForbidden() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let token = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let submitted = try await client.call(.post, "/v1/requests", token: token,
                                                  body: ["vehicles": [ServiceClient.vehicle()]])
            let id = try #require(submitted.json["id"] as? String)
            let approve = try await client.call(.post, "/v1/requests/\(id)/approve", token: token)
            #expect(approve.status == .forbidden)
            #expect(approve.json["code"] as? String == "role.forbidden")
            #expect(approve.headers[.contentType] == "application/problem+json")
            #expect(try await fixture.store.serviceRequest(id)?.status == .pending)
            #expect(try await fixture.store.counts().permits == 0)
        }
    }

    @Test func reusedEnrolmentCodeIsRefused() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let made = try await client.call(.post, "/v1/firms/VNPOST/enrolments", token: fixture.adminToken)
            let code = try #require(made.json["code"] as? String)
            #expect(try await client.call(.post, "/v1/enrol", body: ["code": code]).status == .created)
            let again = try await client.call(.post, "/v1/enrol", body: ["code": code])
            #expect(again.status == .notFound)
            #expect(again.json["code"] as? String == "enrolment.unknown")
        }
    }

    @Test func revokedTokenIsRefused() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let token = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let hash = try #require(Secret.hash(Substring(token), prefix: Secret.tokenPrefix))
            let id = try #require(try await fixture.store.credential(tokenHash: hash)?.id)
            #expect(try await client.call(.post, "/v1/credentials/\(id)/revoke", token: fixture.adminToken).status
                    == .ok)
            let refused = try await client.call(.post, "/v1/requests", token: token,
                                                body: ["vehicles": [ServiceClient.vehicle()]])
            #expect(refused.status == .unauthorized)
            #expect(refused.json["code"] as? String == "auth.revoked")
            #expect(try await fixture.store.auditLog(limit: 5, actor: nil, action: "auth.revokedToken").count == 1)
        }
    }

    @Test func replayedIdempotencyKeyWithAnotherBodyIsRefused() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let token = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let key: HTTPFields = [.init("Idempotency-Key")!: "batch-42"]
            // The same bytes both times: JSONSerialization's member order is not stable between calls, so
            // both requests send one serialised body. Same key and body: the same answer, nothing recorded twice.
            let body = try JSONSerialization.data(withJSONObject: ["vehicles": [ServiceClient.vehicle()]],
                                                  options: [.sortedKeys])
            let first = try await client.call(.post, "/v1/requests", token: token, raw: Array(body), headers: key)
            let again = try await client.call(.post, "/v1/requests", token: token, raw: Array(body), headers: key)
            #expect(first.status == .created)
            #expect(again.json["id"] as? String == first.json["id"] as? String)
            let other = try await client.call(.post, "/v1/requests", token: token,
                                              body: ["vehicles": [ServiceClient.vehicle("30A-999.99")]], headers: key)
            #expect(other.status == .unprocessableContent)
            #expect(other.json["code"] as? String == "idempotency.keyReused")
        }
    }

    @Test func oversizedBodyIsRefusedWith413() async throws {
        let fixture = try await ServiceFixture.make(maxBodyBytes: 2_048)
        try await fixture.live { client in
            let token = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let big = try await client.call(.post, "/v1/requests", token: token,
                                            body: ["vehicles": (0..<40).map { _ in ServiceClient.vehicle() }])
            #expect(big.status == .contentTooLarge)
            #expect(big.json["code"] as? String == "body.tooLarge")
        }
    }

    @Test func forgedFirmIDInABodyIsRefusedAndNothingRecorded() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let token = try await client.enrolDispatcher("VTPOST", admin: fixture.adminToken)
            var forged = ServiceClient.vehicle()
            forged["firmID"] = "VNPOST"
            let bodies: [[String: Any]] = [
                ["vehicles": [forged]], ["firmID": "VNPOST", "vehicles": [ServiceClient.vehicle()]],
            ]
            for body in bodies {
                let answer = try await client.call(.post, "/v1/requests", token: token, body: body)
                #expect(answer.status == .unprocessableContent)
                #expect(answer.json["code"] as? String == "body.unknownMember")
            }
            // A request is the caller's firm's, whatever anyone says.
            let plain = try await client.call(.post, "/v1/requests", token: token,
                                              body: ["vehicles": [ServiceClient.vehicle()]])
            let id = try #require(plain.json["id"] as? String)
            #expect(try await fixture.store.serviceRequest(id)?.firmID == "VTPOST")
        }
    }

    @Test func guessedTokensFromOneSourceAreRateLimitedBeforeTheDatabase() async throws {
        let fixture = try await ServiceFixture.make(failuresPerMinute: 3)
        try await fixture.live { client in
            let guess = "glt_" + String(repeating: "0", count: 48)
            for _ in 0..<3 {
                #expect(try await client.call(.get, "/v1/requests/rq-x", token: guess).status == .unauthorized)
            }
            let limited = try await client.call(.get, "/v1/requests/rq-x", token: fixture.adminToken)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
        }
    }

    @Test func serverConfigurationRefusesAPinnedClock() throws {
        let environment = ["GREENLANE_REGISTRY": "r", "GREENLANE_POLICY": "p", "GREENLANE_SIGNER_SOCKET": "s"]
        #expect(throws: ServiceError.self) {
            try ServerConfiguration.load(
                file: nil, environment: environment.merging(["GREENLANE_CLOCK": "2021-07-26"]) { $1 })
        }
        let loaded = try ServerConfiguration.load(file: nil, environment: environment.merging(
            ["GREENLANE_SERVER_PORT": "9090"]) { $1 })
        #expect(loaded.port == 9090 && loaded.registry == "r")
    }
}

/// Guesses spread over a minute's boundary are one burst: the limiter counts this minute with the one before,
/// so a guesser cannot get twice the limit through by timing its tries around each boundary.
@Test func guessesSpreadAcrossAMinutesBoundaryAreLimitedAsOneBurst() {
    let limiter = FailureLimiter(limit: 3)
    let boundary: Int64 = 1_800_000_000 - 1_800_000_000 % 60 + 60
    limiter.recordFailure("127.0.0.2", now: boundary - 2)
    limiter.recordFailure("127.0.0.2", now: boundary - 1)
    #expect(limiter.retryAfter("127.0.0.2", now: boundary - 1) == nil)
    limiter.recordFailure("127.0.0.2", now: boundary + 1)
    // Two before the boundary and one after: limited until the earlier two lapse at the next boundary.
    #expect(limiter.retryAfter("127.0.0.2", now: boundary + 1) == 59)
    #expect(limiter.retryAfter("127.0.0.3", now: boundary + 1) == nil)
    #expect(limiter.retryAfter("127.0.0.2", now: boundary + 60) == nil)
    // Three in one minute: limited for the rest of it and the whole next one.
    for second in [boundary + 61, boundary + 62, boundary + 63] { limiter.recordFailure("127.0.0.4", now: second) }
    #expect(limiter.retryAfter("127.0.0.4", now: boundary + 64) == 56 + 60)
    #expect(limiter.retryAfter("127.0.0.4", now: boundary + 180) == nil)
}
