import GreenlaneTestSupport
import Foundation
import GreenlaneQR
import GreenlaneScanner
import Testing

/// Runs tools that are independent of our code (qrencode, zbarimg, python3) for cross-checks.
enum Tool {
    struct Output {
        let status: Int32
        let stdout: Data
        let stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    static func run(_ name: String, _ arguments: [String], input: Data? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        // Read on other threads so a full pipe cannot block the tool.
        nonisolated(unsafe) var out = Data(), err = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { out = stdout.fileHandleForReading.readToEndRetryingInterrupts() }
        DispatchQueue.global().async(group: group) { err = stderr.fileHandleForReading.readToEndRetryingInterrupts() }
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: out, stderr: String(decoding: err, as: UTF8.self))
    }

    /// A fresh directory under the system temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("greenlane-qr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The module matrix `qrencode -l M -t ASCII -m 0` prints: rows of `##` (dark) and two spaces (light).
    static func qrencodeMatrix(_ text: String) throws -> [[Bool]] {
        let output = try run("qrencode", ["-l", "M", "-t", "ASCII", "-m", "0", "-o", "-", text])
        #expect(output.status == 0, "qrencode failed: \(output.stderr)")
        return output.text.split(separator: "\n").map { line in
            let characters = Array(line)
            return stride(from: 0, to: characters.count, by: 2).map { characters[$0] == "#" }
        }
    }

    /// Writes PNGs by hand with Python's zlib and struct (no imaging library): a check that our reader copes
    /// with colour types and depths our own writer never produces.
    static let pngWriter = #"""
        import struct, sys, zlib
        mode, path = sys.argv[1], sys.argv[2]
        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        def write(width, height, depth, colour, rows):
            raw = b"".join(b"\x00" + row for row in rows)
            ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
            png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw))
            png += chunk(b"IEND", b"")
            open(path, "wb").write(png)
        if mode == "white":
            write(200, 200, 8, 0, [b"\xff" * 200] * 200)
        elif mode == "wide":
            write(10001, 1, 8, 0, [b"\xff" * 10001])
        elif mode == "rgb16":
            matrix = [line.strip() for line in sys.stdin.read().split() if line.strip()]
            scale, quiet = 5, 4
            side = (len(matrix) + 2 * quiet) * scale
            dark, light = struct.pack(">HHH", 0x1A1A, 0x2323, 0x7E7E), struct.pack(">HHH", 0xFFFF, 0xF8F8, 0xE1E1)
            rows = []
            for y in range(side):
                my = y // scale - quiet
                row = b""
                for x in range(side):
                    mx = x // scale - quiet
                    inside = 0 <= my < len(matrix) and 0 <= mx < len(matrix)
                    row += dark if inside and matrix[my][mx] == "1" else light
                rows.append(row)
            write(side, side, 16, 2, rows)
        """#

    static func writePNG(_ mode: String, to url: URL, matrix: [[Bool]] = []) throws {
        let input = matrix.map { row in String(row.map { $0 ? "1" : "0" }) }.joined(separator: "\n")
        let output = try run("python3", ["-c", pngWriter, mode, url.path], input: Data(input.utf8))
        #expect(output.status == 0, "python3 failed: \(output.stderr)")
    }

    /// Whether python3's xml.etree parses the text; returns the error otherwise.
    static func xmlError(_ xml: String) throws -> String? {
        let script = "import sys, xml.etree.ElementTree as E\nE.fromstring(sys.stdin.buffer.read())"
        let output = try run("python3", ["-c", script], input: Data(xml.utf8))
        return output.status == 0 ? nil : output.stderr
    }
}

/// Test texts shaped like pass codes: `GL1:` and base45 characters, from a fixed generator.
enum Sample {
    static let base45 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")

    static func code(length: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> String {
        var state = seed
        var text = "GL1:"
        while text.count < length {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            text.append(base45[Int(state >> 33) % base45.count])
        }
        return text
    }

    /// Letters and symbols only: no digit runs that libqrencode could pack in numeric mode, so the version
    /// follows the alphanumeric capacity table exactly.
    static func alphanumericOnly(length: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
        return "GL1:" + String((0..<(length - 4)).map { letters[($0 * 7) % letters.count] })
    }
}

/// Expects `body` to throw a QRError with `code`, and returns the error for further checks.
@discardableResult
func expectQRError<R>(
    _ code: QRError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R
) -> QRError? {
    let error = #expect(throws: QRError.self, sourceLocation: sourceLocation) { _ = try body() }
    #expect(error?.code == code, "got \(String(describing: error))", sourceLocation: sourceLocation)
    return error
}

@discardableResult
func expectScanError<R>(
    _ code: ScanError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R
) -> ScanError? {
    let error = #expect(throws: ScanError.self, sourceLocation: sourceLocation) { _ = try body() }
    #expect(error?.code == code, "got \(String(describing: error))", sourceLocation: sourceLocation)
    return error
}
