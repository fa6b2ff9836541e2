import CSV
import Foundation
import GreenlaneEngine
@testable import GreenlaneRequestCSV
import Testing

/// `RequestCSV` hands CSV.swift blocks of whole records as strings, without its trimming where no field needs it:
/// whatever the block size, every row must come out exactly as CSV.swift's own stream reader with `trimFields`
/// reads the whole file (what RequestCSV did before, and still the reference).
@Suite struct RequestCSVBlockTests {
    static let header = "firm,plate,vehicle_class,driver_name,driver_id,test_at,purpose,zones,valid_from,valid_until"

    /// Rows that put white space, quotes and line ends at every place where a block could be cut wrongly or a
    /// field trimmed differently.
    static let trickyRows = [
        "VNPOST,29C-100.01,light-truck,Nguyễn Văn An,001085012345,2021-07-25,essential-goods,ba-dinh,,",
        "VNPOST,29C-100.02,light-truck,\"Trần\nVăn\r\nBình\",001085012345,2021-07-25,essential-goods,\"ba-dinh,hoan-kiem\",,",
        "  VNPOST  ,29C-100.03 ,light-truck,\tLê Thị Hà\t,001085012345,2021-07-25,essential-goods,ba-dinh,,",
        "VNPOST,29C-100.04,light-truck, \"Phạm \"\"Tư\"\"\" ,001085012345,2021-07-25,essential-goods,ba-dinh,,",
        "VNPOST,29C-100.05,light-truck,\u{00A0}\"Hồ\nSơn\"\u{3000},001085012345,2021-07-25,essential-goods,ba-dinh,,",
        "",
        "VNPOST,29C-100.06,light-truck,Đỗ Văn Hà\u{00A0},001085012345,2021-07-25,essential-goods,ba-dinh,,",
        "VNPOST,29C-100.07,light-truck,Vũ\u{2009},001085012345,2021-07-25,essential-goods,ba-dinh",
        "VNPOST,29C-100.08,light-truck,\"x\"y,001085012345,2021-07-25,essential-goods,ba-dinh,,",
        "VNPOST,29C-100.09,light-truck,Ngô Bảo Châu,001085012345,2021-07-25,essential-goods,ba-dinh,, ",
    ]

    static func file(_ text: String) throws -> String { try file(bytes: Array(text.utf8)) }

    /// A temporary CSV file holding exactly `bytes` (which need not be UTF-8).
    static func file(bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("blocks-\(UUID().uuidString).csv")
        try Data(bytes).write(to: path)
        return path.path
    }

    /// Each row as CSV.swift's stream reader gives it, trimming on, header skipped; the row number of each.
    static func reference(_ path: String) throws -> [[String]] {
        let reader = try CSVReader(stream: InputStream(fileAtPath: path)!, hasHeaderRow: true, trimFields: true)
        var rows: [[String]] = []
        while let row = reader.next() { rows.append(row) }
        return rows
    }

    static func fields(_ request: PermitRequest) -> [String] {
        [request.firmID, request.plate, request.vehicleClass, request.driverName, request.driverID, request.testAt,
         request.purpose, request.zones, request.validFrom ?? "", request.validUntil ?? ""]
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func blocksCutAtEveryRecordReadAsCSVSwiftReadsTheWholeFile(lineEnd: String) throws {
        let path = try Self.file(([Self.header] + Self.trickyRows).joined(separator: lineEnd) + lineEnd)
        defer { unlink(path) }
        let expected = try Self.reference(path)
        // The same rows, numbered as before: blank lines count, malformed rows are refused alone.
        let expectedRequests = expected.enumerated().filter { $0.element.count == 10 }
        let expectedMalformed = expected.enumerated().filter { $0.element.count != 10 && $0.element != [""] }
        for blockBytes in [1, 7, 64, 1 << 20] {
            for lanes in [1, 2, 4] {
            let rows = try RequestCSV.read(path: path, blockBytes: blockBytes, lanes: lanes)
            #expect(rows.requests.map(Self.fields) == expectedRequests.map(\.element), "block \(blockBytes), \(lanes) lanes")
            #expect(rows.requests.map(\.source.rowNumber) == expectedRequests.map { $0.offset + 2 })
            #expect(rows.malformed.map(\.source.rowNumber) == expectedMalformed.map { $0.offset + 2 })
            }
        }
        // The trimming was needed, and done: the reference trimmed these.
        #expect(expected[2][0] == "VNPOST" && expected[2][3] == "Lê Thị Hà")
        #expect(expected[4][3] == "Hồ\nSơn")
    }

    @Test func fileWithoutEdgeSpaceIsReadWithoutTrimmingAndTheSame() throws {
        let rows = (1...50).map { index in
            "VNPOST,29C-1\(String(format: "%02d", index)).01,light-truck,\"Nguyễn, Văn \(index)\",001085012345,"
                + "2021-07-25,essential-goods,\"ba-dinh,hoan-kiem\",,"
        }
        let path = try Self.file(([Self.header] + rows).joined(separator: "\n"))
        defer { unlink(path) }
        let input = try BoundedCSVInput(path: path)
        let block = try #require(try input.nextRecords(minimumBytes: 1 << 20))
        #expect(!block.trimmed, "no field has white space at an end: CSV.swift's trimming is skipped")
        let read = try RequestCSV.read(path: path, blockBytes: 100)
        #expect(read.requests.map(Self.fields) == (try Self.reference(path)))
    }

    @Test func badUTF8InALaterBlockNamesItsRow() throws {
        var bytes = Array(([Self.header] + Self.trickyRows.prefix(4)).joined(separator: "\n").utf8)
        bytes += Array("\nVNPOST,29C-100.10,light-truck,Nguyen V".utf8) + [0xC3, 0x28]
            + Array("n,001085012345,2021-07-25,essential-goods,ba-dinh,,\n".utf8)
        let path = try Self.file(bytes: bytes)
        defer { unlink(path) }
        for blockBytes in [1, 1 << 20] {
            for lanes in [1, 2, 4] {
                let error = #expect(throws: EngineError.self) {
                    try RequestCSV.read(path: path, blockBytes: blockBytes, lanes: lanes)
                }
                // Row 3's quoted line breaks do not shift the count: the bad row is the file's sixth.
                #expect(error?.reason == "\(path): stopped near row 6: the text cannot be read (is the file UTF-8 CSV?)")
            }
        }
    }

    /// Blocks are parsed on other threads while the reading goes on, so a later block's problem can be found
    /// first: the file's first problem is still the one reported, and nothing after a problem is issued.
    @Test func theFirstProblemInTheFileIsReportedWhicheverBlockFailsFirst() throws {
        func good(_ rows: ClosedRange<Int>) -> [UInt8] {
            rows.flatMap { index in
                Array("VNPOST,29C-\(index).01,light-truck,An,001085012345,2021-07-25,essential-goods,ba-dinh,,\n".utf8)
            }
        }
        // Rows 2 to 1,000 are good; row 1,001 has bytes that are not UTF-8; rows 1,002 to 2,000 are good again
        // (more than the 64 KiB the reading scans ahead of a block's end); row 2,001's driver name breaks the
        // field limit, which the reading finds while the block with row 1,001 may still be parsing.
        var bytes = Array((Self.header + "\n").utf8) + good(2...1_000)
        bytes += Array("VNPOST,29C-100.10,light-truck,Nguyen V".utf8)
        let bad = bytes.endIndex
        bytes += [0xC3, 0x28] + Array("n,001085012345,2021-07-25,essential-goods,ba-dinh,,\n".utf8)
        bytes += good(1_002...2_000)
        bytes += Array("VNPOST,29C-300.01,light-truck,\(String(repeating: "A", count: 5_000)),001,x,y,z,,\n".utf8)
        let path = try Self.file(bytes: bytes)
        defer { unlink(path) }
        for blockBytes in [200, 64 << 10] {
            for lanes in [1, 2, 4] {
                let error = #expect(throws: EngineError.self) {
                    try RequestCSV.read(path: path, blockBytes: blockBytes, lanes: lanes)
                }
                #expect(error?.reason == "\(path): stopped near row 1001: the text cannot be read (is the file UTF-8 CSV?)",
                        "block \(blockBytes), \(lanes) lanes")
            }
        }
        // Without the bad text, the field limit is what stops it, naming its row.
        bytes.removeSubrange(bad..<bad + 2)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        for lanes in [1, 2, 4] {
            let error = #expect(throws: EngineError.self) {
                try RequestCSV.read(path: path, blockBytes: 64 << 10, lanes: lanes)
            }
            #expect(error?.reason.contains("row 2001, column driver_name: field longer than") == true)
        }
    }
}

extension String {
    /// `file.csv row 12` → 12.
    fileprivate var rowNumber: Int { Int(split(separator: " ").last!)! }
}
