import GreenlaneTestSupport
import Foundation
import Testing

/// Streams, exit codes, file writing and file modes, tried as an operator redirecting output, a script reading
/// exit codes, a full disk and another account on the same machine would (issue "Honest outputs").
@Suite struct HonestOutputTests {
    static let officeBinary = greenlaneBinary.deletingLastPathComponent().appendingPathComponent("greenlane-office")

    // MARK: Streams

    @Test func issueRenewVerifyAndExportKeepResultsOnStdoutAndEverythingElseOnStderr() throws {
        let office = try Office()
        // issue, one vehicle: the code alone on stdout, so `issue … > pass.txt` holds exactly the pass.
        // (Valid for a day only, so that renewing gains validity: a renewal that gains none is left alone.)
        let issued = try office.issue(Office.truck + ["--valid-until", "2021-07-27T08:00:00+07:00"])
        #expect(issued.status == 0)
        #expect(issued.stdout.hasPrefix("GL1:") && issued.stdout.split(separator: "\n").count == 1)
        #expect(issued.stderr.contains("issued HN-000001"))
        // A refusal puts nothing on stdout.
        let refused = try office.issue(Office.truck)
        #expect(refused.status == 1 && refused.stdout.isEmpty && refused.stderr.contains("already has an active pass"))
        // renew: one result line per renewed permit on stdout, the summary on stderr.
        let renewed = try office.run(["renew", "--policy", "Samples/policy.json", "--key", office.key, "--key-trust", "Keys/demo-trust.json"])
        #expect(renewed.status == 0, "\(renewed.stderr)")
        #expect(renewed.stdout.hasPrefix("✔ HN-000002") && !renewed.stdout.contains("renewed 1"))
        #expect(renewed.stderr.contains("renewed 1, left alone 0, not renewed 0"))
        // revocations export: the file is the output; the confirmation goes to stderr.
        let list = office.folder.appendingPathComponent("list.glr").path
        let exported = try office.run(["revocations", "export", "--key", office.key, "--key-trust", "Keys/demo-trust.json", "--out", list])
        #expect(exported.status == 0 && exported.stdout.isEmpty && exported.stderr.contains("wrote \(list)"))
        // verify: the verdict on stdout, nothing on stderr; a setup error on stderr, nothing on stdout.
        let code = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let verified = try office.verify([code, "--revocations", list, "--zone", "ba-dinh", "--json"])
        #expect(verified.status == 1 && verified.stdout.contains("\"revoked\"") && verified.stderr.isEmpty)
        let broken = try office.run(["verify", code, "--trust", "/nonexistent/trust.json"])
        #expect(broken.status == 3 && broken.stdout.isEmpty)
        // A checkpoint error: the problem and the remedy from the catalogue, the English reason as the detail.
        #expect(broken.stderr.hasPrefix("greenlane: Lỗi: Không đọc được tệp của chốt"), "\(broken.stderr)")
        #expect(broken.stderr.contains("\n  Cách khắc phục: "))
        #expect(broken.stderr.hasSuffix(
            "\n  Chi tiết (tiếng Anh): cannot open trust file /nonexistent/trust.json: No such file or directory\n"))
    }

    // MARK: Exit codes, one test per class, through both binaries

    static let sample = (try? String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/valid-es256.txt"),
                                     encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    /// In training mode: the sample is signed by the demo key, which is verdict 5 outside it.
    static let verifyAt = [
        "--trust", "Keys/demo-trust.json", "--at", "2021-07-26T10:00:00+07:00", "--training", "--waive-revocations",
    ]

    /// Runs a command through `greenlane` and directly through `greenlane-office`: both must agree.
    func both(_ arguments: [String], environment: [String: String] = [:]) throws -> [CLIResult] {
        [try greenlane(arguments, environment: environment),
         try run(Self.officeBinary, arguments, environment: environment)]
    }

    @Test func exit0WhenAccepted() throws {
        for result in try both(["verify", Self.sample, "--zone", "ba-dinh"] + Self.verifyAt) {
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }
    }

    @Test func exit1WhenACheckFails() throws {
        let expired = ["verify", Self.sample, "--trust", "Keys/demo-trust.json", "--at", "2022-01-01T00:00:00Z",
                       "--training"]
        for result in try both(expired) { #expect(result.status == 1) }
        let office = try Office()
        #expect(try office.run(["revoke", "HN-999999", "--reason", "lost"]).status == 1)
    }

    @Test func exit2WhenACodeCannotBeRead() throws {
        for result in try both(["verify", "GL1:NOT-A-CODE"] + Self.verifyAt) { #expect(result.status == 2) }
    }

    @Test func exit3WhenAnInputCannotBeUsed() throws {
        for result in try both(["verify", Self.sample, "--trust", "Keys/demo-es256.pub.pem"]) {
            #expect(result.status == 3 && result.stderr.contains("): trust file Keys/demo-es256.pub.pem"), "\(result.stderr)")
        }
        let office = try Office()
        let noPolicy = try office.issue(Office.truck.map { $0 == "Samples/policy.json" ? "missing.json" : $0 }
                                            + ["--policy", "/nonexistent/policy.json"])
        #expect(noPolicy.status != 0)
    }

    @Test func exit3WhenTheMachineFailsAWrite() throws {
        let office = try Office()
        // The final name is a folder with a file in it: the bytes are written and synced, the rename fails.
        let blocked = office.folder.appendingPathComponent("list.glr")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: blocked.appendingPathComponent("inside"))
        let result = try office.run(["revocations", "export", "--key", office.key, "--key-trust", "Keys/demo-trust.json", "--out", blocked.path])
        #expect(result.status == 3, "a failed write is a runtime failure, not a refusal: \(result.stderr)")
        #expect(result.stderr.contains("greenlane: cannot write \(blocked.path): "))
        #expect(!result.stderr.contains("Error:") && result.stdout.isEmpty)
        // Nothing was recorded as exported.
        #expect(!(try office.run(["log"]).stdout.contains("revocations.export")))
    }

    @Test func exit64OnUsageErrors() throws {
        for result in try both(["verify", "--no-such-flag"]) { #expect(result.status == 64) }
        for result in try both(["no-such-command"]) { #expect(result.status == 64) }
    }

    @Test func aFirmIDLongerThanPassesCarryIsAUsageErrorNotASQLiteMessage() throws {
        let office = try Office()
        let result = try office.run(["firm", "add", "--id", String(repeating: "F", count: 17), "--name", "Công ty F",
                                     "--kind", "postal", "--licence", "L-17"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("must be 1-16 of A-Z"), "\(result.stderr)")
        #expect(!result.stderr.contains("CHECK") && !result.stderr.contains("SQLite"))
    }

    @Test func theOfficeRefusesToSignWhatEveryCheckpointWouldRefuse() throws {
        let office = try Office()
        let keys = office.folder.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        // A key trusted for 2-day passes, under a policy that allows 7: every such pass would be `key-lifetime`.
        let short = try greenlane(["keys", "generate", "--out", keys.path, "--name", "short", "--max-pass-days", "2"])
        #expect(short.status == 0, "\(short.stderr)")
        // A key retired before the order's first day.
        let retired = try greenlane(["keys", "generate", "--out", keys.path, "--name", "retired",
                                     "--valid-until", "2021-07-01T00:00:00+07:00"])
        #expect(retired.status == 0, "\(retired.stderr)")
        for (name, message) in [("short", "trusted for passes of at most 2 days"), ("retired", "was retired at")] {
            let result = try office.run([
                "issue", "--policy", "Samples/policy.json", "--key", keys.appendingPathComponent("\(name).key.pem").path,
                "--key-trust", keys.appendingPathComponent("\(name).trust.json").path,
            ] + Office.truck)
            #expect(result.status == 3 && result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try office.run(["list", "--format", "jsonl"]).stdout.isEmpty, "nothing was issued")
    }

    // MARK: Files

    @Test func aMissingOutFolderIsRefusedBeforeAnythingIsIssued() throws {
        let office = try Office()
        let result = try office.issue(Office.truck + ["--out", office.folder.appendingPathComponent("nope").path])
        #expect(result.status == 3 && result.stderr.contains("does not exist"))
        #expect(try office.run(["list", "--format", "jsonl"]).stdout.isEmpty)
    }

    @Test func aFullDiskDuringIssueOutReportsEveryCommittedPermitAndLeavesNoPartialFile() throws {
        let office = try Office()
        let mountPoint = office.folder.appendingPathComponent("passes")
        let saved = office.folder.appendingPathComponent("saved")
        for folder in [mountPoint, saved] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        // A 200 KiB disk of its own (a tmpfs in a private mount namespace) fills after a few passes' files.
        let script = """
            mount -t tmpfs -o size=200k tmpfs "$OUT" || exit 99
            "$@"; status=$?
            cp -a "$OUT/." "$SAVED/"
            exit $status
            """
        var environment = office.environment
        environment["OUT"] = mountPoint.path
        environment["SAVED"] = saved.path
        let result = try run(URL(fileURLWithPath: "/usr/bin/unshare"), [
            "-m", "sh", "-c", script, "sh", Self.officeBinary.path, "issue", "--policy", "Samples/policy.json",
            "--key", office.key, "--key-trust", "Keys/demo-trust.json", "--csv", "Samples/requests.csv",
            "--out", mountPoint.path,
        ], environment: environment)
        #expect(result.status != 99, "this test needs `unshare -m` and tmpfs mounts (root): \(result.stderr)")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("No space left on device"))
        // Every committed permit is on stdout, and the unwritten ones are named.
        let listed = try office.run(["list", "--format", "jsonl"]).stdout.split(separator: "\n")
        let reported = result.stdout.split(separator: "\n").filter { $0.hasPrefix("✔") }
        #expect(!listed.isEmpty && reported.count == listed.count, "\(result.stdout)")
        let unwritten = reported.filter { $0.contains("files NOT written") }
        #expect(!unwritten.isEmpty && result.stderr.contains("\(unwritten.count) permit(s) are recorded"))
        #expect(result.stderr.contains("greenlane show SERIAL --out DIR"))
        // No partial file under a final name, and no temporary file left.
        let names = try FileManager.default.contentsOfDirectory(atPath: saved.path)
        #expect(!names.contains { $0.hasPrefix(".") }, "\(names)")
        for name in names where name.hasSuffix(".txt") {
            let text = try String(contentsOf: saved.appendingPathComponent(name), encoding: .utf8)
            #expect(text.hasPrefix("GL1:") && text.hasSuffix("\n"))
        }
        for name in names where name.hasSuffix(".svg") {
            let text = try String(contentsOf: saved.appendingPathComponent(name), encoding: .utf8)
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>"), "\(name) is cut short")
        }
        // The dispatcher writes a missing card again.
        let serial = String(unwritten[0].split(separator: " ")[1])
        let again = try office.run(["show", serial, "--out", saved.path, "--key-trust", "Keys/demo-trust.json"])
        #expect(again.status == 0 && again.stdout.contains("\(serial).card.svg"), "\(again.stderr)")
    }

    @Test func keysGenerateNeverOverwritesAPublicKeyOrTrustFile() throws {
        let folder = try temporaryDirectory()
        let generated = try greenlane(["keys", "generate", "--out", folder.path, "--name", "k"])
        #expect(generated.status == 0)
        let trust = folder.appendingPathComponent("k.trust.json")
        let before = try Data(contentsOf: trust)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("k.key.pem"))
        let again = try greenlane(["keys", "generate", "--out", folder.path, "--name", "k"])
        #expect(again.status == 3 && again.stderr.contains("k.pub.pem already exists"))
        #expect(try Data(contentsOf: trust) == before)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("k.key.pem").path))
    }

    @Test func aKilledExportLeavesThePreviousListIntact() throws {
        // The kill -9 version runs in scripts/crash-test.sh; here, an export that fails after writing.
        let office = try Office()
        #expect(try office.issue(Office.truck).status == 0)
        #expect(try office.run(["revoke", "HN-000001", "--reason", "lost"]).status == 0)
        let list = office.folder.appendingPathComponent("list.glr").path
        #expect(try office.run(["revocations", "export", "--key", office.key, "--key-trust", "Keys/demo-trust.json", "--out", list]).status == 0)
        let good = try Data(contentsOf: URL(fileURLWithPath: list))
        let unreadableKey = office.folder.appendingPathComponent("other.key.pem").path
        try Data("not a key".utf8).write(to: URL(fileURLWithPath: unreadableKey))
        chmod(unreadableKey, 0o600)
        #expect(try office.run(["revocations", "export", "--key", unreadableKey, "--key-trust", "Keys/demo-trust.json", "--out", list]).status == 3)
        #expect(try Data(contentsOf: URL(fileURLWithPath: list)) == good)
    }

    // MARK: Private by default

    @Test func theRegistryItsWalAndShmAndPassFilesAreReadableByTheOwnerOnly() throws {
        let office = try Office()
        let out = office.folder.appendingPathComponent("passes")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        umask(0o022)
        #expect(try office.issue(Office.truck + ["--out", out.path]).status == 0)
        // A reader keeps the -wal and -shm files in place while we look.
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: office.registry + suffix) {
            #expect(mode(office.registry + suffix) == 0o600, "registry\(suffix)")
        }
        for suffix in [".txt", ".png", ".svg", ".card.svg"] {
            #expect(mode(out.appendingPathComponent("HN-000001" + suffix).path) == 0o600)
        }
        // A registry made world-readable by an older version is tightened on the next write.
        chmod(office.registry, 0o644)
        #expect(try office.run(["revoke", "HN-000001", "--reason", "lost"]).status == 0)
        #expect(mode(office.registry) == 0o600)
    }

    @Test func aPassphraseFileOthersCanReadIsRefusedBeforeDecrypting() throws {
        let folder = try temporaryDirectory()
        let passphrase = folder.appendingPathComponent("pass.txt")
        try Data("correct horse\n".utf8).write(to: passphrase)
        chmod(passphrase.path, 0o644)
        let result = try greenlane(["keys", "generate", "--out", folder.path, "--passphrase-file", passphrase.path])
        #expect(result.status == 3 && result.stderr.contains("chmod 600"), "\(result.stderr)")
        #expect(!result.stderr.contains("correct horse"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("issuer.key.pem").path))
    }

    @Test func aKeyFileGivenToTheWrongFlagIsNeverEchoed() throws {
        let office = try Office()
        let pem = try String(contentsOfFile: office.key, encoding: .utf8)
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
        var results = [
            try office.run(["verify", Self.sample, "--trust", office.key]),
            try office.run(["verify", Self.sample, "--trust", "Keys/demo-trust.json", "--revocations", office.key]),
            try office.run(["verify", "--file", office.key, "--trust", "Keys/demo-trust.json"]),
            try office.issue(["--csv", office.key]),
            try office.run(["issue", "--policy", office.key, "--key", office.key, "--csv", "Samples/requests.csv"]),
            try office.run(["firm", "import", office.key]),
            try office.run(["keys", "list", "--trust", office.key]),
        ]
        results.append(try office.issue(Office.truck + ["--key-trust", office.key]))
        for result in results {
            #expect(result.status != 0)
            for line in body where line.count > 8 {
                // Any 6-character run of the key's base64 body would be a leak (runs that could also be part
                // of the temporary folder's UUID are skipped).
                for start in stride(from: 0, to: line.count - 6, by: 6) {
                    let piece = String(line.dropFirst(start).prefix(6))
                    if piece.allSatisfy(\.isHexDigit) { continue }
                    #expect(!result.stdout.contains(piece) && !result.stderr.contains(piece), "\(result.stderr)")
                }
            }
        }
    }

    // MARK: Helpers

    func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int ?? -1) & 0o777
    }
}

/// The exporter's side of list freshness (migration v8-revocation-list-sequence, `--next-update`, `--grace`),
/// checked through a checkpoint that reads what the office exported.
@Suite struct RevocationListExportTests {
    func export(_ office: Office, to path: String, _ extra: [String] = []) throws -> CLIResult {
        try office.run(["revocations", "export", "--key", office.key, "--key-trust", "Keys/demo-trust.json",
                        "--out", path] + extra)
    }

    @Test func eachExportGrowsTheSequenceSoAnOlderListIsARollback() throws {
        let office = try Office()
        #expect(try office.issue(Office.truck).status == 0)
        let older = office.folder.appendingPathComponent("older.glr").path
        let newer = office.folder.appendingPathComponent("newer.glr").path
        #expect(try export(office, to: older).status == 0)
        #expect(try export(office, to: newer).status == 0)
        let state = office.folder.appendingPathComponent("verifier-state").path
        let code = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/valid-es256.txt"),
                              encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        func check(_ list: String) throws -> CLIResult {
            try office.run(["verify", code, "--trust", "Keys/demo-trust.json", "--revocations", list, "--state", state,
                            "--at", "2021-07-26T10:00:00+07:00", "--zone", "ba-dinh", "--training"])
        }
        #expect(try check(newer).status == 0)
        let rollback = try check(older)
        #expect(rollback.status == 3, "the older list, seen after the newer one, is a rollback: \(rollback.stderr)")
    }

    @Test func nextUpdateAndGraceDecideWhenTheListStopsConfirming() throws {
        let office = try Office()
        let list = office.folder.appendingPathComponent("list.glr").path
        // Exported at 08:00 (the pinned clock), due at 10:00, with one hour of grace.
        #expect(try export(office, to: list, ["--next-update", "2", "--grace", "1"]).status == 0)
        let code = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/valid-es256.txt"),
                              encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        func check(at time: String) throws -> Int32 {
            try office.run(["verify", code, "--trust", "Keys/demo-trust.json", "--revocations", list, "--state",
                            office.folder.appendingPathComponent("state-\(time.prefix(13))").path, "--at", time,
                            "--zone", "ba-dinh", "--training"]).status
        }
        #expect(try check(at: "2021-07-26T09:30:00+07:00") == 0, "current")
        #expect(try check(at: "2021-07-26T10:30:00+07:00") == 0, "in its grace: valid, under an amber banner")
        #expect(try check(at: "2021-07-26T11:30:00+07:00") == 4, "past its grace: cannot confirm")
        #expect(try export(office, to: list, ["--next-update", "0"]).status == 64)
    }
}
