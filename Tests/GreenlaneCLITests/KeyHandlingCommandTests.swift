import Foundation
import Testing

/// Issuer keys through the built binary: every unusable key gets a clear one-line reason naming the file and
/// exit code 3 (setup error), and no command ever prints private key material.
@Suite struct KeyHandlingCommandTests {
    /// The demo key's bytes in a new file with this mode.
    func keyCopy(in office: Office, named name: String, mode: Int, bytes: Data? = nil) throws -> String {
        let path = office.folder.appendingPathComponent(name).path
        let source = repositoryRoot.appendingPathComponent("Keys/demo-es256.key.pem")
        try (bytes ?? Data(contentsOf: source)).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func issue(_ office: Office, key: String, _ extra: [String] = []) throws -> CLIResult {
        try office.run(["issue", "--policy", "Samples/policy.json", "--key", key, "--key-trust", "Keys/demo-trust.json"]
            + extra + Office.truck)
    }

    @Test func worldReadableKeyIsRefusedNamingTheFileAndMode() throws {
        let office = try Office()
        let path = try keyCopy(in: office, named: "open.key.pem", mode: 0o644)
        let result = try issue(office, key: path)
        #expect(result.status == 3)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "greenlane: private key file \(path) has mode 0644, so group or others can access it; "
            + "restrict it with `chmod 600 \(path)`\n")
        // Nothing was issued with it.
        #expect(try office.run(["list", "--format", "jsonl"]).stdout.isEmpty)
        // The same refusal for the revocation list export.
        let export = try office.run(["revocations", "export", "--key", path, "--key-trust", "Keys/demo-trust.json", "--out",
                                     office.folder.appendingPathComponent("r.glr").path])
        #expect(export.status == 3)
        #expect(export.stderr.contains("\(path) has mode 0644"))
    }

    @Test func wrongOrMissingPassphraseIsRefused() throws {
        let office = try Office()
        let made = try greenlane(["keys", "generate", "--out", office.folder.path, "--name", "locked",
                                  "--passphrase-env", "GL_KEY_PASS"], environment: ["GL_KEY_PASS": "correct horse"])
        #expect(made.status == 0, "\(made.stderr)")
        let path = office.folder.appendingPathComponent("locked.key.pem").path
        let wrong = try greenlane(
            ["issue", "--policy", "Samples/policy.json", "--key", path, "--key-trust", "Keys/demo-trust.json",
             "--passphrase-env", "GL_KEY_PASS"]
                + Office.truck,
            environment: office.environment.merging(["GL_KEY_PASS": "battery staple"]) { $1 })
        #expect(wrong.status == 3)
        #expect(wrong.stderr.hasPrefix("greenlane: private key file \(path): the passphrase does not decrypt the key "
            + "(or the key is corrupt)"))
        #expect(wrong.stderr.split(separator: "\n").count == 1)
        let missing = try issue(office, key: path)
        #expect(missing.status == 3)
        #expect(missing.stderr == "greenlane: private key file \(path): the key is encrypted and no passphrase "
            + "was given\n")
        #expect(!wrong.stderr.contains("battery") && !wrong.stdout.contains("battery"), "never echo the passphrase")
    }

    @Test func truncatedPEMIsRefused() throws {
        let office = try Office()
        let pem = try Data(contentsOf: repositoryRoot.appendingPathComponent("Keys/demo-es256.key.pem"))
        for (name, bytes) in [("half.key.pem", pem.prefix(pem.count / 2)), ("headless.key.pem", pem.suffix(60)),
                              ("empty.key.pem", Data())] {
            let path = try keyCopy(in: office, named: name, mode: 0o600, bytes: Data(bytes))
            let result = try issue(office, key: path)
            #expect(result.status == 3, "\(name)")
            #expect(result.stderr.hasPrefix("greenlane: private key file \(path)"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
    }

    @Test func publicKeyOrCertificateGivenAsThePrivateKeyIsRefused() throws {
        let office = try Office()
        // As checked out the public key is 0644: what it holds is the problem, not who can read it.
        let checkedOut = try issue(office, key: "Keys/demo-es256.pub.pem")
        #expect(checkedOut.status == 3)
        #expect(checkedOut.stderr.hasSuffix("Keys/demo-es256.pub.pem: holds a public key, not a private key\n"))
        #expect(!checkedOut.stderr.contains("chmod"))
        // A private copy says the same.
        let publicKey = try keyCopy(
            in: office, named: "demo.pub.pem", mode: 0o600,
            bytes: try Data(contentsOf: repositoryRoot.appendingPathComponent("Keys/demo-es256.pub.pem")))
        let result = try issue(office, key: publicKey)
        #expect(result.status == 3)
        #expect(result.stderr == "greenlane: private key file \(publicKey): holds a public key, not a private key\n")
        // A certificate made by the openssl command line from the demo key.
        let certificate = office.folder.appendingPathComponent("demo.crt.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = ["openssl", "req", "-x509", "-key", office.key, "-subj", "/CN=greenlane demo", "-days", "1",
                             "-out", certificate]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: certificate)
        let cert = try issue(office, key: certificate)
        #expect(cert.status == 3)
        #expect(cert.stderr == "greenlane: private key file \(certificate): holds a certificate, not a private key\n")
    }

    @Test func noCommandEverPrintsAPrivateKey() throws {
        let office = try Office()
        var outputs: [(String, CLIResult)] = []
        let plain = try greenlane(["keys", "generate", "--out", office.folder.path, "--name", "plain"])
        outputs.append(("keys generate", plain))
        let locked = try greenlane(["keys", "generate", "--alg", "eddsa", "--out", office.folder.path,
                                    "--name", "locked",
                                    "--passphrase-env", "GL_KEY_PASS"], environment: ["GL_KEY_PASS": "correct horse"])
        outputs.append(("keys generate --passphrase-env", locked))
        for name in ["plain", "locked"] {
            let trust = office.folder.appendingPathComponent("\(name).trust.json").path
            outputs.append(("keys list \(name)", try greenlane(["keys", "list", "--trust", trust])))
        }
        let issued = try office.issue(Office.truck)
        #expect(issued.status == 0, "\(issued.stderr)")
        outputs.append(("issue", issued))
        outputs.append(("issue --json", try office.issue(["--json", "--replace"] + Office.truck)))
        outputs.append(("show", try office.run(["show", "HN-000001", "--no-qr"])))
        outputs.append(("export", try office.run(["revocations", "export", "--key", office.key, "--key-trust", "Keys/demo-trust.json", "--out",
                                                  office.folder.appendingPathComponent("r.glr").path])))
        // The base64 lines of every private key file involved, and the files' labels.
        var secrets: [String] = []
        for path in [office.key, office.folder.appendingPathComponent("plain.key.pem").path,
                     office.folder.appendingPathComponent("locked.key.pem").path] {
            let pem = try String(contentsOfFile: path, encoding: .utf8)
            secrets += pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
        }
        #expect(secrets.count >= 5)
        for (command, result) in outputs {
            #expect(result.status == 0, "\(command): \(result.stderr)")
            for text in [result.stdout, result.stderr] {
                #expect(!text.contains("PRIVATE KEY"), "\(command) printed a PEM label")
                for secret in secrets { #expect(!text.contains(secret), "\(command) printed key material") }
            }
        }
    }
}
