import GreenlaneTestSupport
import Foundation
import Testing

/// Issue 12 at the command line: `registry init`, refusing what does not agree, two writers and one plate.
@Suite struct RegistryCommandTests {
    @Test func everyCommandRefusesAPathWithNoRegistryNamingItAndRegistryInit() throws {
        let folder = try temporaryDirectory()
        let path = folder.appendingPathComponent("typo.sqlite").path
        for command in [["firm", "import", "Samples/firms.csv"], ["list"], ["log"], ["revoke", "HN-000001", "--reason", "lost"],
                        ["issue", "--policy", "Samples/policy.json", "--key", "Keys/demo-es256.key.pem", "--key-trust",
                         "Keys/demo-trust.json"] + Office.truck] {
            let result = try greenlane(command + ["--registry", path])
            #expect(result.status == 3, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("no registry at \(path)") && result.stderr.contains("registry init"),
                    "\(command): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func registryInitRecordsIssuerStationPrefixAndGroupMode() throws {
        let office = try Office()
        let again = try office.run(["registry", "init", "--policy", "Samples/policy.json"])
        #expect(again.status == 3 && again.stderr.contains("already a registry"), "\(again.stderr)")
        let check = try office.run(["registry", "check"])
        #expect(check.stdout.contains("issuer VN-HN · station SGTVT · serials HN-…") && check.stdout.contains("integrity: ok"))
        var info = stat()
        #expect(stat(office.registry, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let group = String(cString: getgrgid(getgid())!.pointee.gr_name)
        let shared = office.folder.appendingPathComponent("shared.sqlite").path
        let made = try office.run(["registry", "init", "--policy", "Samples/policy.json", "--group", group,
                                   "--registry", shared])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(stat(shared, &info) == 0 && info.st_mode & 0o777 == 0o640 && info.st_gid == getgid())
        // Still 0640 after a writing command (a 0600 registry would lose group bits: it was not made for a group).
        #expect(try office.run(["firm", "import", "Samples/firms.csv", "--registry", shared]).status == 0)
        #expect(stat(shared, &info) == 0 && info.st_mode & 0o777 == 0o640)
        let unknown = try office.run(["registry", "init", "--policy", "Samples/policy.json", "--station", "NOWHERE",
                                      "--registry", office.folder.appendingPathComponent("x.sqlite").path])
        #expect(unknown.status == 3 && unknown.stderr.contains("lists no station NOWHERE"), "\(unknown.stderr)")
    }

    @Test func registryBackupRestoresWithItsCounts() throws {
        let office = try Office()
        #expect(try office.issue(["--csv", "Samples/requests.csv"]).status == 0)
        let copy = office.folder.appendingPathComponent("backup.sqlite").path
        let backup = try office.run(["registry", "backup", copy])
        #expect(backup.status == 0 && backup.stderr.contains("integrity ok"), "\(backup.stderr)")
        #expect(try office.run(["registry", "backup", copy]).status != 0, "a backup never overwrites")
        let check = try greenlane(["registry", "check", "--registry", copy])
        #expect(check.stdout.contains("integrity: ok"), "\(check.stdout)")
        let original = try office.run(["list", "--format", "jsonl"]).stdout
        #expect(try greenlane(["list", "--format", "jsonl", "--registry", copy], environment: office.environment).stdout == original)
    }

    @Test func keyTrustMustListTheKeyForThePolicysIssuer() throws {
        let office = try Office()
        // A trust file whose entries do not include this key.
        let trust = try String(contentsOfFile: "\(repositoryRoot.path)/Keys/demo-trust.json", encoding: .utf8)
        let other = office.folder.appendingPathComponent("other-trust.json").path
        try trust.replacingOccurrences(of: "cdb443c99249ef11", with: "0000000000000000").write(
            toFile: other, atomically: true, encoding: .utf8)
        let missing = try office.issue(["--key-trust", other, "--replace"] + Office.truck)
        #expect(missing.status == 3 && missing.stdout.isEmpty, "\(missing.stderr)")
        // A trust file that vouches for this key for another issuer.
        let elsewhere = office.folder.appendingPathComponent("sg-trust.json").path
        try trust.replacingOccurrences(of: "\"issuer\": \"VN-HN\"", with: "\"issuer\": \"VN-SG\"").write(
            toFile: elsewhere, atomically: true, encoding: .utf8)
        let wrong = try office.run(["issue", "--policy", "Samples/policy.json", "--key", office.key, "--key-trust", elsewhere,
                                    "--replace"] + Office.truck)
        #expect(wrong.status == 3 && wrong.stderr.contains("is trusted for issuer VN-SG, not VN-HN"), "\(wrong.stderr)")
        let export = try office.run(["revocations", "export", "--key", office.key, "--key-trust", elsewhere, "--out",
                                     office.folder.appendingPathComponent("r.glr").path])
        #expect(export.status == 3 && export.stderr.contains("not VN-HN"), "\(export.stderr)")
        #expect(try office.run(["revocations", "export", "--issuer", "VN-HN", "--key", office.key]).status == 64,
                "the issuer comes from the registry")
        // A policy of another issuer than the registry's.
        let policy = try String(contentsOfFile: "\(repositoryRoot.path)/Samples/policy.json", encoding: .utf8)
        let sg = office.folder.appendingPathComponent("sg-policy.json").path
        try policy.replacingOccurrences(of: "\"VN-HN\"", with: "\"VN-SG\"").write(toFile: sg, atomically: true, encoding: .utf8)
        let foreign = try office.run(["issue", "--policy", sg, "--key", office.key, "--key-trust", elsewhere, "--replace"]
                                     + Office.truck)
        #expect(foreign.status == 3 && foreign.stderr.contains("registry"), "\(foreign.stderr)")
        #expect(try office.run(["list", "--format", "jsonl"]).stdout.isEmpty, "nothing was signed")
    }

    /// Two dispatchers, two processes, one vehicle written two ways (truck 29C-123.45, "motorbike" 29-C1 2345):
    /// exactly one live pass, every time.
    @Test func twoWritersOneVehicleGiveExactlyOneLivePass() throws {
        let office = try Office()
        for round in 0..<6 {
            let number = 1_000 + round
            // One vehicle: a light truck 29C-110.0N and a motorbike 29-C1 100N have the same letters and digits.
            let compact = "29C1\(number)"
            let plates = [["--firm", "VNPOST", "--plate", compact, "--class", "light-truck"],
                          ["--firm", "VNPOST", "--plate", "29-C1 \(number)", "--class", "motorbike"]]
            let rest = ["--driver-name", "Nguyễn Văn An", "--driver-id", "001085012345", "--test-at",
                        "2021-07-25T08:00:00+07:00", "--purpose", "essential-goods", "--zones", "ba-dinh"]
            let processes = plates.map { plate -> (Process, Pipe) in
                let process = Process()
                process.executableURL = greenlaneBinary
                process.arguments = ["issue", "--policy", "Samples/policy.json", "--key", office.key, "--key-trust",
                                     "Keys/demo-trust.json"] + plate + rest
                process.currentDirectoryURL = repositoryRoot
                process.environment = ProcessInfo.processInfo.environment.merging(office.environment) { $1 }
                let err = Pipe()
                process.standardOutput = FileHandle.nullDevice
                process.standardError = err
                return (process, err)
            }
            for (process, _) in processes { try process.run() }
            var statuses: [Int32] = []
            var messages: [String] = []
            for (process, err) in processes {
                messages.append(String(decoding: err.fileHandleForReading.readToEndRetryingInterrupts(), as: UTF8.self))
                process.waitUntilExit()
                statuses.append(process.terminationStatus)
            }
            #expect(statuses.sorted() == [0, 1], "round \(round): \(statuses) \(messages)")
            #expect(messages.contains { $0.contains("already has an active pass") }, "\(messages)")
            let live = try sqlite(office.registry, "SELECT count(*) FROM live_pass WHERE compact_plate = '\(compact)'")
            #expect(live == "1\n")
        }
    }

    @Test func suspendingAFirmRevokesItsLivePassesAndSaysToExport() throws {
        let office = try Office()
        #expect(try office.issue(["--csv", "Samples/requests.csv"]).status == 0)
        let suspended = try office.run(["firm", "suspend", "VTPOST", "--reason", "licence review"])
        #expect(suspended.stderr.contains("live passes of VTPOST (firm-suspended)")
                && suspended.stderr.contains("revocations export"), "\(suspended.stderr)")
        let live = try office.run(["list", "--firm", "VTPOST", "--status", "active", "--format", "jsonl"]).stdout
        #expect(live.isEmpty)
        #expect(try office.run(["firm", "reinstate", "VTPOST", "--reason", "done"]).status == 0)
        #expect(try office.run(["list", "--firm", "VTPOST", "--status", "active", "--format", "jsonl"]).stdout.isEmpty)
    }

    @Test func renewEndsByTellingTheOperatorToExportAList() throws {
        let office = try Office()
        let policy = try String(contentsOfFile: "\(repositoryRoot.path)/Samples/policy.json", encoding: .utf8)
        let short = office.folder.appendingPathComponent("short.json").path
        try policy.replacingOccurrences(of: "2021-08-08T06:00:00+07:00", with: "2021-07-27T06:00:00+07:00")
            .write(toFile: short, atomically: true, encoding: .utf8)
        #expect(try office.run(["issue", "--policy", short, "--key", office.key, "--key-trust", "Keys/demo-trust.json"]
                               + Office.truck).status == 0)
        let renew = ["renew", "--policy", "Samples/policy.json", "--key", office.key, "--key-trust", "Keys/demo-trust.json",
                     "--clock", "2021-07-26T20:00:00+07:00"]
        let first = try office.run(renew)
        #expect(first.status == 0 && first.stderr.contains("renewed 1") && first.stderr.contains("revocations export"),
                "\(first.stderr)")
        let second = try office.run(renew)
        #expect(second.status == 0 && second.stderr.contains("renewed 0"), "\(second.stderr)")
    }
}
