import GreenlaneMessages
import GreenlaneSupport
import GreenlaneVerifier
import Testing

@Suite struct CatalogueTests {
    @Test func everyMessageHasBothLanguagesAndTheyDiffer() {
        for message in Catalogue.all {
            #expect(!message.vi.isEmpty, "\(message.id): no Vietnamese")
            #expect(!message.en.isEmpty, "\(message.id): no English")
            #expect(message.vi != message.en, "\(message.id): the Vietnamese is the English: \(message.en)")
            #expect(
                message.placeholders(.vi) == message.placeholders(.en),
                "\(message.id): the languages use different placeholders")
            #expect(SafeText.isSafe(message.vi) && SafeText.isSafe(message.en), "\(message.id): unsafe character")
        }
    }

    @Test func idsAreUnique() {
        var seen: Set<String> = []
        for message in Catalogue.all {
            #expect(seen.insert(message.id).inserted, "\(message.id) twice")
        }
    }

    @Test func everyErrorTheCheckpointCanHitHasAProblemAndARemedy() {
        // The codes of the domains the lean binary links, and the image reader's.
        let codes: [any GreenlaneError] = [
            VerifierError(.unreadableFile, ""), VerifierError(.invalidTrustFile, ""),
            VerifierError(.keyIDMismatch, ""), VerifierError(.duplicateKeyID, ""),
            VerifierError(.demoKeyNotFlagged, ""), VerifierError(.emptyTrustSet, ""),
            VerifierError(.invalidRevocationList, ""), VerifierError(.revocationListNotTrusted, ""),
            VerifierError(.revocationListBadSignature, ""),
            FileError(.unreadable, ""), FileError(.tooLarge, ""), FileError(.insecurePermissions, ""),
            FileError(.exists, ""), FileError(.noFolder, ""), FileError(.unwritable, ""),
        ]
        for error in codes {
            let entry = Catalogue.error(for: error.catalogueKey)
            #expect(entry != Catalogue.unknownError, "\(error.catalogueKey ?? "?") has no catalogue entry")
        }
        for entry in Catalogue.errors {
            for message in [entry.problem, entry.remedy] {
                #expect(!message.vi.isEmpty && !message.en.isEmpty && message.vi != message.en, "\(message.id)")
            }
        }
    }

    @Test func valuesAreEscapedWhenFilledIn() {
        let text = Catalogue.signedBy.text(.en, "Key\u{1B}[2J\u{202E}")
        #expect(text == "Signed by Key\\u{001B}[2J\\u{202E}:")
        #expect(Catalogue.valid.text(.vi, "unused") == Catalogue.valid.vi)
    }

    @Test func failureAndWarningMessagesComeFromTheCatalogue() {
        let vi = Failure.badSignature.message(.vi), en = Failure.badSignature.message(.en)
        #expect(vi == Catalogue.badSignature.vi && en == Catalogue.badSignature.en)
        #expect(Warning.noRevocationList.message(.vi) == Catalogue.noRevocationList.vi)
    }
}

@Suite struct SafeTextTests {
    @Test(arguments: [
        "\u{1B}[2J", "\u{07}", "\u{7F}", "\u{85}", "\u{9B}31m", "\u{202E}", "\u{202A}", "\u{2066}", "\u{2069}",
        "\u{200B}", "\u{200D}", "\u{FEFF}", "\u{2028}", "a\nb", "a\rb", "\u{E000}",
    ])
    func escapesEveryKindOfHiddenCharacter(text: String) {
        let escaped = SafeText.escaped(text)
        #expect(escaped != text)
        #expect(SafeText.isSafe(escaped))
        #expect(escaped.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F || !$0.isASCII })
    }

    @Test func leavesVietnameseAlone() {
        for text in ["Nguyễn Văn An", "Công Tằng Tôn Nữ Thị Phương Thảo", "29C-123.45", "Đống Đa", "a\\b"] {
            #expect(SafeText.escaped(text) == text)
        }
    }

    @Test func anEscapedTextCannotPassForAClearOne() {
        // Once anything is escaped, backslashes are too: "\u{1B}" typed literally stays distinguishable.
        #expect(SafeText.escaped("\\u{1B}\u{1B}") == "\\\\u{1B}\\u{001B}")
    }
}
