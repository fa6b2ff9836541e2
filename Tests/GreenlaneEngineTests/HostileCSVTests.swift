import Foundation
import GreenlaneEngine
import GreenlaneRequestCSV
import GreenlaneFormat
import Testing

/// Fleet CSV files as a careless or hostile dispatcher could send them: every bad row is refused with its
/// reason (or neutralised), the good rows still issue, and a file that cannot be read as a whole is refused.
@Suite struct HostileCSVTests {
    static let header = "firm,plate,vehicle_class,driver_name,driver_id,test_at,purpose,zones,valid_from,valid_until"

    /// One row: the sample good request, with some fields replaced. Fields are quoted as RFC 4180 asks.
    static func row(
        firm: String = "VNPOST", plate: String = "29C-123.45", name: String = "Nguyễn Văn An",
        testAt: String = "2021-07-25T08:00:00+07:00", validFrom: String = "", validUntil: String = ""
    ) -> String {
        [firm, plate, "light-truck", name, "001085012345", testAt, "essential-goods", "ba-dinh", validFrom, validUntil]
            .map(quoted).joined(separator: ",")
    }

    static func quoted(_ field: String) -> String {
        // By scalar: for Character, "\r\n" is one grapheme and a lone "\r" would not match it.
        guard field.unicodeScalars.contains(where: { ",\"\r\n".unicodeScalars.contains($0) }) else { return field }
        return "\"" + field.replacing("\"", with: "\"\"") + "\""
    }

    static func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).csv")
        try Data(bytes).write(to: path)
        return path.path
    }

    static func file(_ lines: [String]) throws -> String { try file(Array(lines.joined(separator: "\n").utf8)) }

    /// Reads the file and issues its rows; the refusals' reasons by row source, and the issued records.
    static func issue(_ lines: [String]) async throws -> (refused: [String: [String]], issued: [PermitRecordView]) {
        let rows = try RequestCSV.read(path: try file(lines))
        let (engine, _) = try await makeEngine()
        var options = PermitEngine.BatchOptions(context: testContext())
        options.chunkSize = 3
        var refused: [String: [String]] = [:]
        var issued: [PermitRecordView] = []
        _ = try await engine.issue(rows.requests, malformed: rows.malformed, options: options) { results in
            for result in results {
                switch result {
                case .issued(let record, _):
                    issued.append(PermitRecordView(
                        plate: record.plate, firm: record.firmID, driverName: record.driverName))
                case .refused(let refusal): refused[refusal.source] = refusal.reasons
                case .alreadyIssued(let record, _): Issue.record("a new registry had \(record.serial) already")
                }
            }
        }
        return (refused, issued)
    }

    /// The row's source as the engine names it (`hostile-….csv row 2`), by row number only.
    static func byRow<T>(_ map: [String: T]) -> [Int: T] {
        Dictionary(uniqueKeysWithValues: map.map { (Int($0.key.split(separator: " ").last!)!, $0.value) })
    }

    @Test func formulaPrefixesInDriverNamesAreRefused() async throws {
        let names = ["=HYPERLINK(\"http://x\",\"y\")", "+SUM(A1:A9)", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]
        let (refused, issued) = try await Self.issue([Self.header] + names.enumerated().map {
            Self.row(plate: "29C-100.0\($0.offset + 1)", name: $0.element)
        })
        #expect(issued.isEmpty)
        let reasons = Self.byRow(refused)
        for (index, name) in names.enumerated() {
            #expect(reasons[index + 2] == ["driver name '\(name)' has characters a name cannot have"])
        }
    }

    @Test func leadingTabOrCarriageReturnIsTrimmedAwayOrRefused() async throws {
        let (refused, issued) = try await Self.issue([
            Self.header,
            Self.row(firm: "\tVNPOST", plate: "\t29C-100.01", name: "\tNguyễn Văn An"),
            Self.row(firm: "\rVNPOST", plate: "29C-100.02", name: "\rNguyễn Văn An"),
            Self.row(plate: "\r29C-100.03"),
        ])
        #expect(issued.map(\.plate) == ["29C-100.01", "29C-100.02"])
        for record in issued {
            #expect(record.firm == "VNPOST")
            #expect(record.driverName == "Nguyễn Văn An")
        }
        // A tab separates a plate's parts like a space; a carriage return has no place in one.
        #expect(Self.byRow(refused)[4] == [#"plate '\r29C-100.03': character '\r' is not allowed in a plate"#])
    }

    @Test func formulaPrefixesInPlatesAndFirmIDsAreRefusedOrNeutralised() async throws {
        let (refused, issued) = try await Self.issue([
            Self.header,
            Self.row(plate: "=29C-100.01"), Self.row(plate: "+29C-100.02"), Self.row(plate: "@29C-100.03"),
            Self.row(plate: "-29C-100.04"),  // a dash is a plate separator: stored as 29C-100.04
            Self.row(firm: "=VNPOST", plate: "29C-100.05"), Self.row(firm: "+VNPOST", plate: "29C-100.06"),
            Self.row(firm: "-VNPOST", plate: "29C-100.07"), Self.row(firm: "@VNPOST", plate: "29C-100.08"),
        ])
        let reasons = Self.byRow(refused)
        #expect(reasons[2] == ["plate '=29C-100.01': character '=' is not allowed in a plate"])
        #expect(reasons[3] == ["plate '+29C-100.02': character '+' is not allowed in a plate"])
        #expect(reasons[4] == ["plate '@29C-100.03': character '@' is not allowed in a plate"])
        #expect(issued.map(\.plate) == ["29C-100.04"])
        for (row, firm) in [(6, "=VNPOST"), (7, "+VNPOST"), (8, "-VNPOST"), (9, "@VNPOST")] {
            #expect(reasons[row] == ["firm '\(firm)' is not registered (greenlane firm add)"])
        }
        #expect(issued.count == 1)
    }

    @Test func absurdDatesAreRefused() async throws {
        let (refused, issued) = try await Self.issue([
            Self.header,
            Self.row(plate: "29C-100.01", testAt: "0000-01-01"),
            Self.row(plate: "29C-100.02", testAt: "9999-12-31"),
            Self.row(plate: "29C-100.03", testAt: "2021-02-30"),
            Self.row(plate: "29C-100.04", testAt: "2021-07-27T08:00:00+07:00"),
            Self.row(plate: "29C-100.05", testAt: "2021-07-26T25:00:00+07:00"),
            Self.row(plate: "29C-100.06", validFrom: "9999-12-31"),
            Self.row(plate: "29C-100.07", validUntil: "0000-01-01"),
            Self.row(plate: "29C-100.08", validUntil: "2021-02-29"),
            Self.row(plate: "29C-100.09", testAt: "-2021-07-25"),
        ])
        #expect(issued.isEmpty, "\(issued)")
        let reasons = Self.byRow(refused)
        #expect(reasons[2] == ["test of -0001-12-31T17:00:00Z is older than 72 hours"])
        #expect(reasons[3] == ["test date 9999-12-31 is in the future"])
        #expect(reasons[4] == ["test date '2021-02-30' is not a date or RFC 3339 time"])
        #expect(reasons[5] == ["test date 2021-07-27T08:00:00+07:00 is in the future"])
        #expect(reasons[6] == ["test date '2021-07-26T25:00:00+07:00' is not a date or RFC 3339 time"])
        #expect(reasons[7]?.first?.hasPrefix("no validity left: the pass would end") == true)
        #expect(reasons[8] == ["no validity left: the pass would end (-0001-12-31T17:00:00Z) before it starts"])
        #expect(reasons[9] == ["valid-until '2021-02-29' is not a date or RFC 3339 time"])
        #expect(reasons[10] == ["test date '-2021-07-25' is not a date or RFC 3339 time"])
    }

    @Test func invalidUTF8RefusesTheWholeFile() async throws {
        var bytes = Array((Self.header + "\n" + Self.row(plate: "29C-100.01") + "\n").utf8)
        bytes += Array(Self.row(plate: "29C-100.02", name: "Nguyen Van An").utf8)
        // "Van" becomes V, a lone continuation byte, n: not UTF-8.
        let index = try #require(bytes.lastIndex(of: UInt8(ascii: "a")))
        bytes[index] = 0x80
        let error = #expect(throws: EngineError.self) { try RequestCSV.read(path: try Self.file(bytes)) }
        #expect(error?.code == .csv)
        #expect(error?.reason.contains("stopped near row 3") == true)
        #expect(error?.reason.hasSuffix("(is the file UTF-8 CSV?)") == true)
        // Latin-1 from an old spreadsheet: the first byte of "Nguyễn" in Windows-1258 is not UTF-8 either.
        let latin1 = Array((Self.header + "\n").utf8) + Array("VNPOST,29C-100.03,light-truck,Tr".utf8) + [0xE2]
            + Array("n An,001085012345,2021-07-25,essential-goods,ba-dinh,,\n".utf8)
        #expect(throws: EngineError.self) { try RequestCSV.read(path: try Self.file(latin1)) }
    }

    @Test func rowsWithTooManyOrTooFewColumnsAreRefusedAlone() async throws {
        let good = Self.row(plate: "29C-100.01")
        let (refused, issued) = try await Self.issue([
            Self.header, good, Self.row(plate: "29C-100.02") + ",extra", "VNPOST,29C-100.03,light-truck",
            Self.row(plate: "29C-100.04"),
        ])
        let reasons = Self.byRow(refused)
        #expect(reasons[3] == ["has 11 fields; the header has 10"])
        #expect(reasons[4] == ["has 3 fields; the header has 10"])
        #expect(issued.map(\.plate) == ["29C-100.01", "29C-100.04"])
    }

    @Test func hugeFieldsAreRefusedWithoutEchoingThemWhole() async throws {
        // At the field limit the file is read and the row alone refused; above it, the whole file (below).
        let huge = String(repeating: "A", count: CSVInputLimits.maxFieldBytes)
        let (refused, issued) = try await Self.issue([
            Self.header, Self.row(plate: "29C-100.01", name: huge), Self.row(plate: "29C-100.02"),
        ])
        let reasons = Self.byRow(refused)
        #expect(reasons[2] == ["driver name must be 2 to 96 bytes long"])
        #expect(issued.map(\.plate) == ["29C-100.02"])
    }

    /// The error for a file refused for its size or shape, which must say what and where.
    static func refusal(_ path: String) -> String? {
        let error = #expect(throws: EngineError.self) { try RequestCSV.read(path: path) }
        #expect(error?.code == .csv)
        return error?.reason
    }

    @Test func devZeroIsRefusedAsACharacterDeviceBeforeReadingIt() {
        // Before: CSV.swift read /dev/zero until the process was killed.
        #expect(Self.refusal("/dev/zero") == "/dev/zero is a character device, not a regular file: give a CSV file")
    }

    @Test func fifoIsRefusedWithoutWaitingForAWriter() async throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("hostile-\(UUID().uuidString).fifo").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        #expect(Self.refusal(path) == "\(path) is a FIFO (named pipe), not a regular file: give a CSV file")
    }

    @Test func fileJustOverTheSizeLimitIsRefusedBeforeReadingIt() async throws {
        // Sparse (ftruncate): no disk, and the check must come before any read.
        let path = try Self.file([Self.header, ""])
        defer { unlink(path) }
        #expect(truncate(path, off_t(CSVInputLimits.maxFileBytes + 1)) == 0)
        #expect(Self.refusal(path) == "\(path) has \(CSVInputLimits.maxFileBytes + 1) bytes, more than the limit of "
            + "\(CSVInputLimits.maxFileBytes) (512 MiB); split the batch")
        // At the limit the file is read, and its first row of zero bytes stops at the field limit.
        #expect(truncate(path, off_t(CSVInputLimits.maxFileBytes)) == 0)
        #expect(Self.refusal(path)
            == "\(path): row 2, column firm: field longer than 4096 bytes, the limit for one field")
    }

    @Test func fieldJustOverTheLimitIsRefusedWithItsRowAndColumn() async throws {
        let long = String(repeating: "A", count: CSVInputLimits.maxFieldBytes + 1)
        let path = try Self.file(
            [Self.header, Self.row(plate: "29C-100.01"), Self.row(plate: "29C-100.02", name: long)])
        defer { unlink(path) }
        let reason = Self.refusal(path)
        #expect(reason == "\(path): row 3, column driver_name: field longer than 4096 bytes, the limit for one field")
        // Quoted, with the quotes doubled inside: counted as written, and named the same way.
        let quoted = try Self.file([Self.header, Self.row(name: "\"" + String(repeating: "\"", count: 2_100))])
        defer { unlink(quoted) }
        #expect(Self.refusal(quoted) == "\(quoted): row 2, column driver_name: field longer than 4096 bytes, "
            + "the limit for one field")
        // In the header itself, the column is numbered.
        let header = try Self.file([long + "," + Self.header])
        defer { unlink(header) }
        #expect(Self.refusal(header)
            == "\(header): row 1, column 1: field longer than 4096 bytes, the limit for one field")
    }

    @Test func rowJustOverTheRecordLimitIsRefused() async throws {
        // Ten fields under the field limit, 16,390 bytes in all.
        let field = String(repeating: "A", count: 1_639)
        let path = try Self.file([Self.header, Array(repeating: field, count: 10).joined(separator: ",")])
        defer { unlink(path) }
        #expect(Self.refusal(path) == "\(path): row 2 is longer than 16384 bytes, the limit for one row")
    }

    @Test func quotedLineBreaksNeitherHideAHugeFieldNorShiftTheRowNumber() async throws {
        // 60 short lines inside one quoted field: one row, one field of 6,000 bytes. After a non-breaking space
        // the quote still opens a quoted field (CSV.swift trims Unicode white space), so the scan must agree.
        let lines = Array(repeating: String(repeating: "x", count: 99), count: 60).joined(separator: "\n")
        for opening in ["\"", "\u{00A0}\"", " \t\u{3000}\""] {
            let name = opening + lines + "\""
            let row = ["VNPOST", "29C-100.01", "light-truck", name, "001085012345", "2021-07-25", "essential-goods",
                       "ba-dinh", "", ""].joined(separator: ",")
            let path = try Self.file([Self.header, Self.row(plate: "29C-100.02", name: "A\nB\r\nC"), row])
            defer { unlink(path) }
            #expect(Self.refusal(path) == "\(path): row 3, column driver_name: field longer than 4096 bytes, "
                + "the limit for one field")
        }
        // A quoted line break in a short field is one row: the row after it is still row 3.
        let (refused, _) = try await Self.issue([Self.header, Self.row(plate: "29C-100.01", name: "Nguyễn\nVăn An"),
                                           Self.row(plate: "=29C")])
        #expect(Set(Self.byRow(refused).keys) == [2, 3])
    }

    @Test func utf16FileIsRefusedAsNotUTF8() async throws {
        let path = try Self.file([0xFF, 0xFE] + Array(Self.header.utf8).flatMap { [$0, 0] })
        defer { unlink(path) }
        #expect(Self.refusal(path) == "\(path) is UTF-16 or UTF-32 text; save it as UTF-8 CSV")
    }

    @Test func emptyFileIsRefusedForItsMissingHeader() async throws {
        for (content, reason) in [("", "cannot read the header row"), ("\u{FEFF}", "cannot read the header row"),
                                  ("\n", "missing column(s) firm, plate, vehicle_class")] {
            let path = try Self.file(Array(content.utf8))
            let error = #expect(throws: EngineError.self) { try RequestCSV.read(path: path) }
            #expect(error?.code == .csv)
            #expect(error?.reason.hasPrefix("\(path): \(reason)") == true, "\(error?.reason ?? "")")
        }
    }

    @Test func headerOnlyIsAnEmptyBatch() async throws {
        for lines in [[Self.header], [Self.header, ""], ["\u{FEFF}" + Self.header]] {
            let rows = try RequestCSV.read(path: try Self.file(lines))
            #expect(rows.requests.isEmpty && rows.malformed.isEmpty)
        }
        let (refused, issued) = try await Self.issue([Self.header])
        #expect(refused.isEmpty && issued.isEmpty)
    }

    @Test func unknownColumnIsRefused() async throws {
        let unknown = #expect(throws: EngineError.self) {
            try RequestCSV.read(path: try Self.file([Self.header + ",=cmd()", Self.row() + ",x"]))
        }
        #expect(unknown?.reason.hasSuffix("unknown column(s) =cmd()") == true)
    }
}

/// What the CSV tests look at in an issued permit.
struct PermitRecordView {
    var plate: String
    var firm: String
    var driverName: String
}
