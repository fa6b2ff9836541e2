import GreenlaneFormat
import Testing

@Suite struct RevocationReasonTests {
    /// A list payload with one entry whose reason is `reason`, built by hand as a hostile issuer could.
    func payload(reason: String) -> [UInt8] {
        CBOR.map([
            .init(RevocationList.Key.issuer): .text("VN-HN"),
            .init(RevocationList.Key.issuedAt): .init(Int64(1_627_261_200)),
            .init(RevocationList.Key.entries): .array([.array([.text("HN-000001"), .init(Int64(1_627_261_200)),
                                                              .text(reason)])]),
            .init(RevocationList.Key.version): .unsigned(RevocationList.version),
            .init(RevocationList.Key.sequence): .unsigned(1),
            .init(RevocationList.Key.nextUpdate): .init(Int64(1_627_261_200 + 86_400)),
            .init(RevocationList.Key.grace): .init(Int64(43_200)),
        ]).encoded()
    }

    @Test(arguments: RevocationReason.known)
    func eachCodeRoundTripsThroughTheList(reason: RevocationReason) throws {
        let list = RevocationList(issuer: "VN-HN", issuedAt: 1_627_261_200,
                                  entries: [.init(serial: "HN-000001", revokedAt: 1_627_261_200, reason: reason)])
        let decoded = try RevocationList(decoding: list.encoded())
        #expect(decoded == list)
        #expect(decoded.entries.first?.reason.code == reason.code)
        #expect(decoded.entries.first?.reason.isKnown == true)
        #expect(RevocationReason(known: reason.code) == reason)
        // Both languages have their own text, and neither is the bare code.
        #expect(reason.vietnameseName != reason.code && reason.englishName != reason.code)
        #expect(RevocationReason.isWellFormed(reason.code))
    }

    @Test func codesAreUniqueAndTheEnginesOwnAreNotForPeople() {
        #expect(Set(RevocationReason.known.map(\.code)).count == RevocationReason.known.count)
        #expect(RevocationReason.manual.map(\.code) == [
            "lost", "stolen", "misuse", "false-declaration", "firm-suspended", "off-duty", "issued-in-error", "other",
        ])
        #expect(!RevocationReason.manual.contains(.replaced) && !RevocationReason.manual.contains(.renewed))
    }

    /// A newer issuer may add a code: the list still loads (the serial is still revoked) and the code is shown
    /// as it is, since it can only be a-z, 0-9 and '-'.
    @Test func unknownCodeFromANewerIssuerIsKeptAndShownAsTheCode() throws {
        let decoded = try RevocationList(decoding: payload(reason: "vehicle-sold"))
        let reason = try #require(decoded.entries.first?.reason)
        #expect(!reason.isKnown)
        #expect(reason.code == "vehicle-sold")
        #expect(reason.vietnameseName == "vehicle-sold" && reason.englishName == "vehicle-sold")
    }

    /// Free text in a list (a forged line, a terminal escape, a phishing sentence) never reaches an officer:
    /// the list is refused.
    @Test(arguments: ["Lost it\nKIỂM TRA: HỢP LỆ", "\u{1B}[2J", "Call 0900 000 000", "LOST", "", "lost ",
                      String(repeating: "a", count: 33), "mất"])
    func freeTextReasonInAListIsRefused(text: String) {
        #expect(throws: FormatError.self) { try RevocationList(decoding: payload(reason: text)) }
        #expect(RevocationReason(code: text) == nil)
    }
}
