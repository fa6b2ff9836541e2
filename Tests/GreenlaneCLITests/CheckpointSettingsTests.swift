import Foundation
import Testing

/// Item 3 of issue 9: a checkpoint is set up once; `verify` then needs no data flags and says what it used.
@Suite struct CheckpointSettingsTests {
    static let at = ["--at", "2021-07-26T10:00:00+07:00", "--training"]  // demo-signed samples

    func sample(_ name: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/\(name).txt"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    @Test func setupOnceThenVerifyUsesTheStoredZoneTrustAndRevocations() throws {
        let home = try temporaryDirectory().appendingPathComponent("data")  // created by setup
        let env = ["GREENLANE_HOME": home.path]
        let stored = try greenlane(["setup", "--zone", "dong-da", "--trust", "Keys/demo-trust.json",
                                    "--revocations", "Samples/codes/revocations.glr", "--lang", "en"],
                                   environment: env)
        #expect(stored.status == 0, "\(stored.stderr)")
        let file = home.appendingPathComponent("checkpoint.conf").path
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("zone = dong-da\n"))
        #expect(text.contains("trust = \(repositoryRoot.path)/Keys/demo-trust.json\n"), "paths are stored absolute")
        #expect(stored.stderr.contains("DEMO"), "setup warns about a demo trust file")

        // No data flags: the stored trust file, revocation list and zone decide, and --json names them.
        let valid = try greenlane(["verify", try sample("valid-es256"), "--json"] + Self.at, environment: env)
        #expect(valid.status == 0, "\(valid.stderr)")
        let used = try json(valid.stdout)["used"] as! [String: Any]
        #expect(used["trust"] as? String == "\(repositoryRoot.path)/Keys/demo-trust.json")
        #expect(used["revocations"] as? String == "\(repositoryRoot.path)/Samples/codes/revocations.glr")
        #expect(used["zone"] as? String == "dong-da")
        #expect(used["settings"] as? String == file)
        let revoked = try greenlane(["verify", try sample("revoked"), "--json"] + Self.at, environment: env)
        #expect(revoked.status == 1)
        #expect(revoked.stdout.contains("\"check\":\"revoked\""), "the stored revocation list is used")

        // `setup` with one flag keeps the others; a flag wins over its stored value.
        #expect(try greenlane(["setup", "--zone", "tay-ho"], environment: env).status == 0)
        let after = try String(contentsOfFile: file, encoding: .utf8)
        #expect(after.contains("zone = tay-ho\n") && after.contains("revocations = "))
        let wrongZone = try greenlane(["verify", try sample("valid-es256"), "--json"] + Self.at, environment: env)
        #expect(wrongZone.status == 1)
        #expect(wrongZone.stdout.contains("\"check\":\"wrong-zone\""), "the stored zone is used")
        let here = try greenlane(["verify", try sample("valid-es256"), "--json", "--zone", "dong-da"] + Self.at,
                                 environment: env)
        #expect(here.status == 0)
        #expect(try json(here.stdout)["zone"] as? String == "dong-da")
        let shown = try greenlane(["setup"], environment: env)
        #expect(shown.stdout.contains("zone = tay-ho"))
    }

    @Test func withFlagsOnlyNothingIsReadFromTheDataFolder() throws {
        let result = try greenlane(["verify", try sample("valid-es256"), "--json", "--trust", "Keys/demo-trust.json",
                                    "--zone", "dong-da"] + Self.at)
        let used = try json(result.stdout)["used"] as! [String: Any]
        #expect(used["settings"] is NSNull)
        #expect(used["revocations"] is NSNull)
    }

    @Test func withoutSettingsOrTrustVerifySaysHowToSetUp() throws {
        let home = try temporaryDirectory()
        let result = try greenlane(["verify", try sample("valid-es256")] + Self.at,
                                   environment: ["GREENLANE_HOME": home.path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("greenlane setup --trust FILE"))
        #expect(result.stderr.contains(home.path + "/checkpoint.conf"))
    }

    @Test func setupRefusesFilesThatCannotBeUsedAndStoresNothing() throws {
        let home = try temporaryDirectory()
        let env = ["GREENLANE_HOME": home.path]
        let badTrust = try greenlane(["setup", "--zone", "dong-da", "--trust", "Keys/demo-es256.pub.pem"],
                                     environment: env)
        #expect(badTrust.status == 3)
        let badList = try greenlane(["setup", "--trust", "Keys/demo-trust.json", "--revocations",
                                     "Keys/demo-trust.json"], environment: env)
        #expect(badList.status == 3)
        let badZone = try greenlane(["setup", "--zone", "atlantis", "--trust", "Keys/demo-trust.json"],
                                    environment: env)
        #expect(badZone.status == 64)
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("checkpoint.conf").path))
        // A settings file that says something greenlane does not know is a setup error, not a guess.
        try "zone = dong-da\ncolour = green\n".write(to: home.appendingPathComponent("checkpoint.conf"),
                                                     atomically: true, encoding: .utf8)
        let unknown = try greenlane(["verify", try sample("valid-es256")] + Self.at, environment: env)
        #expect(unknown.status == 3)
        #expect(unknown.stderr.contains("colour"))
    }
}
