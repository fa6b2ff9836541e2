import Foundation
import GreenlaneCrypto
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneStore
import GreenlaneSQLiteStore
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func samplePolicy() throws -> Policy { try Policy.load(path: repositoryRoot.appendingPathComponent("Samples/policy.json").path) }

func time(_ text: String) -> Int64 { Timestamp.parse(text)! }

let postal = Firm(id: "VNPOST", legalName: "Tổng Công ty Bưu điện Việt Nam", kind: .postal, licence: "BC-001",
                  createdAt: time("2021-07-20T00:00:00Z"))
let telecom = Firm(id: "VNPT-HN", legalName: "Viễn thông Hà Nội", kind: .telecom, licence: "VT-196",
                   createdAt: time("2021-07-20T00:00:00Z"))

func request(
    firm: String = "VNPOST", plate: String = "29C-123.45", vehicleClass: String = "light-truck",
    testAt: String = "2021-07-25T08:00:00+07:00", purpose: String = "essential-goods", zones: String = "ba-dinh",
    validUntil: String? = nil
) -> PermitRequest {
    PermitRequest(source: "test", firmID: firm, plate: plate, vehicleClass: vehicleClass, driverName: "Nguyễn Văn An",
                  driverID: "001085012345", testAt: testAt, purpose: purpose, zones: zones, validUntil: validUntil)
}

@Suite struct PolicyTests {
    let now = time("2021-07-26T08:00:00+07:00")

    @Test func samplePolicyReads() async throws {
        let policy = try samplePolicy()
        #expect(policy.order.number == "17/CT-UBND")
        #expect(policy.testMaxAge == 72 * 3600)
        #expect(policy.windowsByClass[.heavyTruck]?.description == "08:00-16:00")
        #expect(policy.purposesByFirmKind[.telecom] == [.telecomRepair])
    }

    @Test func validityEndsAtTheEarliestBound() async throws {
        let policy = try samplePolicy()
        // Driver's test bounds it: tested 25/07 08:00 + 72 h.
        let draft = try policy.draft(for: request(), firm: postal, now: now).get()
        #expect(draft.expiresAt == time("2021-07-28T08:00:00+07:00"))
        #expect(draft.notBefore == now)
        #expect(draft.window?.description == "06:00-22:00")
        // The order's end bounds it.
        let late = time("2021-08-07T00:00:00+07:00")
        let fresh = try policy.draft(for: request(testAt: "2021-08-06T20:00:00+07:00"), firm: postal, now: late).get()
        #expect(fresh.expiresAt == policy.order.end)
        // A requested end is honoured when earlier.
        let short = try policy.draft(for: request(validUntil: "2021-07-27T00:00:00+07:00"), firm: postal, now: now).get()
        #expect(short.expiresAt == time("2021-07-27T00:00:00+07:00"))
    }

    @Test func maximumValidityBounds() async throws {
        var policy = try samplePolicy()
        policy.testMaxAge = 30 * 86_400
        let draft = try policy.draft(for: request(), firm: postal, now: now).get()
        #expect(draft.expiresAt == now + policy.maxValidity)
    }

    @Test func heavyTrucksGetTheirWindow() async throws {
        let draft = try samplePolicy().draft(
            for: request(plate: "30E-12345", vehicleClass: "heavy-truck"), firm: postal, now: now).get()
        #expect(draft.window?.description == "08:00-16:00")
        #expect(draft.plate.text == "30E-123.45")
    }

    /// The reasons a request is refused for; a request that is issued records an issue and gives none.
    func reasons(_ request: PermitRequest, firm: Firm?, at time: Int64? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> [String]
    {
        switch try samplePolicy().draft(for: request, firm: firm, now: time ?? now) {
        case .failure(let refusal): return refusal.reasons
        case .success(let draft):
            Issue.record("expected a refusal, got a draft until \(draft.expiresAt)", sourceLocation: sourceLocation)
            return []
        }
    }

    @Test func everyReasonIsReported() async throws {
        let reasons = try reasons(
            request(plate: "29C-12", vehicleClass: "spaceship", testAt: "2021-07-20", purpose: "tourism",
                    zones: "atlantis"),
            firm: nil)
        #expect(reasons == [
            "firm 'VNPOST' is not registered (greenlane firm add)",
            "vehicle class 'spaceship' is not one of motorbike, car, van, light-truck, heavy-truck",
            "purpose 'tourism' is not one of essential-goods, public-postal, telecom-repair",
            "unknown district 'atlantis'; use a slug such as ba-dinh, an official code, or 'all'",
            "test of 2021-07-19T17:00:00Z is older than 72 hours",
        ])
    }

    /// The service answers with these codes (docs/SERVICE.md): one per reason, in order, each from the stable set.
    @Test func everyReasonHasItsStableCode() async throws {
        let refused = try samplePolicy().draft(
            for: request(plate: "29C-12", vehicleClass: "spaceship", testAt: "2021-07-20", purpose: "tourism",
                         zones: "atlantis"),
            firm: nil, now: now)
        guard case .failure(let refusal) = refused else { Issue.record("expected a refusal"); return }
        #expect(refusal.codes == ["firm.unknown", "vehicleClass.unknown", "purpose.unknown", "zones.invalid",
                                  "test.tooOld"])
        #expect(refusal.codes.count == refusal.reasons.count)
        #expect(Set(refusal.codes).isSubset(of: RequestRefusal.policyCodes))
    }

    @Test func firmKindLimitsPurposes() async throws {
        #expect(try reasons(request(firm: "VNPT-HN"), firm: telecom)
            == ["a telecom firm may not request passes for essential-goods"])
        #expect((try? samplePolicy().draft(for: request(firm: "VNPT-HN", purpose: "telecom-repair"), firm: telecom,
                                           now: now).get()) != nil)
        var suspended = postal
        suspended.status = .suspended
        #expect(try reasons(request(), firm: suspended) == ["firm VNPOST is suspended: no new passes"])
    }

    @Test func testDatesMustBePresentPastAndRecent() async throws {
        for (testAt, reason) in [
            ("", "the driver's negative COVID-19 test date is missing"),
            ("tomorrow", "test date 'tomorrow' is not a date or RFC 3339 time"),
            ("2021-07-27T08:00:00+07:00", "test date 2021-07-27T08:00:00+07:00 is in the future"),
            ("2021-07-23T07:59:00+07:00", "test of 2021-07-23T00:59:00Z is older than 72 hours"),
        ] {
            #expect(try reasons(request(testAt: testAt), firm: postal) == [reason], "\(testAt)")
        }
    }

    @Test func orderThatHasEndedIssuesNothing() async throws {
        let after = time("2021-08-09T00:00:00+07:00")
        #expect(try reasons(request(testAt: "2021-08-08T20:00:00+07:00"), firm: postal, at: after)
            == ["order 17/CT-UBND ended at \(Timestamp.rfc3339(try samplePolicy().order.end))"])
    }

    @Test func badPolicyFilesSayWhatIsWrong() async throws {
        let good = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/policy.json"), encoding: .utf8)
        for (from, to, fragment) in [
            ("\"heavy-truck\": \"08:00-16:00\"", "\"hover-truck\": \"08:00-16:00\"", "hover-truck"),
            ("\"maxValidityDays\": 7", "\"maxValidityDays\": 0", "maxValidityDays"),
            ("\"postal\": [", "\"courier\": [", "courier"),
            ("\"start\": \"2021-07-24T06:00:00+07:00\"", "\"start\": \"soon\"", "order.start"),
        ] {
            #expect {
                try Policy(json: Data(good.replacingOccurrences(of: from, with: to).utf8))
            } throws: { ($0 as? EngineError)?.reason.contains(fragment) == true }
        }
    }

    /// `trimmed` returns most fields as they are; whatever it skips must be what trimming character by character
    /// gives, for white space of every kind at either end and for clusters that start or end a field.
    @Test func trimmingAFieldKeepsItWhenNothingIsToTrimAndTrimsEveryUnicodeSpace() {
        func characterwise(_ text: String) -> String {
            var slice = Substring(text)
            while let first = slice.first, first.isWhitespace { slice.removeFirst() }
            while let last = slice.last, last.isWhitespace { slice.removeLast() }
            return String(slice)
        }
        let cases = ["VNPOST", " VNPOST", "VNPOST\t", "\u{00A0}29C-123.45", "29C-123.45\u{3000}", "Hà", "Đặng Minh",
                     "a\u{0301}", " \u{0301}a", "a \u{0301}", "\u{0600}1", "\r\nA", "A\r\n", "\u{85}x", "x\u{2029}",
                     "", " ", "\u{2009}", "~", "a\u{7F}", "\u{1F}a"]
        for text in cases {
            #expect(text.trimmed == characterwise(text), "\(text.debugDescription)")
        }
    }
}
