import GreenlaneFormat
import GreenlaneQR
import Testing

@Suite struct PassCardTests {
    static func claims(driverName: String = "Nguyễn Văn An", zones: String = "ba-dinh,hoan-kiem") throws
        -> PassClaims
    {
        let permit = Permit(
            serial: "HN-000123", firmID: "VNPOST", plate: try Plate(parsing: "29C-12345", vehicleClass: .van),
            vehicleClass: .van, driverName: driverName, driverID: try CitizenID(parsing: "001085012345"),
            zones: try Zones(parsing: zones), purpose: .essentialGoods,
            window: try DailyWindow(parsing: "06:00-22:00"), station: "HN-SGTVT")
        // 2021-07-24 08:00 UTC to 2021-08-07 08:00 UTC.
        return PassClaims(
            issuer: "VN-HN", issuedAt: 1_627_113_600, notBefore: 1_627_113_600, expiresAt: 1_628_323_200,
            permit: permit)
    }

    @Test func cardParsesAndCarriesThePass() throws {
        let code = Sample.code(length: 300)
        let svg = try PassCard.svg(claims: Self.claims(), code: code, firmName: "Bưu điện Hà Nội", isDemo: false)
        #expect(try Tool.xmlError(svg) == nil)
        #expect(svg.contains("THẺ NHẬN DIỆN PHƯƠNG TIỆN ƯU TIÊN – LUỒNG XANH"))
        #expect(svg.contains("PRIORITY VEHICLE PASS – GREEN LANE"))
        #expect(svg.contains("29C-123.45"))
        #expect(svg.contains("Nguyễn Văn An"))
        #expect(svg.contains("Bưu điện Hà Nội (VNPOST)"))
        #expect(svg.contains("Ô tô tải van"))
        #expect(svg.contains("Ba Đình, Hoàn Kiếm"))
        #expect(svg.contains("24/07/2021 15:00"))  // Vietnam time
        #expect(svg.contains("07/08/2021 15:00"))
        #expect(svg.contains("06:00-22:00"))
        #expect(svg.contains("HN-000123") && svg.contains("HN-SGTVT"))
        #expect(svg.contains("width=\"105mm\" height=\"148mm\""))
        #expect(svg.contains("DejaVu Sans"))
        #expect(!svg.contains("DEMO"))
    }

    @Test func demoCardIsMarked() throws {
        let svg = try PassCard.svg(claims: Self.claims(), code: "GL1:TEST", firmName: nil, isDemo: true)
        #expect(try Tool.xmlError(svg) == nil)
        #expect(svg.contains("MẪU – DEMO – KHÔNG CÓ GIÁ TRỊ"))
        #expect(svg.contains("rotate("))
    }

    @Test func textIsEscaped() throws {
        let claims = try Self.claims(driverName: "A <b>&</b> \"Q\"")
        let svg = try PassCard.svg(claims: claims, code: "GL1:TEST", firmName: "Post <&> Co", isDemo: false)
        #expect(try Tool.xmlError(svg) == nil)
        #expect(svg.contains("Post &lt;&amp;&gt; Co"))
        #expect(svg.contains("A &lt;b&gt;&amp;&lt;/b&gt; &quot;Q&quot;"))
        #expect(!svg.contains("<b>"))
    }

    @Test func allZonesAndLongListsFit() throws {
        let all = try PassCard.svg(claims: Self.claims(zones: "all"), code: "GL1:X", firmName: nil, isDemo: false)
        #expect(all.contains("Toàn thành phố Hà Nội"))
        let many = District.all.prefix(29).map(\.slug).joined(separator: ",")
        let svg = try PassCard.svg(claims: Self.claims(zones: many), code: "GL1:X", firmName: nil, isDemo: true)
        #expect(try Tool.xmlError(svg) == nil)
    }

    @Test func unencodableCodeThrows() throws {
        expectQRError(.textTooLong) {
            try PassCard.svg(
                claims: Self.claims(), code: String(repeating: "A", count: 4_000), firmName: nil, isDemo: false)
        }
    }
}
