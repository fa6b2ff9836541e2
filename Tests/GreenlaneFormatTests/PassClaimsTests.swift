@testable import GreenlaneFormat
import Testing

/// A typical pass: a light truck of Vietnam Post in five central districts, 06:00-22:00, two weeks.
func typicalClaims(serial: String = "HN-000123", name: String = "Nguyễn Văn An") throws -> PassClaims {
    let permit = Permit(
        serial: serial, firmID: "VNPOST", plate: try Plate(parsing: "29C-123.45", vehicleClass: .lightTruck),
        vehicleClass: .lightTruck, driverName: name, driverID: try CitizenID(parsing: "001085012345"),
        zones: try Zones(parsing: "ba-dinh,hoan-kiem,dong-da,hai-ba-trung,cau-giay"), purpose: .essentialGoods,
        window: try DailyWindow(parsing: "06:00-22:00"), station: "SGTVT")
    return PassClaims(
        issuer: "VN-HN", issuedAt: 1_627_032_600, notBefore: 1_627_059_600, expiresAt: 1_628_269_200,
        permit: permit)
}

@Suite struct PassClaimsTests {
    @Test func roundTrip() throws {
        let claims = try typicalClaims()
        let decoded = try PassClaims(decoding: claims.encoded())
        #expect(decoded == claims)
        #expect(decoded.permit.driverName == "Nguyễn Văn An")
    }

    @Test func encodingIsDeterministicAndCompact() throws {
        let bytes = try typicalClaims().encoded()
        #expect(try CBOR.decode(bytes, mode: .deterministic).encoded() == bytes)
        // CWT keys first in deterministic order: 1 (iss), 4 (exp), 5 (nbf), 6 (iat), 7 (cti), then -65537.
        #expect(Array(bytes.prefix(2)) == [0xA6, 0x01])
        #expect(bytes.count < 120, "payload is \(bytes.count) bytes")
    }

    @Test func unknownClaimRefused() throws {
        var map = try typicalClaims().cbor.mapValue!
        map[.init(99)] = "extra"
        #expect {
            try PassClaims(decoding: CBOR.map(map).encoded())
        } throws: { ($0 as? FormatError)?.reason.contains("unknown claim 99") == true }
    }

    @Test(arguments: [PassClaims.Key.issuer, PassClaims.Key.expiresAt, PassClaims.Key.notBefore,
                      PassClaims.Key.issuedAt, PassClaims.Key.cwtID, PassClaims.Key.permit])
    func missingClaimRefused(key: Int) throws {
        var map = try typicalClaims().cbor.mapValue!
        map[.init(key)] = nil
        #expect {
            try PassClaims(decoding: CBOR.map(map).encoded())
        } throws: { ($0 as? FormatError)?.code == .missingField }
    }

    @Test func absurdDatesRefused() throws {
        var map = try typicalClaims().cbor.mapValue!
        map[.init(PassClaims.Key.expiresAt)] = .unsigned(UInt64.max)
        #expect(throws: FormatError.self) { try PassClaims(decoding: CBOR.map(map).encoded()) }
        map[.init(PassClaims.Key.expiresAt)] = .init(-5)
        #expect(throws: FormatError.self) { try PassClaims(decoding: CBOR.map(map).encoded()) }
        var claims = try typicalClaims()
        claims.expiresAt = claims.notBefore
        #expect(throws: FormatError.self) { try claims.validate() }
    }

    @Test func namesMustBeNFC() throws {
        let decomposed = "Nguye\u{302}\u{303}n Văn An"
        #expect(Permit.normalizedName(decomposed) == "Nguyễn Văn An")
        #expect(throws: FormatError.self) { try typicalClaims(name: decomposed).validate() }
        #expect(throws: FormatError.self) { try typicalClaims(name: "Robert'); DROP TABLE--").validate() }
        #expect(throws: FormatError.self) { try typicalClaims(name: String(repeating: "Ư", count: 50)).validate() }
        try typicalClaims(name: "Đặng Thị Ngọc Ánh").validate()
    }

    @Test func serialsAreRestricted() throws {
        #expect(throws: FormatError.self) { try typicalClaims(serial: "hn-1").validate() }
        #expect(throws: FormatError.self) { try typicalClaims(serial: String(repeating: "9", count: 25)).validate() }
    }

    /// Names an officer compares with an ID card: nothing invisible, no look-alike scripts, no stacked marks.
    @Test func unreadableDriverNamesAreRefused() throws {
        let refused = [
            "Nguy\u{3164}n Văn An",          // Hangul filler: an invisible letter
            "Nguyễn\u{115F} An", "Lê\u{FFA0}Hà", // other Hangul fillers
            "Nguyễn\u{200B}Văn An",          // zero-width space (format character)
            "Nguy\u{034F}ễn An",             // combining grapheme joiner (invisible mark)
            "Nguyễn V\u{0430}n An",          // Cyrillic а among Latin letters
            "Nguyễn V\u{03B1}n An",          // Greek α among Latin letters
            "Le\u{0301}\u{0302}\u{0303} An",     // three marks stacked on one letter
            "An \u{0301}Bình",               // a mark on no letter
        ]
        for name in refused {
            #expect(throws: FormatError.self, "\(name.unicodeScalars.map { String($0.value, radix: 16) })") {
                try Permit.checkName(name)
            }
        }
        for name in ["Nguyễn Văn An", "Đặng Thị Ngọc Ánh", "Иван Петров", "Νίκος Παππάς", "O'Neil Mary-Jane", "Lê Thị Thu Hà"] {
            #expect(throws: Never.self, "\(name)") { try Permit.checkName(name) }
        }
    }
}

/// The name check's shortcut for ASCII and precomposed Latin letters must say what Unicode's own property
/// tables say, or a mark or an invisible character could slip past it.
@Test func theLatinShortcutOfTheNameCheckAgreesWithUnicodesPropertyTables() throws {
    var checked = 0
    for value in Array(0..<0x250) + Array(0x1E00..<0x1F00) {
        let scalar = try #require(Unicode.Scalar(UInt32(value)))
        guard let isLetter = Permit.latinLetterOrASCII(scalar) else { continue }
        let properties = scalar.properties
        #expect(isLetter == properties.isAlphabetic, "U+\(String(value, radix: 16))")
        #expect(!properties.isDefaultIgnorableCodePoint, "U+\(String(value, radix: 16))")
        #expect(![.nonspacingMark, .enclosingMark, .unassigned].contains(properties.generalCategory))
        checked += 1
    }
    #expect(checked == 128 + (0x250 - 0xC0 - 2) + 0x100)  // ASCII, U+00C0–U+024F but × and ÷, U+1E00–U+1EFF
    // And the shortcut does not change what the check refuses: mixed scripts, marks on nothing, invisibles.
    #expect(Permit.readabilityProblem("Nguyễn Văn An") == nil)
    #expect(Permit.readabilityProblem("Nguyễn Văn Аn")?.contains("Cyrillic and Latin") == true)
    #expect(Permit.readabilityProblem("\u{301}Nguyễn")?.contains("no letter") == true)
    #expect(Permit.readabilityProblem("Nguyễn\u{200B}An")?.contains("invisible") == true)
    #expect(Permit.readabilityProblem("Nguye\u{302}\u{303}\u{301}n")?.contains("more than two") == true)
}
