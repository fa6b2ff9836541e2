import Foundation
import GreenlaneQR
import GreenlaneScanner
import Testing

@Suite struct ReaderTests {
    @Test func ourPNGReadsBackWithOurReader() throws {
        let text = Sample.code(length: 300)
        let png = try QRCode(encoding: text).png()
        #expect(try QRReader.read(image: png) == [text])
    }

    @Test func ourPNGIsGrayscaleOfTheRightSize() throws {
        let code = try QRCode(encoding: "HELLO")
        let png = try code.png(moduleSize: 3, quietZone: 4)
        // IHDR: width and height big-endian at offsets 16 and 20, bit depth 24, colour type 25.
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == (code.size + 8) * 3)
        #expect(png[24] == 8 && png[25] == 0)
    }

    @Test func zbarimgReadsOurPNG() throws {
        let text = Sample.code(length: 311)
        let directory = try Tool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("code.png")
        try Data(QRCode(encoding: text).png(moduleSize: 4)).write(to: file)
        let output = try Tool.run("zbarimg", ["--raw", "-q", file.path])
        #expect(output.status == 0, "zbarimg: \(output.stderr)")
        #expect(output.text.trimmingCharacters(in: .newlines) == text)
    }

    @Test(arguments: [
        ["-t", "PNG"],  // 1-bit palette
        ["-t", "PNG", "--foreground=1A237E", "--background=FFF8E1"],  // coloured palette
        ["-t", "PNG32"],  // 8-bit RGBA
        ["-t", "PNG32", "--background=00000000"],  // transparent black background: needs compositing
    ])
    func readsPNGsMadeByQrencode(options: [String]) throws {
        let text = Sample.code(length: 300, seed: 7)
        let directory = try Tool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("qrencode.png")
        let output = try Tool.run("qrencode", ["-l", "M", "-s", "4", "-o", file.path] + options + [text])
        try #require(output.status == 0, "qrencode: \(output.stderr)")
        #expect(try QRReader.read(imageAt: file.path) == [text])
    }

    @Test func reads16BitRGBWrittenByHand() throws {
        let text = Sample.code(length: 120, seed: 3)
        let directory = try Tool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rgb16.png")
        try Tool.writePNG("rgb16", to: file, matrix: try Tool.qrencodeMatrix(text))
        let header = try Data(contentsOf: file)
        #expect(header[24] == 16 && header[25] == 2)  // really 16-bit RGB
        #expect(try QRReader.read(imageAt: file.path) == [text])
    }

    @Test func readsEveryCodeInAnImage() throws {
        // Two symbols side by side, stitched from qrencode's module matrices into one hand-written PNG.
        let first = try Tool.qrencodeMatrix("FIRST CODE")
        let second = try Tool.qrencodeMatrix("SECOND CODE")
        try #require(first.count == second.count)
        let gap = [Bool](repeating: false, count: 8)
        let stitched = zip(first, second).map { $0 + gap + $1 }
        // Pad to a square so the hand-written PNG helper can be reused.
        let width = stitched[0].count
        let blank = [Bool](repeating: false, count: width)
        let square = stitched + [[Bool]](repeating: blank, count: width - stitched.count)
        let directory = try Tool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("two.png")
        try Tool.writePNG("rgb16", to: file, matrix: square)
        #expect(try Set(QRReader.read(imageAt: file.path)) == ["FIRST CODE", "SECOND CODE"])
    }

    @Test func blankImageHasNoCode() throws {
        let directory = try Tool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("white.png")
        try Tool.writePNG("white", to: file)
        let error = expectScanError(.noCodeFound) { try QRReader.read(imageAt: file.path) }
        #expect(error?.reason.contains(file.path) == true)
    }

    @Test func oversizedImageIsRefusedBeforeDecoding() throws {
        let directory = try Tool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("wide.png")
        try Tool.writePNG("wide", to: file)
        expectScanError(.imageTooLarge) { try QRReader.read(imageAt: file.path) }
    }

    @Test func neitherPNGNorJPEGIsUnsupported() throws {
        expectScanError(.unsupportedImage) { try QRReader.read(image: Array("GL1:ABC".utf8)) }
        expectScanError(.unsupportedImage) { try QRReader.read(image: []) }
        let directory = try Tool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("code.svg")
        try Data(QRCode(encoding: "HELLO").svg().utf8).write(to: file)
        expectScanError(.unsupportedImage) { try QRReader.read(imageAt: file.path) }
    }

    @Test func truncatedPNGIsCorrupt() throws {
        let png = try QRCode(encoding: "HELLO").png()
        expectScanError(.corruptImage) { try QRReader.read(image: Array(png.prefix(png.count / 2))) }
        expectScanError(.corruptImage) { try QRReader.read(image: Array(png.prefix(20))) }
    }

    @Test func missingFileIsUnreadable() {
        let path = "/nonexistent/greenlane/code.png"
        let error = expectScanError(.unreadableFile) { try QRReader.read(imageAt: path) }
        #expect(error?.reason.contains(path) == true)
        expectScanError(.unreadableFile) { try QRReader.read(imageAt: "/tmp") }
    }

    @Test func pngArgumentsAreChecked() throws {
        let code = try QRCode(encoding: "HELLO")
        expectQRError(.invalidArgument) { try code.png(moduleSize: 0) }
        expectQRError(.invalidArgument) { try code.png(quietZone: 3) }
    }

    /// A small JPEG made by Pillow: `width` x `height` white with a black 10 x 10 block at the stored top-left,
    /// with an EXIF orientation tag when `orientation` is given.
    static func jpeg(width: Int, height: Int, orientation: Int?) throws -> [UInt8] {
        let script = """
            import io, sys; from PIL import Image
            w, h, o = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
            image = Image.new("L", (w, h), 255); image.paste(0, (0, 0, 10, 10))
            exif = Image.Exif()
            if o: exif[0x0112] = o
            out = io.BytesIO(); image.save(out, "JPEG", quality=95, exif=exif.tobytes()); sys.stdout.buffer.write(out.getvalue())
            """
        let output = try Tool.run("python3", ["-c", script, "\(width)", "\(height)", "\(orientation ?? 0)"])
        try #require(output.status == 0, "python3 with Pillow: \(output.stderr)")
        return [UInt8](output.stdout)
    }

    @Test(arguments: [
        // orientation: displayed size, and where the stored top-left block is shown (x, y of its centre)
        (nil, 40, 20, 5, 5), (1, 40, 20, 5, 5), (3, 40, 20, 34, 14), (6, 20, 40, 14, 5), (8, 20, 40, 5, 34),
        (2, 40, 20, 34, 5), (5, 20, 40, 5, 5),
    ] as [(Int?, Int, Int, Int, Int)])
    func jpegExifOrientationIsApplied(orientation: Int?, width: Int, height: Int, x: Int, y: Int) throws {
        let image = try QRReader.grayPixels(image: Self.jpeg(width: 40, height: 20, orientation: orientation))
        #expect(image.width == width && image.height == height)
        #expect(image.pixels[y * image.width + x] < 64, "the block is not at (\(x), \(y))")
        #expect(image.pixels[(height - 1 - y) * image.width + (width - 1 - x)] > 192)
    }

    @Test func jpegQRCodeReads() throws {
        let text = Sample.code(length: 292, seed: 5)
        let directory = try Tool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let png = directory.appendingPathComponent("code.png"), jpg = directory.appendingPathComponent("code.jpg")
        try Data(QRCode(encoding: text).png(moduleSize: 4)).write(to: png)
        let output = try Tool.run("python3", ["-c", """
            import sys; from PIL import Image
            Image.open(sys.argv[1]).convert("RGB").save(sys.argv[2], "JPEG", quality=70)
            """, png.path, jpg.path])
        try #require(output.status == 0, "python3 with Pillow: \(output.stderr)")
        #expect(try QRReader.read(imageAt: jpg.path) == [text])
    }

    /// The frame header's size is checked before libjpeg allocates anything: a small file claiming a huge image.
    @Test(arguments: [(20_000, 100), (100, 10_001), (9_000, 9_000)])
    func oversizedJPEGIsRefusedBeforeDecoding(width: Int, height: Int) throws {
        var bytes = try Self.jpeg(width: 40, height: 20, orientation: nil)
        let sof = try #require((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 5] = UInt8(height >> 8)
        bytes[sof + 6] = UInt8(height & 0xFF)
        bytes[sof + 7] = UInt8(width >> 8)
        bytes[sof + 8] = UInt8(width & 0xFF)
        expectScanError(.imageTooLarge) { try QRReader.read(image: bytes) }
    }

    @Test func truncatedJPEGIsCorruptOrUnreadable() throws {
        let bytes = try Self.jpeg(width: 40, height: 20, orientation: 6)
        expectScanError(.corruptImage) { try QRReader.read(image: Array(bytes.prefix(3))) }
        // libjpeg pads a cut-off scan with grey and warns; the image then holds no code.
        #expect(throws: ScanError.self) { try QRReader.read(image: Array(bytes.prefix(bytes.count / 2))) }
    }
}
