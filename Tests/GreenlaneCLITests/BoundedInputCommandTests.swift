import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Hostile CSV files given to greenlane-office: refused with the row and column, in bounded memory, measured on
/// the child process itself.
@Suite struct BoundedInputCommandTests {
    static let header = "firm,plate,vehicle_class,driver_name,driver_id,test_at,purpose,zones,valid_from,valid_until\n"

    /// Runs greenlane-office directly (not through greenlane, so the child is the process measured) and
    /// returns its exit status, standard error and peak resident memory in bytes (wait4's ru_maxrss).
    ///
    /// Measured by a small Python launcher, not by this process's own wait4: posix_spawn starts the child in this
    /// process's memory (vfork), and Linux carries that memory's high-water mark into the child's ru_maxrss at
    /// exec, so a test process that has grown (the PostgreSQL store's tests run in it too) would be counted.
    static func runMeasured(_ arguments: [String], environment: [String: String], in folder: URL) throws
        -> (status: Int32, stderr: String, peakBytes: Int)
    {
        let office = greenlaneBinary.deletingLastPathComponent().appendingPathComponent("greenlane-office").path
        let errPath = folder.appendingPathComponent("stderr.txt").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var env = ProcessInfo.processInfo.environment
        env["LANG"] = "C.UTF-8"
        for (key, value) in environment { env[key] = value }
        let rssPath = folder.appendingPathComponent("maxrss.txt").path
        let launcher = """
            import os, sys
            out, argv = sys.argv[1], sys.argv[2:]
            pid = os.posix_spawn(argv[0], argv, os.environ)
            _, status, usage = os.wait4(pid, 0)
            open(out, "w").write(str(usage.ru_maxrss))
            code = os.waitstatus_to_exitcode(status)
            sys.exit(code if code >= 0 else 128 - code)
            """
        let argv: [UnsafeMutablePointer<CChar>?] =
            (["/usr/bin/env", "python3", "-c", launcher, rssPath, office] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, envp)
        #expect(spawned == 0, "cannot run \(office)")
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let stderr = try String(contentsOfFile: errPath, encoding: .utf8)
        let maxrss = Int(try String(contentsOfFile: rssPath, encoding: .utf8)) ?? Int.max / 1024
        return ((status >> 8) & 0xFF, stderr, maxrss * 1024)  // Linux: ru_maxrss in KiB
    }

    @Test func fourHundredMiBFieldIsRefusedByRowAndColumnInBoundedMemory() throws {
        let office = try Office()
        // Before: greenlane-office peaked at 1.25 GB on this file. The 400 MiB hole is sparse (zero bytes, no
        // disk): the reader counts bytes, whatever they are.
        let path = office.folder.appendingPathComponent("huge-field.csv").path
        let prefix = Self.header + "VNPOST,29C-100.01,light-truck,"
        let tail = ",001085012345,2021-07-25,essential-goods,ba-dinh,,\n"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(descriptor >= 0)
        defer { unlink(path) }
        _ = prefix.withCString { write(descriptor, $0, strlen($0)) }
        #expect(lseek(descriptor, off_t(prefix.utf8.count + 400 << 20), SEEK_SET) > 0)
        _ = tail.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
        let result = try Self.runMeasured(
            ["issue", "--policy", repositoryRoot.appendingPathComponent("Samples/policy.json").path,
             "--key", office.key, "--key-trust", repositoryRoot.appendingPathComponent("Keys/demo-trust.json").path,
             "--csv", path],
            environment: office.environment, in: office.folder)
        #expect(result.status == 3, "\(result.stderr)")
        let expected = "\(path): row 2, column driver_name: field longer than 4096 bytes, the limit for one field"
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(result.peakBytes < 100_000_000, "peak RSS \(result.peakBytes) bytes")
        // `firm import` reads CSV through the same limits, and registers nothing from a refused file.
        let firms = office.folder.appendingPathComponent("firms.csv").path
        try Data(("id,legal_name,kind,licence\nX1,\(String(repeating: "A", count: 5_000)),postal,L-1\n").utf8)
            .write(to: URL(fileURLWithPath: firms))
        let imported = try office.run(["firm", "import", firms])
        #expect(imported.status == 3)
        #expect(imported.stderr.contains(
            "\(firms): row 2, column legal_name: field longer than 4096 bytes, the limit for one field"))
        #expect(try office.run(["firm", "list"]).stdout.contains("X1") == false)
    }

    @Test func devZeroAsTheFleetFileIsRefusedAtOnce() throws {
        let office = try Office()
        let result = try office.issue(["--csv", "/dev/zero"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("/dev/zero is a character device, not a regular file: give a CSV file"))
        let firms = try office.run(["firm", "import", "/dev/zero"])
        #expect(firms.status == 3)
        #expect(firms.stderr.contains("/dev/zero is a character device, not a regular file"))
    }
}
