import GreenlaneTestSupport
import Foundation
import GreenlaneCheckpointCLI
import Testing

/// `greenlane` is the checkpoint's binary: it must stay free of the registry's libraries (that is what makes
/// `greenlane verify` start fast) and hand every other command to greenlane-office.
@Suite struct LeanBinaryTests {
    /// The shared libraries the dynamic loader maps for a binary, by file name (from `ldd`).
    func sharedLibraries(_ binary: URL) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        process.arguments = [binary.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readToEndRetryingInterrupts(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return text.split(separator: "\n").compactMap { line in
            line.split(whereSeparator: \.isWhitespace).first.map(String.init)
        }
    }

    @Test func checkpointBinaryLinksNoRegistryImageOrFoundationLibrary() throws {
        let libraries = try sharedLibraries(greenlaneBinary)
        #expect(libraries.contains { $0.hasPrefix("libcrypto.so") })
        // The image libraries too: libgreenlane-scanner.so and what it needs are opened on the first --image.
        for unwanted in ["libsqlite3", "libpng", "libqrencode", "libzbar", "libFoundation.so", "lib_FoundationICU",
                         "libFoundationInternationalization", "libZXing", "libjpeg", "libexif", "libgreenlane"] {
            #expect(!libraries.contains { $0.hasPrefix(unwanted) }, "greenlane links \(unwanted)")
        }
        let office = try sharedLibraries(greenlaneBinary.deletingLastPathComponent().appendingPathComponent(
            "greenlane-office"))
        #expect(office.contains { $0.hasPrefix("libsqlite3") })
    }

    @Test func helpListsEveryCommandAndOfficeCommandsRunThroughTheCheckpointBinary() throws {
        let help = try greenlane(["--help"])
        #expect(help.status == 0)
        for command in ["keys", "verify", "inspect", "firm", "issue", "show", "revoke", "revocations", "renew",
                        "list", "stats", "log"] {
            #expect(help.stdout.contains("\n  \(command) "), "--help does not list \(command)")
        }
        let folder = try temporaryDirectory()
        let path = folder.appendingPathComponent("r.sqlite").path
        let made = try greenlane(["registry", "init", "--policy", "Samples/policy.json", "--registry", path])
        #expect(made.status == 0, "\(made.stderr)")
        let firms = try greenlane(["firm", "list", "--registry", path])
        #expect(firms.status == 0, "\(firms.stderr)")
    }

    @Test func officeCommandWithoutGreenlaneOfficeIsAClearSetupError() throws {
        // The checkpoint binary alone, as it would be installed on a checkpoint device.
        let folder = try temporaryDirectory()
        let alone = folder.appendingPathComponent("greenlane")
        try FileManager.default.copyItem(at: greenlaneBinary, to: alone)
        let process = Process()
        process.executableURL = alone
        process.arguments = ["list"]
        process.environment = ["PATH": "/nonexistent"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readToEndRetryingInterrupts(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 3)
        // From the catalogue, in the officer's language, with the English reason as the detail.
        #expect(message.hasPrefix("greenlane: "))
        #expect(message.contains("this command is run by greenlane-office, which could not be started ("
            + folder.path))
        #expect(message.contains("install greenlane-office \(GreenlaneVersion.current) next to greenlane"))
        // Its own commands still work there.
        let code = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/valid-es256.txt"),
                              encoding: .utf8)
        let verify = Process()
        verify.executableURL = alone
        verify.arguments = ["verify", code.trimmingCharacters(in: .whitespacesAndNewlines), "--trust",
                            repositoryRoot.appendingPathComponent("Keys/demo-trust.json").path,
                            "--at", "2021-07-26T10:00:00+07:00", "--json", "--training", "--waive-revocations", "--zone", "dong-da"]
        verify.standardOutput = Pipe()
        try verify.run()
        verify.waitUntilExit()
        #expect(verify.terminationStatus == 0)
    }

    /// `verify --image` runs in the checkpoint binary itself, greenlane-office out of reach: a phone-style JPEG,
    /// stored sideways with an EXIF orientation tag, read through libgreenlane-scanner.so beside the binary.
    @Test func checkpointBinaryAloneVerifiesAJPEG() throws {
        let folder = try temporaryDirectory()
        let alone = folder.appendingPathComponent("greenlane")
        try FileManager.default.copyItem(at: greenlaneBinary, to: alone)
        let scanner = greenlaneBinary.deletingLastPathComponent().appendingPathComponent("libgreenlane-scanner.so")
        try FileManager.default.copyItem(at: scanner, to: folder.appendingPathComponent("libgreenlane-scanner.so"))
        let code = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/valid-es256.txt"),
                              encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let png = folder.appendingPathComponent("code.png"), jpeg = folder.appendingPathComponent("code.jpg")
        let qrencode = Process()
        qrencode.executableURL = URL(fileURLWithPath: "/usr/bin/qrencode")
        qrencode.arguments = ["-l", "M", "-s", "6", "-o", png.path, code]
        try qrencode.run()
        qrencode.waitUntilExit()
        try #require(qrencode.terminationStatus == 0)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", """
            import sys; from PIL import Image
            image = Image.open(sys.argv[1]).convert("RGB").transpose(Image.Transpose.ROTATE_90)
            exif = Image.Exif(); exif[0x0112] = 6
            image.save(sys.argv[2], "JPEG", quality=85, exif=exif.tobytes())
            """, png.path, jpeg.path]
        try python.run()
        python.waitUntilExit()
        try #require(python.terminationStatus == 0, "python3 with Pillow makes the JPEG")
        let verify = Process()
        verify.executableURL = alone
        verify.arguments = ["verify", "--image", jpeg.path, "--trust",
                            repositoryRoot.appendingPathComponent("Keys/demo-trust.json").path,
                            "--at", "2021-07-26T10:00:00+07:00", "--json", "--training", "--waive-revocations", "--zone", "dong-da",
                            "--state", jpeg.path + ".state"]
        verify.environment = ["PATH": "/nonexistent"]
        let out = Pipe(), err = Pipe()
        verify.standardOutput = out
        verify.standardError = err
        try verify.run()
        let text = String(decoding: out.fileHandleForReading.readToEndRetryingInterrupts(), as: UTF8.self)
        let message = String(decoding: err.fileHandleForReading.readToEndRetryingInterrupts(), as: UTF8.self)
        verify.waitUntilExit()
        #expect(verify.terminationStatus == 0, "\(text)\(message)")
        #expect(text.hasPrefix("{\"verdict\":\"valid\",\"exit\":0,\"accepted\":true,"), "\(text)")
    }
}
