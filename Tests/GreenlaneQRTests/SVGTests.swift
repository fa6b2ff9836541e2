import Foundation
import GreenlaneQR
import GreenlaneScanner
import Testing

@Suite struct SVGTests {
    @Test func svgParsesAndIncludesQuietZone() throws {
        let code = try QRCode(encoding: Sample.code(length: 300))
        let svg = code.svg()
        #expect(try Tool.xmlError(svg) == nil)
        #expect(svg.contains("viewBox=\"0 0 65 65\""))  // 57 modules + 2 x 4 quiet zone
        #expect(svg.contains("shape-rendering=\"crispEdges\""))
        #expect(svg.components(separatedBy: "<path").count == 2)
        #expect(!svg.contains("mm\""))
        #expect(svg.contains("width=\"520\" height=\"520\""))  // 8 px a module, as the PNG
        // The first dark module is the finder pattern's corner, just inside the quiet zone.
        #expect(svg.contains("d=\"M4 4h7v1h-7z"))
    }

    @Test func svgSizeInMillimetres() throws {
        let code = try QRCode(encoding: "HELLO")
        let svg = code.svg(quietZone: 2, sizeInMillimetres: 30.5)
        #expect(try Tool.xmlError(svg) == nil)
        #expect(svg.contains("viewBox=\"0 0 25 25\""))
        #expect(svg.contains("width=\"30.5mm\" height=\"30.5mm\""))
        #expect(!code.svg(sizeInMillimetres: .nan).contains("mm\""))
        #expect(code.svg(quietZone: 2, sizeInMillimetres: .nan).contains("width=\"200\" height=\"200\""))
    }

    @Test func svgRendersTheModules() throws {
        // Every dark module is covered by exactly one run in the path, and nothing else is.
        let code = try QRCode(encoding: "GL1:TEST")
        let path = code.svg(quietZone: 0).split(separator: "d=\"")[1].prefix { $0 != "\"" }
        var covered = Set<Int>()
        for run in path.split(separator: "z") {
            let numbers = run.dropFirst().split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            try #require(numbers.count == 5)
            for x in numbers[0]..<numbers[0] + numbers[2] {
                #expect(covered.insert(numbers[1] * code.size + x).inserted)
            }
        }
        let dark = (0..<code.size * code.size).filter { code.isDark(x: $0 % code.size, y: $0 / code.size) }
        #expect(covered == Set(dark))
    }
}

@Suite struct TerminalTests {
    @Test(arguments: [(2, false), (2, true), (3, false), (0, true), (4, false)])
    func linesHaveEqualWidth(quietZone: Int, invert: Bool) throws {
        let code = try QRCode(encoding: Sample.code(length: 300))
        let text = code.terminalText(quietZone: quietZone, invert: invert)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let side = code.size + 2 * quietZone
        #expect(lines.count == (side + 1) / 2)
        #expect(lines.allSatisfy { $0.count == side })
        #expect(text.allSatisfy { "▀▄█ \n".contains($0) })
    }

    @Test(arguments: [false, true])
    func halfBlocksEncodeTheModules(invert: Bool) throws {
        let code = try QRCode(encoding: "HELLO")
        let quiet = 2
        let lines = code.terminalText(quietZone: quiet, invert: invert).split(separator: "\n").map(Array.init)
        for y in 0..<code.size {
            for x in 0..<code.size {
                let cell = lines[(y + quiet) / 2][x + quiet]
                let upper = (y + quiet) % 2 == 0
                let foreground = upper ? (cell == "▀" || cell == "█") : (cell == "▄" || cell == "█")
                // Default: light modules are drawn (dark-background terminal); inverted: dark ones.
                #expect(foreground == (code.isDark(x: x, y: y) == invert), "module \(x),\(y)")
            }
        }
        // The quiet zone's first row is all light.
        #expect(lines[0].allSatisfy { invert ? $0 != "█" : $0 == "█" })
    }

    /// SERIAL.svg as `issue --out` writes it, rasterised by rsvg-convert at its own size (no -w, no -z), reads.
    @Test(arguments: [120, 292, 475])
    func svgRasterisedAtItsOwnSizeReads(length: Int) throws {
        let text = Sample.code(length: length, seed: 11)
        let code = try QRCode(encoding: text)
        let directory = try Tool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let svg = directory.appendingPathComponent("SERIAL.svg"), png = directory.appendingPathComponent("own.png")
        try Data(code.svg().utf8).write(to: svg)
        let output = try Tool.run("rsvg-convert", ["-o", png.path, svg.path])
        try #require(output.status == 0, "rsvg-convert: \(output.stderr)")
        let bytes = try [UInt8](Data(contentsOf: png))
        let image = try QRReader.grayPixels(image: bytes)
        #expect(image.width == (code.size + 8) * QRCode.svgPixelsPerModule && image.height == image.width)
        #expect(try QRReader.read(image: bytes) == [text])
    }
}
