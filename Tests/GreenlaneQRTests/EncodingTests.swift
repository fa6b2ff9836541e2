import GreenlaneFormat
import GreenlaneQR
import Testing

@Suite struct EncodingTests {
    @Test func passCodeOf300CharactersIsVersion10() throws {
        let text = Sample.code(length: 300)
        #expect(text.count == 300)
        let code = try QRCode(encoding: text)
        #expect(code.version == 10)
        #expect(code.size == 57)
    }

    @Test(arguments: [(311, 10), (312, 11), (262, 9), (263, 10)])
    func versionFollowsLevelMAlphanumericCapacity(length: Int, version: Int) throws {
        let code = try QRCode(encoding: Sample.alphanumericOnly(length: length))
        #expect(code.version == version)
        #expect(code.version == QRCapacity.version(alphanumericCount: length))
        #expect(code.size == 17 + 4 * version)
    }

    @Test(arguments: ["HELLO", "GL1:" + String(repeating: "A", count: 40), Sample.code(length: 300)])
    func matrixMatchesQrencodeCommandLine(text: String) throws {
        let code = try QRCode(encoding: text)
        let reference = try Tool.qrencodeMatrix(text)
        try #require(reference.count == code.size, "qrencode made a \(reference.count)-module symbol")
        for y in 0..<code.size {
            let ours = (0..<code.size).map { code.isDark(x: $0, y: y) }
            #expect(ours == reference[y], "row \(y) differs")
        }
    }

    @Test func outsideTheSymbolIsLight() throws {
        let code = try QRCode(encoding: "HELLO")
        #expect(code.isDark(x: 0, y: 0))  // corner of a finder pattern
        #expect(!code.isDark(x: -1, y: 0))
        #expect(!code.isDark(x: 0, y: code.size))
    }

    @Test func unencodableTextIsRefused() {
        expectQRError(.invalidText) { try QRCode(encoding: "") }
        expectQRError(.invalidText) { try QRCode(encoding: "A\u{0}B") }
        // Fits the byte bound but not version 40-M (3,391 alphanumeric characters).
        expectQRError(.textTooLong) { try QRCode(encoding: String(repeating: "A", count: 3_500)) }
        expectQRError(.textTooLong) { try QRCode(encoding: String(repeating: "a", count: 100_000)) }
    }

    @Test func errorsSayWhatWasWrong() throws {
        let error = #expect(throws: QRError.self) { try QRCode(encoding: String(repeating: "A", count: 3_500)) }
        #expect(error?.code == .textTooLong)
        #expect(error?.reason.contains("3500 bytes") == true)
    }
}
