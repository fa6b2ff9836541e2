import Foundation
import GreenlaneFormat
import GreenlaneService
import GreenlaneStore
import HummingbirdTesting
import Hummingbird
import Testing

/// `greenlane remote …` against the real server serving TLS on loopback, each test named after the job or
/// the attack it stops.
@Suite struct RemoteCommandTests {
    @Test func aDispatcherRequestsOverTLSAnOfficerApprovesAndThePassVerifies() async throws {
        let fixture = try await RemoteFixture.make()
        try await fixture.live { url, _ in
            // Through `greenlane`, which hands `remote` to greenlane-office like every office command.
            let requested = try await fixture.remote(["request"] + vehicleFlags() + ["--json"], url: url)
            #expect(requested.status == 0, "\(requested.stderr)")
            let answer = try #require(
                try JSONSerialization.jsonObject(with: Data(requested.stdout.utf8)) as? [String: Any])
            let id = try #require(answer["id"] as? String)
            #expect(answer["status"] as? String == "pending")
            #expect((answer["rows"] as? [[String: Any]])?.first?["source"] as? String == "command line")

            let early = try await fixture.remote(["download", id], url: url)
            #expect(early.status == 1)
            #expect(early.stderr.contains("no issued pass yet"))

            let approved = try await fixture.remote(["approve", id], credential: fixture.officerFile,
                                                    binary: Binaries.office, url: url)
            #expect(approved.status == 0, "\(approved.stderr)")
            #expect(approved.stdout.contains("\(id) approved"))
            #expect(approved.stdout.contains("HN-000001"))

            let status = try await fixture.remote(["status", id], url: url)
            #expect(status.status == 0)
            #expect(status.stdout.contains("issued") && status.stdout.contains("HN-000001"))

            let out = fixture.folder.appendingPathComponent("passes")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let downloaded = try await fixture.remote(["download", id, "--out", out.path], url: url)
            #expect(downloaded.status == 0, "\(downloaded.stderr)")
            for suffix in [".txt", ".png", ".svg", ".card.svg"] {
                let file = out.appendingPathComponent("HN-000001" + suffix).path
                #expect(FileManager.default.fileExists(atPath: file), "\(file)")
                let mode = (try? FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
                #expect(mode == 0o600)
            }
            let code = try String(contentsOf: out.appendingPathComponent("HN-000001.txt"), encoding: .utf8)
            let recorded = try await fixture.store.permit("HN-000001", at: Int64(Date().timeIntervalSince1970))
            #expect(recorded?.permit.code == code.trimmingCharacters(in: .newlines))

            // A checkpoint with the authority's trust file and a fresh revocation list accepts the pass.
            let list = fixture.folder.appendingPathComponent("revocations.glr").path
            let exported = try await runCommand(Binaries.office, [
                "revocations", "export", "--out", list, "--key", fixture.signingKey, "--key-trust", fixture.trustFile,
                "--registry", fixture.configuration.registry,
            ], home: fixture.folder)
            #expect(exported.status == 0, "\(exported.stderr)")
            let verified = try await runCommand(Binaries.greenlane, [
                "verify", "--file", out.appendingPathComponent("HN-000001.txt").path, "--trust", fixture.trustFile,
                "--revocations", list, "--zone", "ba-dinh", "--lang", "en",
            ], home: fixture.folder)
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        }
    }

    @Test func aFirmEnrolsWithItsOneTimeCodeAndTheTokenGoesToAPrivateFileUnshown() async throws {
        let fixture = try await RemoteFixture.make()
        try await fixture.live { url, client in
            let made = try await client.execute(uri: "/v1/firms/VTPOST/enrolments", method: .post,
                                                headers: [.authorization: "Bearer \(fixture.adminToken)"], body: nil)
            #expect(made.status == .created)
            let object = try JSONSerialization.jsonObject(with: Data(made.body.readableBytesView)) as? [String: Any]
            let code = try #require(object?["code"] as? String)
            let codeFile = fixture.folder.appendingPathComponent("enrolment.code").path
            try writePrivate(code + "\n", to: codeFile)
            let credential = fixture.folder.appendingPathComponent("vtpost-new.token").path
            let enrolled = try await fixture.remote(["enrol", "--code-file", codeFile, "--label", "Trần Thị Bình"],
                                                    credential: credential, url: url)
            #expect(enrolled.status == 0, "\(enrolled.stderr)")
            let token = try String(contentsOfFile: credential, encoding: .utf8).trimmingCharacters(in: .newlines)
            #expect(token.hasPrefix("glt_"))
            #expect(!enrolled.stdout.contains(token) && !enrolled.stderr.contains(token))
            let mode = try FileManager.default.attributesOfItem(atPath: credential)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            // The new credential works, and is VTPOST's.
            let requested = try await fixture.remote(["request"] + vehicleFlags("29C-456.78"), credential: credential,
                                                     url: url)
            #expect(requested.status == 0, "\(requested.stderr)")
            // The code works once; the credential file is never overwritten.
            let again = try await fixture.remote(["enrol", "--code-file", codeFile],
                                                 credential: fixture.folder.appendingPathComponent("x.token").path,
                                                 url: url)
            #expect(again.status == 1)
            #expect(again.stderr.contains("enrolment.unknown"), "\(again.stderr)")
            let overwrite = try await fixture.remote(["enrol", "--code-file", codeFile], credential: credential,
                                                     url: url)
            #expect(overwrite.status == 3)
            #expect(try String(contentsOfFile: credential, encoding: .utf8).hasPrefix(token))
        }
    }

    @Test func aServerCertificateFromAnotherCAIsRefused() async throws {
        let fixture = try await RemoteFixture.make()
        let stranger = try TestAuthority.make(in: fixture.folder, name: "stranger")
        try await fixture.live { url, _ in
            let pinned = try await fixture.remote(["request"] + vehicleFlags(), url: url, ca: stranger.caCertificate)
            #expect(pinned.status == 3)
            #expect(pinned.stderr.contains("could not be trusted"), "\(pinned.stderr)")
            // Without --ca, the system's CAs do not vouch for the test authority either.
            let system = try await runCommand(Binaries.office, [
                "remote", "status", "rq-0000000000000000", "--server", url, "--credential-file", fixture.dispatcherFile,
            ], home: fixture.folder)
            #expect(system.status == 3)
            #expect(system.stderr.contains("could not be trusted"), "\(system.stderr)")
        }
        // Nothing reached the registry: no request was recorded.
        let log = try await fixture.store.auditLog(limit: 1_000, actor: nil, action: nil)
        #expect(!log.contains { $0.action.hasPrefix("request.") })
    }

    @Test func aCredentialFileOthersCanReadIsRefused() async throws {
        let fixture = try await RemoteFixture.make()
        chmod(fixture.dispatcherFile, 0o644)
        try await fixture.live { url, _ in
            let result = try await fixture.remote(["request"] + vehicleFlags(), url: url)
            #expect(result.status == 3)
            #expect(result.stderr.contains("chmod 600 \(fixture.dispatcherFile)"), "\(result.stderr)")
        }
    }

    @Test func aTokenOnTheCommandLineIsRefused() async throws {
        let fixture = try await RemoteFixture.make()
        let token = try String(contentsOfFile: fixture.dispatcherFile, encoding: .utf8)
            .trimmingCharacters(in: .newlines)
        for form in [["--token", token], ["--token=\(token)"]] {
            let result = try await runCommand(Binaries.greenlane, [
                "remote", "status", "rq-0000000000000000", "--server", "https://localhost:1",
            ] + form, home: fixture.folder)
            #expect(result.status == 64)
            #expect(result.stderr.contains("--token is refused"), "\(result.stderr)")
            #expect(result.stderr.contains("--credential-file"))
            #expect(!result.stderr.contains(token) && !result.stdout.contains(token))
        }
        // Nor in the configuration file: it names the credential file, never the secret.
        try #"{"server": "https://localhost:1", "token": "glt_x"}"#
            .write(to: fixture.folder.appendingPathComponent("remote.json"), atomically: true, encoding: .utf8)
        let configured = try await runCommand(Binaries.office, ["remote", "list"], home: fixture.folder)
        #expect(configured.status == 3)
        #expect(configured.stderr.contains("holds a token"), "\(configured.stderr)")
    }

    @Test func plainHTTPToANonLoopbackHostIsRefused() async throws {
        let fixture = try await RemoteFixture.make()
        let started = ContinuousClock.now
        // 192.0.2.0/24 is TEST-NET-1: refused before any connection is tried.
        let remoteHost = try await runCommand(Binaries.office, [
            "remote", "status", "rq-0000000000000000", "--server", "http://192.0.2.10:8080", "--allow-plain-http",
            "--credential-file", fixture.dispatcherFile,
        ], home: fixture.folder)
        #expect(remoteHost.status == 3)
        #expect(remoteHost.stderr.contains("not this machine"), "\(remoteHost.stderr)")
        #expect(ContinuousClock.now - started < .seconds(8))
        // To loopback, plain http needs the flag.
        let unflagged = try await runCommand(Binaries.office, [
            "remote", "status", "rq-0000000000000000", "--server", "http://127.0.0.1:8080",
            "--credential-file", fixture.dispatcherFile,
        ], home: fixture.folder)
        #expect(unflagged.status == 3)
        #expect(unflagged.stderr.contains("--allow-plain-http"), "\(unflagged.stderr)")
    }

    @Test func problemDetailsFromTheServerMapToExitCodes() async throws {
        let fixture = try await RemoteFixture.make()
        try await fixture.live { url, _ in
            let requested = try await fixture.remote(["request"] + vehicleFlags(), url: url)
            let id = try #require(requested.stdout.split(separator: " ").first.map(String.init))
            // 403 role.forbidden: a dispatcher approving its own request is refused (1).
            let selfApproved = try await fixture.remote(["approve", id], url: url)
            #expect(selfApproved.status == 1)
            #expect(selfApproved.stderr.contains("HTTP 403 role.forbidden"), "\(selfApproved.stderr)")
            // 404 notFound: another firm's request is not found (1).
            let other = try await fixture.remote(["status", id], credential: fixture.otherFirmFile, url: url)
            #expect(other.status == 1)
            #expect(other.stderr.contains("HTTP 404 notFound"), "\(other.stderr)")
            // 401 with an unknown token: the credential cannot be used (3).
            let forged = fixture.folder.appendingPathComponent("forged.token").path
            try writePrivate("glt_" + String(repeating: "0", count: 48) + "\n", to: forged)
            let unknown = try await fixture.remote(["status", id], credential: forged, url: url)
            #expect(unknown.status == 3)
            #expect(unknown.stderr.contains("HTTP 401 auth.required"), "\(unknown.stderr)")
            // Refused rows are exit 1 with each reason's code, as for `greenlane issue`.
            var bad = vehicleFlags("29C-12")
            bad[bad.firstIndex(of: "--purpose")! + 1] = "tourism"
            let refused = try await fixture.remote(["request"] + bad, url: url)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("(plate.invalid)") && refused.stderr.contains("(purpose.unknown)"),
                    "\(refused.stderr)")
        }
    }

    @Test func aRequestSentAgainWithItsIdempotencyKeyIsTheSameRequest() async throws {
        let fixture = try await RemoteFixture.make()
        try await fixture.live { url, _ in
            let key = ["--idempotency-key", "fleet-2021-07-26-morning"]
            let vehicle = vehicleFlags()
            let first = try await fixture.remote(["request"] + vehicle + key, url: url)
            let again = try await fixture.remote(["request"] + vehicle + key, url: url)
            #expect(first.status == 0 && again.status == 0, "\(first.stderr)\(again.stderr)")
            let firstID = first.stdout.split(separator: " ").first
            #expect(firstID != nil && firstID == again.stdout.split(separator: " ").first)
            // Another body under the same key is refused by the server (422 idempotency.keyReused, exit 1).
            let other = try await fixture.remote(["request"] + vehicleFlags("29C-999.99") + key, url: url)
            #expect(other.status == 1)
            #expect(other.stderr.contains("idempotency.keyReused"), "\(other.stderr)")
        }
    }
    @Test func aRequestStillInProgressOnAnotherInstanceIsRetriedUntilThatInstanceGivesItUp() async throws {
        let fixture = try await RemoteFixture.make()
        try await fixture.live { url, _ in
            // A first request teaches us the fingerprint the server gives this body (the same flags, the same body).
            let vehicle = vehicleFlags()
            let probe = try await fixture.remote(["request"] + vehicle + ["--idempotency-key", "probe"], url: url)
            #expect(probe.status == 0, "\(probe.stderr)")
            let row = try await runCommand(URL(fileURLWithPath: "/usr/bin/sqlite3"), [
                fixture.configuration.registry,
                "SELECT scope || ' ' || hex(fingerprint) FROM service_idempotency WHERE key = 'probe'",
            ], home: fixture.folder)
            let fields = row.stdout.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            let scope = try #require(fields.first)
            let fingerprint = try #require(fields.count == 2 ? Hex.decode(fields[1]) : nil)
            let now = Int64(Date().timeIntervalSince1970)
            // Another instance claims two keys for this very call and is still working on them.
            for key in ["retried", "held"] {
                let claim = IdempotencyClaim(scope: scope, key: key, fingerprint: fingerprint, claimedAt: now)
                #expect(try await fixture.store.claimIdempotencyKey(claim, leaseSeconds: 300) == .claimed)
            }
            // It gives the first up (its work failed) while the command waits out Retry-After (1 s, 4 attempts).
            let release = Task {
                try await Task.sleep(for: .milliseconds(2_500))
                try await fixture.store.releaseIdempotencyKey(scope: scope, key: "retried")
            }
            let retried = try await fixture.remote(["request"] + vehicle + ["--idempotency-key", "retried"], url: url)
            try await release.value
            #expect(retried.status == 0, "\(retried.stderr)")
            #expect(try await fixture.store.auditLog(limit: 10, actor: nil, action: "request.submit").count == 2)
            // The second is never given up: after its retries the command stops with the server's code.
            let held = try await fixture.remote(["request"] + vehicle + ["--idempotency-key", "held"], url: url)
            #expect(held.status == 1)
            #expect(held.stderr.contains("idempotency.inProgress"), "\(held.stderr)")
        }
    }
}
