import GreenlaneSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A fresh folder under /tmp, removed with everything in it when the test ends.
final class TemporaryFolder {
    let path: String
    init() {
        var template = Array("/tmp/greenlane-support-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
    deinit { _ = system("rm -rf '\(path)'") }

    func contents(_ name: String) -> String? {
        guard let bytes = try? FileReader.read(path + "/" + name, what: "test file", limit: 1 << 20) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every name in the folder, hidden temporary files included.
    func names() -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    func mode(_ name: String) -> UInt32 { (FileReader.mode(of: path + "/" + name) ?? 0) & 0o777 }
}

@Suite struct FileWriterTests {
    @Test func writesAPrivateFileByDefault() throws {
        let folder = TemporaryFolder()
        umask(0o022)
        try FileWriter.write(Array("hello\n".utf8), to: folder.path + "/a.txt")
        #expect(folder.contents("a.txt") == "hello\n")
        #expect(folder.mode("a.txt") == 0o600)
        #expect(folder.names() == ["a.txt"])
    }

    @Test func replacesAtomicallyAndLeavesNoTemporaryFile() throws {
        let folder = TemporaryFolder()
        try FileWriter.write(Array("old".utf8), to: folder.path + "/list.glr")
        try FileWriter.write(Array("new".utf8), to: folder.path + "/list.glr", mode: FileWriter.publicMode)
        #expect(folder.contents("list.glr") == "new")
        #expect(folder.mode("list.glr") == 0o644)
        #expect(folder.names() == ["list.glr"])
    }

    @Test func aPlantedSymlinkIsReplacedNotFollowed() throws {
        let folder = TemporaryFolder()
        let victim = folder.path + "/victim"
        try FileWriter.write(Array("precious".utf8), to: victim)
        #expect(symlink(victim, folder.path + "/HN-000001.png") == 0)
        try FileWriter.write(Array("card".utf8), to: folder.path + "/HN-000001.png")
        #expect(folder.contents("victim") == "precious")
        #expect((FileReader.mode(of: folder.path + "/HN-000001.png") ?? 0) & UInt32(S_IFMT) == UInt32(S_IFREG))
        #expect(folder.contents("HN-000001.png") == "card")
    }

    @Test func refuseNeverOverwritesAFileOrASymlink() throws {
        let folder = TemporaryFolder()
        try FileWriter.write(Array("first".utf8), to: folder.path + "/issuer.pub.pem", existing: .refuse)
        #expect(throws: FileError(.exists, "")) {
            try FileWriter.write(Array("second".utf8), to: folder.path + "/issuer.pub.pem", existing: .refuse)
        }
        #expect(folder.contents("issuer.pub.pem") == "first")
        // A dangling symlink counts as existing: writing "through" it would create the file it points at.
        #expect(symlink(folder.path + "/elsewhere", folder.path + "/issuer.trust.json") == 0)
        #expect(throws: FileError(.exists, "")) {
            try FileWriter.write(Array("x".utf8), to: folder.path + "/issuer.trust.json", existing: .refuse)
        }
        #expect(folder.contents("elsewhere") == nil)
        #expect(folder.names() == ["issuer.pub.pem", "issuer.trust.json"])
    }

    @Test func aFailedRenameKeepsWhatWasThereAndRemovesTheTemporaryFile() throws {
        let folder = TemporaryFolder()
        // A non-empty folder under the final name: rename(2) fails after the bytes were written and synced.
        #expect(mkdir(folder.path + "/out.glr", 0o700) == 0)
        try FileWriter.write(Array("inside".utf8), to: folder.path + "/out.glr/keep")
        let error = #expect(throws: FileError.self) {
            try FileWriter.write(Array("new".utf8), to: folder.path + "/out.glr")
        }
        #expect(error?.code == .unwritable)
        #expect(error?.kind == .runtime)
        #expect(error?.reason.contains(folder.path + "/out.glr") == true)
        #expect(folder.names() == ["out.glr"])
        #expect(folder.contents("out.glr/keep") == "inside")
    }

    @Test func aMissingFolderIsNamed() {
        let error = #expect(throws: FileError.self) {
            try FileWriter.write(Array("x".utf8), to: "/tmp/greenlane-no-such-folder/a/b.txt")
        }
        #expect(error?.code == .noFolder)
        #expect(error?.reason.contains("/tmp/greenlane-no-such-folder/a") == true)
        #expect(throws: FileError(.noFolder, "")) {
            try FileWriter.checkFolder("/tmp/greenlane-no-such-folder", flag: "--out")
        }
    }
}

@Suite struct FileReaderTests {
    @Test func refusesDevicesAndOversizedFiles() throws {
        let error = #expect(throws: FileError.self) { try FileReader.read("/dev/zero", what: "CSV file", limit: 100) }
        #expect(error?.reason == "CSV file /dev/zero is not a regular file")
        let folder = TemporaryFolder()
        try FileWriter.write([UInt8](repeating: 65, count: 101), to: folder.path + "/big")
        #expect(throws: FileError(.tooLarge, "")) { try FileReader.read(folder.path + "/big", what: "f", limit: 100) }
        #expect(try FileReader.read(folder.path + "/big", what: "f", limit: 101).count == 101)
    }

    @Test func aSecretOthersCanReadIsRefusedBeforeUse() throws {
        let folder = TemporaryFolder()
        try FileWriter.write(Array("hunter2\n".utf8), to: folder.path + "/pass", mode: 0o644)
        let error = #expect(throws: FileError.self) {
            try FileReader.read(folder.path + "/pass", what: "passphrase file", limit: 100, secret: true)
        }
        #expect(error?.code == .insecurePermissions)
        #expect(error?.reason.contains("chmod 600") == true)
        #expect(error?.reason.contains("hunter2") == false)
        chmod(folder.path + "/pass", 0o600)
        #expect(try FileReader.read(folder.path + "/pass", what: "p", limit: 100, secret: true).count == 8)
    }
}

@Suite struct CodedErrorTests {
    enum TestDomain: ErrorDomain {}
    typealias TestError = CodedError<TestDomain>

    @Test func wrappingKeepsTheCodeTheUnderlyingErrorAndTheOrigin() {
        let inner = FileError(.unwritable, "cannot write x: No space left on device")
        let outer = TestError(.init("export", kind: .runtime), "export failed", underlying: inner).prefixed("list: ")
        #expect(outer.reason == "list: export failed")
        #expect(outer.description == outer.reason)
        #expect(outer.kind == .runtime)
        #expect(outer.origin.fileID.hasSuffix("FileWriterTests.swift"))
        #expect(outer.diagnostic.contains("caused by: cannot write x: No space left on device"))
        #expect(outer.diagnostic.contains("GreenlaneSupportTests/FileWriterTests.swift:"))
    }
}
