import GreenlaneFormat
import Testing

@Suite struct PlateTests {
    @Test(arguments: [
        ("29C-123.45", VehicleClass.lightTruck, "29C-123.45"),
        ("30E-12345", .car, "30E-123.45"),
        ("30e 12345", .car, "30E-123.45"),
        ("29C-1234", .van, "29C-1234"),
        ("29LD-123.45", .heavyTruck, "29LD-123.45"),
        ("29-B1 123.45", .motorbike, "29-B1 123.45"),
        ("29B112345", .motorbike, "29-B1 123.45"),
        ("29-b1 1234", .motorbike, "29-B1 1234"),
        ("29-AA 123.45", .motorbike, "29-AA 123.45"),
    ])
    func normalizes(input: String, vehicleClass: VehicleClass, expected: String) throws {
        #expect(try Plate(parsing: input, vehicleClass: vehicleClass).text == expected)
    }

    @Test(arguments: [
        ("", VehicleClass.car, "province code"),
        ("ABC-12345", .car, "province code"),
        ("05C-123.45", .car, "province code 5"),
        ("29-123.45", .car, "series"),
        ("29ABC-123.45", .car, "series"),
        ("29C-123", .car, "4 or 5 digits"),
        ("29C-123456", .car, "4 or 5 digits"),
        ("29C-000.00", .car, "all zeros"),
        ("29C-123.45", .motorbike, "motorbike"),
        ("29C_123.45", .car, "not allowed"),
        ("29Đ-123.45", .car, "not allowed"),
    ])
    func refuses(input: String, vehicleClass: VehicleClass, why: String) {
        #expect {
            try Plate(parsing: input, vehicleClass: vehicleClass)
        } throws: { error in
            let error = error as! FormatError
            return error.layer == .claims && error.reason.contains(why) && error.reason.contains("'\(input)'")
        }
    }

    @Test func ambiguousCompactFormFollowsTheVehicleClass() throws {
        #expect(try Plate(parsing: "29B11234", vehicleClass: .car).text == "29B-112.34")
        #expect(try Plate(parsing: "29B11234", vehicleClass: .motorbike).text == "29-B1 1234")
    }
}

@Suite struct DistrictTests {
    @Test func thirtyDistrictsWithDistinctBitsCodesAndSlugs() {
        #expect(District.all.count == 30)
        #expect(Set(District.all.map(\.bit)) == Set(0..<30))
        #expect(Set(District.all.map(\.code)).count == 30)
        #expect(Set(District.all.map(\.slug)).count == 30)
        #expect(District.all.map(\.code) == District.all.map(\.code).sorted())
    }

    @Test func kindsMatchHanoi2021() {
        #expect(District.all.filter { $0.vietnameseName.hasPrefix("Quận ") }.count == 12)
        #expect(District.all.filter { $0.vietnameseName.hasPrefix("Thị xã ") }.count == 1)
        #expect(District.all.filter { $0.vietnameseName.hasPrefix("Huyện ") }.count == 17)
    }

    @Test func lookUpBySlugCodeAndName() {
        #expect(District("ba-dinh")?.vietnameseName == "Quận Ba Đình")
        #expect(District("001")?.slug == "ba-dinh")
        #expect(District("268")?.slug == "ha-dong")
        #expect(District("Hoàn Kiếm")?.slug == "hoan-kiem")
        #expect(District("Ung Hoa") == nil)
        #expect(District("ung-hoa")?.shortName == "Ứng Hòa")
    }

    @Test func zonesParseAndMask() throws {
        let zones = try Zones(parsing: "ba-dinh, hoan-kiem,001")
        #expect(zones.mask == 0b11)
        #expect(zones.count == 2)
        #expect(try Zones(parsing: "all").isAll)
        #expect(Zones(mask: 1 << 30) == nil)
        #expect(throws: FormatError.self) { try Zones(parsing: "ba-dinh,atlantis") }
        #expect(throws: FormatError.self) { try Zones(parsing: " , ") }
    }
}

@Suite struct CitizenIDAndWindowTests {
    @Test func citizenIDKeepsLeadingZeros() throws {
        let id = try CitizenID(parsing: "001085012345")
        #expect(id.value == 1_085_012_345)
        #expect(id.digits == "001085012345")
        #expect(id.masked.hasSuffix("2345"))
    }

    @Test(arguments: ["00108501234", "0010850123456", "00108501234x", "000085012345", "097085012345"])
    func citizenIDRefused(_ input: String) {
        #expect(throws: FormatError.self) { try CitizenID(parsing: input) }
    }

    @Test func windowsInVietnamTime() throws {
        let window = try DailyWindow(parsing: "08:00-16:00")
        let morning = Timestamp.parse("2021-07-26T08:00:00+07:00")!
        #expect(window.contains(unixTime: morning))
        #expect(!window.contains(unixTime: morning - 1))
        #expect(window.contains(unixTime: morning + 8 * 3600 - 1))
        #expect(!window.contains(unixTime: morning + 8 * 3600))
        let night = try DailyWindow(parsing: "22:00-05:00")
        #expect(night.contains(unixTime: Timestamp.parse("2021-07-26T23:30:00+07:00")!))
        #expect(night.contains(unixTime: Timestamp.parse("2021-07-26T04:59:00+07:00")!))
        #expect(!night.contains(unixTime: Timestamp.parse("2021-07-26T12:00:00+07:00")!))
        #expect(throws: FormatError.self) { try DailyWindow(parsing: "08:00-08:00") }
        #expect(throws: FormatError.self) { try DailyWindow(parsing: "25:00-08:00") }
        #expect(throws: FormatError.self) { try DailyWindow(parsing: "8-16") }
    }
}

@Suite struct TimestampTests {
    @Test func parsesRFC3339AndDates() {
        #expect(Timestamp.parse("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.parse("2021-07-23T00:00:00Z") == 1_626_998_400)
        #expect(Timestamp.parse("2021-07-23T07:00:00+07:00") == 1_626_998_400)
        #expect(Timestamp.parse("2021-07-23") == 1_626_973_200)  // midnight in Vietnam
        #expect(Timestamp.parse("2024-02-29T12:00Z") == 1_709_208_000)
        #expect(Timestamp.parse("2021-02-29T00:00:00Z") == nil)
        #expect(Timestamp.parse("2021-07-23T24:00:00Z") == nil)
        #expect(Timestamp.parse("2021-07-23T10:00:00") == nil)
        #expect(Timestamp.parse("yesterday") == nil)
    }

    @Test func formatsRoundTrip() {
        for time: Int64 in [0, 951_782_400, 1_626_998_400, 1_709_208_000, 4_102_444_799] {
            #expect(Timestamp.parse(Timestamp.rfc3339(time)) == time)
        }
        #expect(Timestamp.vietnamese(1_626_998_400) == "23/07/2021 07:00")
        #expect(Timestamp.english(1_626_998_400) == "2021-07-23 07:00 (UTC+7)")
    }

    /// Circular 58/2020/TT-BCA issues no series with I, J, O, Q or W: 29-BI and 29-BO read like 29-B1 and 29-B0.
    @Test func seriesLettersCircular58DoesNotIssueAreRefused() throws {
        for (text, vehicleClass) in [("29-BI 123.45", VehicleClass.motorbike), ("29-OA 1234", .motorbike),
                                     ("29I-123.45", .car), ("29Q-123.45", .van), ("29CW-123.45", .heavyTruck),
                                     ("29J-1234", .lightTruck), ("29-B0 1234", .motorbike)] {
            #expect(throws: FormatError.self, "\(text)") { try Plate(parsing: text, vehicleClass: vehicleClass) }
        }
        for (text, vehicleClass) in [("29-B1 123.45", VehicleClass.motorbike), ("29-AA 123.45", .motorbike),
                                     ("29LD-123.45", .car), ("29R-012.34", .heavyTruck), ("30E-123.45", .van)] {
            #expect(throws: Never.self, "\(text)") { try Plate(parsing: text, vehicleClass: vehicleClass) }
        }
        let error = try #require(throws: FormatError.self) { try Plate(parsing: "29-BI 123.45", vehicleClass: .motorbike) }
        #expect(error.reason.contains("Circular 58/2020/TT-BCA") && error.reason.contains("I reads as the digit 1"))
    }
}
