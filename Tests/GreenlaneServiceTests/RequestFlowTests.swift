import Foundation
import GreenlaneCrypto
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneMessages
@testable import GreenlaneService
import GreenlaneStore
import Hummingbird
import HummingbirdTesting
import Testing

/// The request flow for every role on a real server on loopback: endorsement, refusal, approval, the queue,
/// whole-list decisions, approval by rule, the firms' lists and revocation. Each test is named after the job
/// or the attack.
@Suite struct RequestFlowTests {
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    static func codes(_ answer: ServiceClient.Answer) -> String? { answer.json["code"] as? String }

    // MARK: Endorsement

    @Test func endorserOfOneSectorEndorsingAnotherSectorsFirmIsRefused() async throws {
        let fixture = try await ServiceFixture.make(endorsing: ["postal", "telecom"])
        let telecomEndorser = try await fixture.token(.endorser, sector: .telecom)
        let postalEndorser = try await fixture.token(.endorser, sector: .postal)
        try await fixture.live { client in
            let dispatcher = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let id = try await client.submit(dispatcher, [ServiceClient.vehicle()])
            let other = try await client.call(.post, "/v1/requests/\(id)/endorse", token: telecomEndorser)
            #expect(other.status == .forbidden && Self.codes(other) == "endorsement.otherSector")
            // Nor can it refuse it.
            let refuse = try await client.call(.post, "/v1/requests/\(id)/refuse", token: telecomEndorser,
                                               body: ["reason": "refusal.notEssential"])
            #expect(refuse.status == .forbidden && Self.codes(refuse) == "endorsement.otherSector")
            #expect(try await fixture.store.serviceRequest(id)?.stage == .endorsement)

            let own = try await client.call(.post, "/v1/requests/\(id)/endorse", token: postalEndorser,
                                            body: ["note": "đã kiểm tra giấy phép"])
            #expect(own.status == .ok)
            #expect(own.json["stage"] as? String == "approval" && own.json["endorsedAt"] != nil)
            let again = try await client.call(.post, "/v1/requests/\(id)/endorse", token: postalEndorser)
            #expect(again.status == .conflict && Self.codes(again) == "request.notAwaitingEndorsement")
            let audit = try await fixture.store.auditLog(limit: 10, actor: nil, action: "request.endorse")
            #expect(audit.count == 1 && audit.first?.subject == id && audit.first?.actor.contains("endorser") == true)
        }
    }

    @Test func approvingBeforeEndorsementIsRefused() async throws {
        let fixture = try await ServiceFixture.make(endorsing: ["postal"])
        let endorser = try await fixture.token(.endorser, sector: .postal)
        try await fixture.live { client in
            let dispatcher = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let id = try await client.submit(dispatcher, [ServiceClient.vehicle()])
            let early = try await client.call(.post, "/v1/requests/\(id)/approve", token: fixture.officerToken)
            #expect(early.status == .conflict && Self.codes(early) == "request.awaitingEndorsement")
            let list = try await client.call(.post, "/v1/decisions", token: fixture.officerToken,
                                             body: ["decision": "approve", "requests": [id]])
            let result = try #require((list.json["results"] as? [[String: Any]])?.first)
            #expect((result["problem"] as? [String: Any])?["code"] as? String == "request.awaitingEndorsement")
            #expect(try await fixture.store.serviceRequest(id)?.status == .pending)
            #expect(try await fixture.store.counts().permits == 0)

            #expect(try await client.call(.post, "/v1/requests/\(id)/endorse", token: endorser).status == .ok)
            let approved = try await client.call(.post, "/v1/requests/\(id)/approve", token: fixture.officerToken)
            #expect(approved.status == .ok && approved.json["status"] as? String == "approved")
            #expect((approved.json["rows"] as? [[String: Any]])?.first?["status"] as? String == "issued")
        }
    }

    @Test func dispatcherApprovingOrEndorsingItsOwnRequestIsForbidden() async throws {
        let fixture = try await ServiceFixture.make(endorsing: ["postal"])
        try await fixture.live { client in
            let dispatcher = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let id = try await client.submit(dispatcher, [ServiceClient.vehicle()])
            for path in ["endorse", "approve"] {
                let answer = try await client.call(.post, "/v1/requests/\(id)/\(path)", token: dispatcher)
                #expect(answer.status == .forbidden && Self.codes(answer) == "role.forbidden", "\(path)")
            }
            let refuse = try await client.call(.post, "/v1/requests/\(id)/refuse", token: dispatcher,
                                               body: ["reason": "refusal.other"])
            #expect(refuse.status == .forbidden)
            for decision in ["endorse", "approve", "refuse"] {
                var body: [String: Any] = ["decision": decision, "requests": [id]]
                if decision == "refuse" { body["reason"] = "refusal.other" }
                let list = try await client.call(.post, "/v1/decisions", token: dispatcher, body: body)
                #expect(list.status == .forbidden, "\(decision)")
            }
            #expect(try await fixture.store.serviceRequest(id)?.stage == .endorsement)
        }
    }

    // MARK: Refusal

    @Test func officerRefusingThenApprovingIsAlreadyDecided() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let dispatcher = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let id = try await client.submit(dispatcher, [ServiceClient.vehicle()])
            let unknown = try await client.call(.post, "/v1/requests/\(id)/refuse", token: fixture.officerToken,
                                                body: ["reason": "because"])
            #expect(unknown.status == .unprocessableContent && Self.codes(unknown) == "body.unknownReason")
            let refused = try await client.call(.post, "/v1/requests/\(id)/refuse", token: fixture.officerToken,
                                                body: ["reason": "refusal.documentsMissing", "note": "thiếu giấy phép"])
            #expect(refused.status == .ok && refused.json["status"] as? String == "refused")
            let refusal = try #require(refused.json["refusal"] as? [String: Any])
            #expect(refusal["code"] as? String == "refusal.documentsMissing")
            #expect(refusal["vi"] as? String == "Thiếu giấy tờ kèm theo")
            #expect(refusal["en"] as? String == "Supporting documents are missing")
            #expect(refused.json["note"] as? String == "thiếu giấy phép")

            let approve = try await client.call(.post, "/v1/requests/\(id)/approve", token: fixture.officerToken)
            #expect(approve.status == .conflict && Self.codes(approve) == "request.alreadyDecided")
            let again = try await client.call(.post, "/v1/requests/\(id)/refuse", token: fixture.officerToken,
                                              body: ["reason": "refusal.other"])
            #expect(again.status == .conflict && Self.codes(again) == "request.alreadyDecided")
            #expect(try await fixture.store.counts().permits == 0)
            // The firm reads why, in the language it asks for.
            let read = try await client.call(.get, "/v1/requests/\(id)", token: dispatcher,
                                             headers: [.acceptLanguage: "en-GB, vi;q=0.5"])
            let text = (read.json["refusal"] as? [String: Any])
            #expect(text?["text"] as? String == "Supporting documents are missing" && text?["vi"] == nil)
        }
    }

    // MARK: The queue

    @Test func queueIsOldestFirstWithItsAgeAndFlagsRequestsOverdueAfter24Hours() async throws {
        let fixture = try await ServiceFixture.make()
        let dispatcher = try await CredentialBootstrap.addToken(store: fixture.store, role: .dispatcher,
                                                                firmID: "VNPOST", label: "An").credential
        let now = Self.now()
        // The stored submission time is set, not the clock: 25 hours, 3 hours and 1 hour ago, stored out of order.
        let ages: [(id: String, age: Int64)] = [("rq-mid", 3 * 3_600), ("rq-old", 25 * 3_600), ("rq-new", 3_600)]
        for (id, age) in ages {
            let request = ServiceRequest(
                id: id, firmID: "VNPOST", credentialID: dispatcher.id, idempotencyKey: nil,
                bodyHash: [UInt8](repeating: 1, count: 32), createdAt: now - age,
                rows: [.init(index: 0, payload: "{}", status: .accepted)])
            _ = try await fixture.store.submitRequest(request, context: AuditContext(account: "test", recordedAt: now))
        }
        try await fixture.live { client in
            let queue = try await client.call(.get, "/v1/queue?stage=approval", token: fixture.officerToken)
            #expect(queue.status == .ok)
            let entries = try #require(queue.json["requests"] as? [[String: Any]])
            #expect(entries.map { $0["id"] as? String } == ["rq-old", "rq-mid", "rq-new"])
            #expect(entries.map { $0["overdue"] as? Bool } == [true, false, false])
            let age = try #require(entries.first?["ageSeconds"] as? Int)
            #expect(age >= 25 * 3_600 && age < 25 * 3_600 + 120)
            #expect(queue.json["next"] == nil)

            let first = try await client.call(.get, "/v1/queue?stage=approval&limit=2", token: fixture.officerToken)
            #expect((first.json["requests"] as? [[String: Any]])?.count == 2)
            let next = try #require(first.json["next"] as? String)
            let second = try await client.call(.get, "/v1/queue?stage=approval&limit=2&after=\(next)",
                                               token: fixture.officerToken)
            #expect((second.json["requests"] as? [[String: Any]])?.map { $0["id"] as? String } == ["rq-new"])
            let empty = try await client.call(.get, "/v1/queue?stage=endorsement", token: fixture.officerToken)
            #expect((empty.json["requests"] as? [[String: Any]])?.isEmpty == true)

            // Decided requests leave the queue.
            _ = try await client.call(.post, "/v1/requests/rq-old/refuse", token: fixture.officerToken,
                                      body: ["reason": "refusal.duplicate"])
            let after = try await client.call(.get, "/v1/queue", token: fixture.officerToken)
            #expect((after.json["requests"] as? [[String: Any]])?.map { $0["id"] as? String } == ["rq-mid", "rq-new"])
            let forbidden = try await client.call(.get, "/v1/queue", token: try await fixture.token(
                .dispatcher, firm: "VNPOST"))
            #expect(forbidden.status == .forbidden)
        }
    }

    // MARK: Whole lists

    @Test func wholeListDecisionOverMixedFirmsAnswersEachRequest() async throws {
        let fixture = try await ServiceFixture.make(endorsing: ["telecom"])
        let telecomEndorser = try await fixture.token(.endorser, sector: .telecom)
        try await fixture.live { client in
            let vnpost = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let viettel = try await client.enrolDispatcher("VTPOST", admin: fixture.adminToken)
            let vnpt = try await client.enrolDispatcher("VNPT-HN", admin: fixture.adminToken)
            let a = try await client.submit(vnpost, [ServiceClient.vehicle("29C-100.01"),
                                                     ServiceClient.vehicle("29C-100.02")])
            let b = try await client.submit(viettel, [ServiceClient.vehicle("29C-200.01")])
            let c = try await client.submit(vnpt, [ServiceClient.vehicle("29C-300.01", telecom: true)])
            let refused = try await client.submit(viettel, [ServiceClient.vehicle("29C-200.02")])
            _ = try await client.call(.post, "/v1/requests/\(refused)/refuse", token: fixture.officerToken,
                                      body: ["reason": "refusal.other"])

            // The telecom endorser endorses a list with a postal request in it: only its own sector's moves.
            let endorse = try await client.call(.post, "/v1/decisions", token: telecomEndorser,
                                                body: ["decision": "endorse", "requests": [c, a]])
            #expect(endorse.json["decided"] as? Int == 1 && endorse.json["refused"] as? Int == 1)

            let list = try await client.call(.post, "/v1/decisions", token: fixture.officerToken,
                                             body: ["decision": "approve",
                                                    "requests": [a, b, c, refused, "rq-0000000000000000"]])
            #expect(list.status == .ok)
            #expect(list.json["decided"] as? Int == 3 && list.json["refused"] as? Int == 2)
            let results = try #require(list.json["results"] as? [[String: Any]])
            #expect(results.map { $0["id"] as? String } == [a, b, c, refused, "rq-0000000000000000"])
            #expect(results.prefix(3).map { $0["issuedRows"] as? Int } == [2, 1, 1])
            #expect((results[3]["problem"] as? [String: Any])?["code"] as? String == "request.alreadyDecided")
            #expect((results[4]["problem"] as? [String: Any])?["code"] as? String == "notFound")
            for (id, firm) in [(a, "VNPOST"), (b, "VTPOST"), (c, "VNPT-HN")] {
                let request = try #require(try await fixture.store.serviceRequest(id))
                #expect(request.status == .approved && request.firmID == firm)
                for row in request.rows {
                    let serial = try #require(row.serial)
                    #expect(try await fixture.store.permit(serial, at: Self.now())?.permit.firmID == firm)
                }
            }
            #expect(try await fixture.store.counts().permits == 4)
            #expect(try await fixture.store.auditLog(limit: 20, actor: nil, action: "request.approve").count == 3)
        }
    }

    // MARK: Approval by rule

    @Test func renewalOfAnApprovedVehicleIsApprovedByTheAuthoritysRuleAndAudited() async throws {
        let fixture = try await ServiceFixture.make(rules: ["renewal-of-approved-vehicle"])
        let now = Self.now()
        // A pass this firm held for 29C-123.45 that ended ten hours ago (issued as of twenty hours ago).
        let policy = try Policy.load(path: fixture.configuration.policy)
        let key = try PrivateKey.load(path: fixture.directory.appendingPathComponent("signing.key.pem").path,
                                      passphrase: nil)
        let engine = try PermitEngine(policy: policy, store: fixture.store, key: key)
        var earlier = ServiceClient.vehicle()
        earlier["testAt"] = Timestamp.rfc3339(now - 21 * 3_600)
        let old = PermitRequest(
            source: "earlier", firmID: "VNPOST", plate: earlier["plate"]!, vehicleClass: earlier["vehicleClass"]!,
            driverName: earlier["driverName"]!, driverID: earlier["driverID"]!, testAt: earlier["testAt"]!,
            purpose: earlier["purpose"]!, zones: earlier["zones"]!, validFrom: nil,
            validUntil: Timestamp.rfc3339(now - 10 * 3_600))
        let context = try AuditContext(account: "desk", recordedAt: now, pinnedAt: now - 20 * 3_600)
        let summary = try await engine.issue([old], options: PermitEngine.BatchOptions(context: context)) { _ in }
        #expect(summary.issued == 1)
        try await fixture.live { client in
            let dispatcher = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let renewal = try await client.call(.post, "/v1/requests", token: dispatcher,
                                                body: ["vehicles": [ServiceClient.vehicle()]])
            #expect(renewal.json["status"] as? String == "approved")
            #expect(renewal.json["decidedBy"] as? String == "rule renewal-of-approved-vehicle")
            #expect((renewal.json["rows"] as? [[String: Any]])?.first?["status"] as? String == "issued")
            let audit = try await fixture.store.auditLog(limit: 50, actor: "rule renewal-of-approved-vehicle",
                                                         action: "request.approve")
            #expect(audit.count == 1 && audit.first?.subject == renewal.json["id"] as? String)

            // A vehicle never approved waits for an officer.
            let fresh = try await client.call(.post, "/v1/requests", token: dispatcher,
                                              body: ["vehicles": [ServiceClient.vehicle("29C-999.99")]])
            #expect(fresh.json["status"] as? String == "pending" && fresh.json["stage"] as? String == "approval")
        }
    }

    // MARK: The firms' lists and revocation

    @Test func dispatcherReadingOrChangingAnotherFirmsRequestsAndPermitsIsNotFound() async throws {
        let fixture = try await ServiceFixture.make(endorsing: ["postal"])
        let endorser = try await fixture.token(.endorser, sector: .postal)
        try await fixture.live { client in
            let vnpost = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let viettel = try await client.enrolDispatcher("VTPOST", admin: fixture.adminToken)
            let id = try await client.submit(vnpost, [ServiceClient.vehicle()])
            let own = try await client.submit(viettel, [ServiceClient.vehicle("29C-555.55")])
            _ = try await client.call(.post, "/v1/requests/\(id)/endorse", token: endorser)
            _ = try await client.call(.post, "/v1/requests/\(id)/approve", token: fixture.officerToken)

            for path in ["endorse", "approve"] {
                let answer = try await client.call(.post, "/v1/requests/\(id)/\(path)", token: viettel)
                #expect(answer.status == .notFound, "\(path)")
            }
            let refuse = try await client.call(.post, "/v1/requests/\(id)/refuse", token: viettel,
                                               body: ["reason": "refusal.other"])
            #expect(refuse.status == .notFound)
            let list = try await client.call(.get, "/v1/requests", token: viettel)
            #expect((list.json["requests"] as? [[String: Any]])?.map { $0["id"] as? String } == [own])
            let permits = try await client.call(.get, "/v1/permits", token: viettel)
            #expect((permits.json["permits"] as? [[String: Any]])?.isEmpty == true)
            let forged = try await client.call(.get, "/v1/permits?firm=VNPOST", token: viettel)
            #expect(forged.status == .badRequest)
            // Paging from another firm's request is refused like a request that does not exist.
            let cursor = try await client.call(.get, "/v1/requests?after=\(id)", token: viettel)
            #expect(cursor.status == .notFound)
            #expect(try await fixture.store.serviceRequest(id)?.status == .approved)
        }
    }

    @Test func dispatcherRevokingAnotherFirmsPermitIsNotFound() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let vnpost = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let viettel = try await client.enrolDispatcher("VTPOST", admin: fixture.adminToken)
            let id = try await client.submit(vnpost, [ServiceClient.vehicle()])
            _ = try await client.call(.post, "/v1/requests/\(id)/approve", token: fixture.officerToken)
            let other = try await client.call(.post, "/v1/permits/HN-000001/revoke", token: viettel,
                                              body: ["reason": "lost"])
            let missing = try await client.call(.post, "/v1/permits/HN-999999/revoke", token: viettel,
                                                body: ["reason": "lost"])
            #expect(other.status == .notFound && missing.status == .notFound)
            #expect(other.json["code"] as? String == missing.json["code"] as? String)
            #expect(try await fixture.store.permit("HN-000001", at: Self.now())?.revocation == nil)
        }
    }

    @Test func firmRevokesItsOwnLostPassAndTheRegistryRecordsItWithTheCredential() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let vnpost = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            let id = try await client.submit(vnpost, [ServiceClient.vehicle(), ServiceClient.vehicle("29C-777.77")])
            _ = try await client.call(.post, "/v1/requests/\(id)/approve", token: fixture.officerToken)

            let listed = try await client.call(.get, "/v1/permits", token: vnpost)
            let permits = try #require(listed.json["permits"] as? [[String: Any]])
            #expect(permits.map { $0["serial"] as? String } == ["HN-000001", "HN-000002"])
            #expect(permits.allSatisfy { $0["state"] as? String == "active" && $0["validUntil"] is String })
            // RFC 3339 in a query: the offset's '+' percent-encoded, as a client must.
            let tomorrow = Timestamp.rfc3339(Self.now() + 86_400).replacingOccurrences(of: "+", with: "%2B")
            let soon = try await client.call(.get, "/v1/permits?expiringBefore=\(tomorrow)", token: vnpost)
            #expect((soon.json["permits"] as? [[String: Any]])?.isEmpty == true)  // both last 71 hours
            let later = Timestamp.rfc3339(Self.now() + 4 * 86_400).replacingOccurrences(of: "+", with: "%2B")
            let within = try await client.call(.get, "/v1/permits?expiringBefore=\(later)&limit=1", token: vnpost)
            #expect((within.json["permits"] as? [[String: Any]])?.count == 1)
            #expect(within.json["next"] as? String == "HN-000001")

            let misuse = try await client.call(.post, "/v1/permits/HN-000001/revoke", token: vnpost,
                                               body: ["reason": "misuse"])
            #expect(misuse.status == .unprocessableContent && Self.codes(misuse) == "revocation.reasonNotAllowed")
            let lost = try await client.call(.post, "/v1/permits/HN-000001/revoke", token: vnpost,
                                             body: ["reason": "lost", "note": "rơi ở Cầu Giấy"])
            #expect(lost.status == .ok && lost.json["state"] as? String == "revoked")
            let again = try await client.call(.post, "/v1/permits/HN-000001/revoke", token: vnpost,
                                              body: ["reason": "stolen"])
            #expect(again.status == .conflict && Self.codes(again) == "permit.alreadyRevoked")
            let listing = try #require(try await fixture.store.permit("HN-000001", at: Self.now()))
            #expect(listing.status == .revoked && listing.revocation?.reason == "lost")
            #expect(listing.revocation?.revokedBy.hasPrefix("credential cr-") == true)
            #expect(try await fixture.store.revocations(relevantAt: Self.now()).entries.count == 1)

            // An officer revokes any permit with any reason a person may give.
            let officer = try await client.call(.post, "/v1/permits/HN-000002/revoke", token: fixture.officerToken,
                                                body: ["reason": "misuse"])
            #expect(officer.status == .ok)
            let after = try await client.call(.get, "/v1/permits", token: vnpost)
            let states = (after.json["permits"] as? [[String: Any]])?.map { $0["state"] as? String }
            #expect(states == ["revoked", "revoked"])
            let revocation = (after.json["permits"] as? [[String: Any]])?.first?["revocation"] as? [String: Any]
            #expect(revocation?["vi"] as? String == "Mất thẻ" && revocation?["en"] as? String == "Pass lost")
        }
    }

    // MARK: Reason codes

    @Test func everyReasonCodeTheEngineAndTheServiceGiveHasVietnameseAndEnglishText() {
        let codes = RequestFlow.rowCodes.union(RequestRefusal.policyCodes).union(ServiceDecision.refusalCodes)
        #expect(codes.count > 40)
        for code in codes.sorted() {
            let message = RequestReasons.message(code)
            #expect(message != nil, "\(code) has no text")
            guard let message else { continue }
            #expect(!message.vi.isEmpty && !message.en.isEmpty && message.vi != message.en, "\(code)")
            let view = ReasonView(code: code, language: nil)
            #expect(view.vi == message.vi && view.en == message.en && view.text == nil)
            #expect(ReasonView(code: code, language: .vi).text == message.vi)
        }
        for message in RequestReasons.all {
            #expect(SafeTextCheck.isSafe(message.vi) && SafeTextCheck.isSafe(message.en), "\(message.id)")
        }
    }

    @Test func refusedRowsAnswerCodeWithBothLanguagesOrTheOneAsked() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let dispatcher = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
            var bad = ServiceClient.vehicle()
            bad["purpose"] = "telecom-repair"
            let both = try await client.call(.post, "/v1/requests", token: dispatcher, body: ["vehicles": [bad]])
            let reason = ((both.json["rows"] as? [[String: Any]])?.first?["reasons"] as? [[String: Any]])?.first
            #expect(reason?["code"] as? String == "purpose.notForFirm")
            #expect(reason?["vi"] as? String == RequestReasons.message("purpose.notForFirm")?.vi)
            #expect(reason?["en"] as? String == RequestReasons.message("purpose.notForFirm")?.en)
            let id = try #require(both.json["id"] as? String)
            let vi = try await client.call(.get, "/v1/requests/\(id)", token: dispatcher,
                                           headers: [.acceptLanguage: "vi-VN"])
            let text = ((vi.json["rows"] as? [[String: Any]])?.first?["reasons"] as? [[String: Any]])?.first
            #expect(text?["text"] as? String == RequestReasons.message("purpose.notForFirm")?.vi)
            #expect(text?["en"] == nil)
        }
    }
}

/// One printable line (what `SafeText` checks), without linking GreenlaneSupport into this target.
enum SafeTextCheck {
    static func isSafe(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) }
    }
}
