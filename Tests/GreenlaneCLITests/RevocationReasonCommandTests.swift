import Foundation
import Testing

/// Item 5 of issue 8: a revocation's reason is a code from a fixed set; free text stays in the registry.
@Suite struct RevocationReasonCommandTests {
    let manualCodes = ["lost", "stolen", "misuse", "false-declaration", "firm-suspended", "off-duty", "issued-in-error",
                       "other"]

    @Test func freeTextAsReasonIsRefusedWithAMessageListingTheCodes() throws {
        let office = try Office()
        #expect(try office.issue(Office.truck).status == 0)
        for text in ["lost it on the Chương Dương bridge", "Lost", "replaced", "renewed"] {
            let refused = try office.run(["revoke", "HN-000001", "--reason", text])
            #expect(refused.status == 64, "\(text): \(refused.stderr)")
            #expect(manualCodes.allSatisfy(refused.stderr.contains), "\(refused.stderr)")
            #expect(refused.stderr.contains("--note"))
        }
        let renewed = try office.run(["revoke", "HN-000001", "--reason", "renewed"])
        #expect(renewed.stderr.contains("set by issue --replace"))
        #expect(try sqlite(office.registry, "SELECT count(*) FROM revocation") == "0\n")
        let help = try office.run(["revoke", "--help"]).stdout
        #expect(manualCodes.allSatisfy(help.contains) && help.contains("Mất thẻ") && help.contains("Pass stolen"),
                "\(help)")
    }

    @Test func noteIsNotInTheExportedList() throws {
        let office = try Office()
        let code = try office.issue(Office.truck).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let note = "driver Nguyễn Văn An phoned at 07:50; card left in a taxi"
        let revoked = try office.run(["revoke", "HN-000001", "--reason", "lost", "--note", note])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try sqlite(office.registry, "SELECT reason, note FROM revocation") == "lost|\(note)\n")
        #expect(try office.run(["show", "HN-000001", "--no-qr", "--lang", "en"]).stdout.contains(note))
        let list = office.folder.appendingPathComponent("revocations.glr")
        let exported = try office.run(["revocations", "export", "--key", office.key, "--key-trust", "Keys/demo-trust.json", "--out", list.path])
        #expect(exported.status == 0, "\(exported.stderr)")
        let bytes = try Data(contentsOf: list)
        for fragment in ["phoned", "taxi", "07:50", "Nguy"] {
            #expect(bytes.range(of: Data(fragment.utf8)) == nil, "\(fragment) is in the list")
        }
        #expect(bytes.range(of: Data("lost".utf8)) != nil)
        let verified = try office.verify([code, "--revocations", list.path, "--zone", "ba-dinh"])
        #expect(verified.stdout.contains("(lý do: Mất thẻ)"), "\(verified.stdout)")
    }

    /// A registry from before reason codes may hold any text as a reason. The revocation must still reach
    /// checkpoints and the text must not: it goes out as `other`, and export says which serials.
    @Test func oldFreeTextReasonsAreExportedAsOther() throws {
        let office = try Office()
        let code = try office.issue(Office.truck).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let old = "Gọi 0900 000 000 để được qua chốt"
        let inserted = try sqlite(office.registry, "DROP TRIGGER revocation_reason_is_code; "
            + "INSERT INTO revocation (serial, revoked_at, reason, revoked_by) VALUES "
            + "('HN-000001', 1627261200, '\(old)', 'old')")
        #expect(inserted.isEmpty, "\(inserted)")
        let list = office.folder.appendingPathComponent("revocations.glr")
        let exported = try office.run(["revocations", "export", "--key", office.key, "--key-trust", "Keys/demo-trust.json", "--out", list.path])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stderr.contains("1 revocations recorded before reason codes")
                    && exported.stderr.contains("HN-000001"), "\(exported.stderr)")
        #expect(try Data(contentsOf: list).range(of: Data("0900".utf8)) == nil)
        let verified = try office.verify([code, "--revocations", list.path, "--zone", "ba-dinh", "--lang", "en"])
        #expect(verified.status == 1 && verified.stdout.contains("(reason: Other reason)"), "\(verified.stdout)")
        #expect(try office.run(["log", "--action", "revocations.export"]).stdout.contains("(1 free-text as other)"))
    }
}
