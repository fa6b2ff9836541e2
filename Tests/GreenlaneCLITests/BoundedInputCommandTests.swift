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
    /// returns its exit status, standard error and peak resident memory in bytes.
    ///
    /// Measured by a small Python parent (RUSAGE_CHILDREN), not by wait4 from here: posix_spawn is a vfork, and
    /// Linux hands the parent's high-water RSS to the child at exec, so wait4 from this test process reported
    /// the whole test run's peak (119 MB once, with every suite in one process) instead of the office's.
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
        let measure = """
            import resource, subprocess, sys
            status = subprocess.call(sys.argv[2:])
            open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
            sys.exit(status if status >= 0 else 128 - status)
            """
        let python = "/usr/bin/python3"
        let argv: [UnsafeMutablePointer<CChar>?] =
            ([python, "-c", measure, rssPath, office] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, python, &actions, nil, argv, envp)
        #expect(spawned == 0, "cannot run \(python) \(office)")
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let stderr = try String(contentsOfFile: errPath, encoding: .utf8)
        _ = usage
        let peakKiB = Int((try? String(contentsOfFile: rssPath, encoding: .utf8)) ?? "") ?? Int.max / 1024
        return ((status >> 8) & 0xFF, stderr, peakKiB * 1024)  // Linux: ru_maxrss in KiB
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
