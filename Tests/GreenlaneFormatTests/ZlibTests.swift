import GreenlaneTestSupport
import Foundation
import GreenlaneFormat
import Testing

@Suite struct ZlibTests {
    static let sample: [UInt8] = {
        var random = SplitMix64(seed: 1950)
        // Compressible but not trivial: random words from a small vocabulary, plus random bytes.
        let words = ["GL1", "plate", "29C-123.45", "district", "ambulance", "fire", "police", "window"]
        var bytes: [UInt8] = []
        while bytes.count < 100_000 {
            bytes += Array(words.randomElement(using: &random)!.utf8)
            bytes.append(UInt8.random(in: 0...255, using: &random))
        }
        return bytes
    }()

    @Test(arguments: [0, 1, 2, 100, 65_536, 100_000])
    func roundTrip(length: Int) throws {
        let input = Array(Self.sample.prefix(length))
        for level: Int32 in [-1, 0, 1, 6, 9, 42] {
            let compressed = Zlib.compress(input, level: level)
            // Deflate (CM 8) with a window no smaller than the input, up to 32 KiB (RFC 1950 2.2).
            let windowBits = Int(compressed[0] >> 4) + 8
            #expect(compressed[0] & 0x0F == 8 && (1 << windowBits) >= min(max(input.count, 512), 32_768))
            #expect((Int(compressed[0]) << 8 | Int(compressed[1])) % 31 == 0)
            #expect(try Zlib.decompress(compressed, maxOutput: length) == input)
            #expect(try Zlib.decompress(compressed, maxOutput: length + 1) == input)
            if length > 0 {
                let error = #expect(throws: FormatError.self) {
                    try Zlib.decompress(compressed, maxOutput: length - 1)
                }
                #expect(error?.code == .inflatedTooLarge)
                #expect(error?.layer == .zlib)
            }
        }
    }

    @Test func bombStopsAtTheLimit() {
        let bomb = Zlib.compress([UInt8](repeating: 0, count: 10_000_000))
        #expect(bomb.count < 20_000)
        let error = #expect(throws: FormatError.self) { try Zlib.decompress(bomb, maxOutput: 64 * 1024) }
        #expect(error?.code == .inflatedTooLarge)
        #expect(error?.layer == .zlib)
        #expect(error?.reason.contains("65536") == true)
    }

    /// A 1 GiB bomb made by Python: inflating it under a 64 KiB limit must not raise peak memory by much.
    @Test func bombDoesNotSpikeMemory() throws {
        let bomb = try python(
            "import zlib,sys\nc=zlib.compressobj(9)\nz=bytes(1<<20)\n"
                + "sys.stdout.buffer.write(b''.join(c.compress(z) for _ in range(1024))+c.flush())")
        #expect(bomb.count > 500_000 && bomb.count < 2_000_000)
        let before = peakResidentBytes()
        let error = #expect(throws: FormatError.self) { try Zlib.decompress(bomb, maxOutput: 64 * 1024) }
        #expect(error?.code == .inflatedTooLarge)
        #expect(peakResidentBytes() - before < 64 * 1024 * 1024)
    }

    @Test func corruptStream() {
        let good = Zlib.compress(Array(Self.sample.prefix(5000)))
        var header = good
        header[1] ^= 0x01  // breaks the FCHECK of RFC 1950 2.2
        var method = good
        method[0] = 0x79  // CM 9 is not deflate; 0x18 keeps the header check valid
        method[1] = 0x18
        var body = good
        body[2] = 0xFF  // BTYPE 11, reserved
        var checksum = good
        checksum[checksum.count - 1] ^= 0xFF
        for (bytes, message) in [
            (header, "incorrect header check"), (method, "unknown compression method"),
            (body, "invalid block type"), (checksum, "incorrect data check"),
            ([0x78, 0xBB, 0, 0, 0, 0] + good.dropFirst(2), "dictionary"),
        ] {
            let error = #expect(throws: FormatError.self) { try Zlib.decompress(bytes, maxOutput: 1 << 20) }
            #expect(error?.code == .corruptStream)
            #expect(error?.layer == .zlib)
            #expect(error?.reason.contains(message) == true, "\(message): \(error?.reason ?? "")")
        }
    }

    @Test func truncatedStream() {
        let good = Zlib.compress(Array(Self.sample.prefix(3000)))
        for length in 0..<good.count {
            let error = #expect(throws: FormatError.self) {
                try Zlib.decompress(Array(good.prefix(length)), maxOutput: 1 << 20)
            }
            #expect(error?.code == .corruptStream, "prefix of \(length)")
            #expect(error?.offset == length || error?.reason.contains("truncated") == false)
        }
    }

    @Test func trailingGarbage() {
        let good = Zlib.compress(Array("GL1 trailing".utf8))
        for garbage in [[0x00], [0x78, 0x9C], Array(good)] as [[UInt8]] {
            let error = #expect(throws: FormatError.self) {
                try Zlib.decompress(good + garbage, maxOutput: 1 << 20)
            }
            #expect(error?.code == .corruptStream)
            #expect(error?.offset == good.count)
        }
    }

    // MARK: Against an implementation we did not write

    @Test func inflatesWhatPythonCompressed() throws {
        let input = Array(Self.sample.prefix(50_000))
        for level in [0, 1, 9] {
            let compressed = try python(
                "import zlib,sys\nsys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(), \(level)))",
                input: input)
            #expect(try Zlib.decompress(compressed, maxOutput: input.count) == input)
        }
    }

    @Test func pythonInflatesWhatWeCompressed() throws {
        let input = Array(Self.sample.prefix(50_000))
        for level: Int32 in [0, 1, 9] {
            let inflated = try python(
                "import zlib,sys\nsys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))",
                input: Zlib.compress(input, level: level))
            #expect(inflated == input)
        }
    }
}

struct PythonFailed: Error, CustomStringConvertible {
    let description: String
}

/// Runs a python3 script, feeding `input` on stdin and returning stdout.
func python(_ script: String, input: [UInt8] = []) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    // Write on another thread so a full stdout pipe cannot deadlock us.
    let writer = Thread {
        stdin.fileHandleForWriting.write(Data(input))
        try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let output = stdout.fileHandleForReading.readToEndRetryingInterrupts()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw PythonFailed(description: "python3 exited \(process.terminationStatus)")
    }
    return [UInt8](output)
}

#if os(Linux)
// Glibc imports RUSAGE_SELF as an enum case where getrusage wants its raw value.
private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

/// Peak resident set size of this process so far.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF_WHO, &usage)
    #if os(Linux)
    return usage.ru_maxrss * 1024  // kilobytes on Linux
    #else
    return usage.ru_maxrss  // bytes on macOS
    #endif
}
