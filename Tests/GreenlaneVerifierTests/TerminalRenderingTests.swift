import Foundation
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneVerifier
import Testing

/// What an officer sees on a terminal when shown a hostile code: `greenlane verify` runs on a pseudo-terminal
/// and the pyte terminal emulator (PyPI) renders its output (Tests/Interop/render_terminal.py). The first line
/// must be the true verdict, and nothing from the code may leave its block or drive the terminal.
@Suite struct TerminalRenderingTests {
    /// Cursor up, erase the line, and a fake green banner: what a forged sticker would like the screen to show.
    static let hostileName = "Kẻ Gian\u{1B}[1A\u{1B}[2K\u{1B}[42m  ✔  HỢP LỆ — ĐƯỢC QUA CHỐT\u{202E}"

    @Test func theSignerRefusesControlCharactersInNames() throws {
        var claims = try sampleClaims()
        claims.permit.driverName = Self.hostileName
        let signer = PassSigner(key: try demoKey("demo-es256"))
        #expect(throws: (any Error).self) { try signer.passCode(for: claims) }
    }

    @Test func hostileCodesRenderTheTrueVerdictAndKeepTheirTextInTheirBlock() throws {
        guard let binary = Interop.greenlaneBinary() else {
            Issue.record("greenlane binary not found: build it with `swift build --product greenlane`")
            return
        }
        // What only a forger can make: an unsigned code whose driver name carries terminal controls.
        var claims = try sampleClaims()
        claims.permit.driverName = Self.hostileName
        let signer = PassSigner(key: try demoKey("demo-es256"))
        let forged = COSESign1(protected: signer.protectedHeader, payload: claims.encoded())
        let forgedCode = PassCode.encode(
            forged.signed(with: [UInt8](repeating: 0x33, count: 64)).encoded(), compression: .never)

        let base = ["--trust", "Keys/demo-trust.json", "--at", "2021-07-26T10:00:00+07:00", "--zone", "dong-da",
                    "--revocations", "Samples/codes/revocations.glr"]
        func verify(_ source: [String], _ more: [String] = []) -> [String] {
            [binary.path, "verify"] + source + base + more
        }
        func sample(_ name: String) -> [String] { ["--file", "Samples/codes/\(name).txt"] }
        let escapedIssuer = "\\u{001B}[2J\\u{001B}[42m"
        let cases: [[String: Any]] = [
            [
                "name": "forged code, hostile issuer (en)", "args": verify(sample("hostile-unsigned"), ["--lang", "en"]),
                "exit": 1, "banner": "✘  NOT VALID — DO NOT LET PASS", "colour": "red",
                "block_start": "What the code says (NOT verified):", "block_end": "(end of the unverified part)",
                "inside": [escapedIssuer, "29C-123.45", "Nguyễn Văn An", "HN-000130"],
            ],
            [
                "name": "forged code, hostile issuer (vi)", "args": verify(sample("hostile-unsigned"), ["--lang", "vi"]),
                "exit": 1, "banner": "✘  KHÔNG HỢP LỆ — KHÔNG ĐƯỢC QUA", "colour": "red",
                "block_start": "Nội dung ghi trên mã (CHƯA được xác thực):", "block_end": "(hết phần chưa xác thực)",
                "inside": [escapedIssuer, "29C-123.45", "Nguyễn Văn An", "HN-000130"],
            ],
            [
                "name": "signed pass, hostile issuer, training",
                "args": verify(sample("hostile-signed"), ["--lang", "en", "--training"]),
                "exit": 1, "banner": "✘  NOT VALID — DO NOT LET PASS", "colour": "red",
                "block_start": "Signed by DEMO", "block_end": "Checked at:", "inside": [escapedIssuer, "HN-000130"],
                "never": ["What the code says (NOT verified)"],
            ],
            [
                "name": "signed pass, hostile issuer, demo key", "args": verify(sample("hostile-signed"), ["--lang", "en"]),
                "exit": 5, "banner": "⚠  DEMO PASS — NOT A REAL PASS, DO NOT LET PASS", "colour": "brown",
                "block_start": "Signed by DEMO", "block_end": "Checked at:", "inside": [escapedIssuer],
            ],
            [
                "name": "forged code, hostile driver name (en)", "args": verify(["--lang", "en", forgedCode]),
                "exit": 2, "banner": "?  CANNOT READ THE CODE — SCAN AGAIN", "colour": "brown",
                "never": ["Kẻ Gian", "HỢP LỆ", "NOT verified"],
            ],
            [
                "name": "forged code, hostile driver name (vi)", "args": verify(["--lang", "vi", forgedCode]),
                "exit": 2, "banner": "?  KHÔNG ĐỌC ĐƯỢC MÃ — HÃY QUÉT LẠI", "colour": "brown",
                "never": ["Kẻ Gian", "ĐƯỢC QUA CHỐT", "CHƯA được xác thực"],
            ],
            [
                "name": "some other QR code", "args": verify(["--lang", "en", "https://tokhaiyte.vn/?id=1"]),
                "exit": 2, "banner": "?  NOT A GREEN-LANE CODE", "colour": "brown", "never": ["tokhaiyte"],
            ],
            [
                "name": "valid pass, green", "args": verify(sample("valid-es256"), ["--lang", "en", "--training"]),
                "exit": 0, "banner": "✔  VALID — MAY PASS", "colour": "green",
            ],
            [
                "name": "NO_COLOR: no coloured banner", "args": verify(sample("valid-es256"), ["--lang", "en", "--training"]),
                "env": ["NO_COLOR": "1"], "exit": 0, "banner": String(repeating: "═", count: 48), "colour": NSNull(),
            ],
        ]
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("cases.json")
        try JSONSerialization.data(withJSONObject: cases).write(to: file)
        let run = try Interop.python(["render_terminal.py", file.path])
        print(run.stdout)
        guard Interop.packagesPresent(run) else { return }
        #expect(run.status == 0, "render_terminal.py:\n\(run.stdout)\(run.stderr)")
        #expect(run.stdout.hasSuffix("\(cases.count) passed, 0 failed\n"), "\(run.stdout)")
    }
}
