import Foundation
import GreenlaneFormat
@testable import GreenlaneService
import GreenlaneSigning
import GreenlaneTestSupport
import GreenlaneStore
import Hummingbird
import HummingbirdTesting
import Testing

/// greenlane-signer as its own process on its Unix socket, each test named after the attack or the job.
@Suite struct SignerTests {
    /// A dispatcher's request of `plates`, submitted through the server; its id.
    func submit(_ client: ServiceClient, _ fixture: ServiceFixture, plates: [String] = ["29C-123.45"])
        async throws -> (id: String, token: String)
    {
        let token = try await client.enrolDispatcher("VNPOST", admin: fixture.adminToken)
        let submitted = try await client.call(.post, "/v1/requests", token: token,
                                              body: ["vehicles": plates.map { ServiceClient.vehicle($0) }])
        #expect(submitted.status == .created)
        return (try #require(submitted.json["id"] as? String), token)
    }

    func permitCount(_ fixture: ServiceFixture) async throws -> Int {
        try await fixture.store.counts().permits
    }

    @Test func signerAskedToSignAnUnapprovedRequestRefuses() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let (id, _) = try await submit(client, fixture)
            let answer = try await SignerClient(socketPath: fixture.signer.socket).send(.issue(requestID: id))
            #expect(!answer.ok)
            #expect(answer.code == "signer.notApproved")
            #expect(try await permitCount(fixture) == 0)
            let stored = try #require(try await fixture.store.serviceRequest(id))
            #expect(stored.status == .pending && stored.rows.map(\.status) == [.accepted])
            // An unknown id is refused the same way, with its own code.
            let unknown = try await SignerClient(socketPath: fixture.signer.socket).send(.issue(requestID: "rq-00"))
            #expect(unknown.code == "signer.unknownRequest")
        }
    }

    @Test func signerRebuildsClaimsFromTheStoreAndIgnoresAnythingSent() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let (id, token) = try await submit(client, fixture)
            // Approved in the store (as the server records an officer's approval), not yet issued.
            let officer = try AuditContext(account: "officer", recordedAt: Int64(Date().timeIntervalSince1970))
            _ = try await fixture.store.decideRequest(id, .approved, context: officer)
            let signer = SignerClient(socketPath: fixture.signer.socket)
            // Claims, a plate, a firm or a hash beside the id: refused whole, nothing signed.
            for extra in [#""claims":{"plate":"99Z-999.99","exp":4102444800}"#, #""firm":"VTPOST""#,
                          #""hash":"00ff""#] {
                let body = Array(#"{"op":"issue","request":"\#(id)",\#(extra)}"#.utf8)
                let answer = try await signer.exchange(SignerProtocol.frame(body))
                #expect(!answer.ok)
                #expect(answer.code == "signer.badRequest")
                #expect(answer.reason?.contains("unknown member") == true)
            }
            #expect(try await permitCount(fixture) == 0)
            let answer = try await signer.send(.issue(requestID: id))
            #expect(answer.ok)
            #expect(answer.rows?.map(\.status) == ["issued"])
            // The permit is what the dispatcher submitted and the store kept, for the request's own firm.
            let serial = try #require(answer.rows?.first?.serial)
            let permit = try #require(try await fixture.store.permit(serial, at: Int64(Date().timeIntervalSince1970)))
            #expect(permit.permit.plate == "29C-123.45")
            #expect(permit.permit.firmID == "VNPOST")
            #expect(permit.permit.driverID == "001085012345")
            let download = try await client.call(.get, "/v1/requests/\(id)/codes", token: token)
            #expect((download.json["codes"] as? [[String: String]])?.first?["code"] == permit.permit.code)
            // Asked again: nothing more is signed.
            let again = try await signer.send(.issue(requestID: id))
            #expect(again.rows?.first?.serial == serial)
            #expect(try await permitCount(fixture) == 1)
        }
    }

    @Test func serverConfigurationRefusesASigningKey() throws {
        let base = ["GREENLANE_REGISTRY": "r", "GREENLANE_POLICY": "p", "GREENLANE_SIGNER_SOCKET": "s"]
        do {
            _ = try ServerConfiguration.load(file: nil, environment: base.merging(["GREENLANE_SIGNING_KEY": "k"]) { $1 })
            Issue.record("GREENLANE_SIGNING_KEY was accepted")
        } catch {
            #expect(error.reason.contains("greenlane-signer"))
            #expect(error.kind == .usage)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString).json")
        try #"{"registry": "r", "policy": "p", "signerSocket": "s", "signingKey": "k.pem"}"#
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            _ = try ServerConfiguration.load(file: file.path, environment: [:])
            Issue.record("a configuration naming signingKey was accepted")
        } catch {
            #expect(error.reason.contains("signingKey") && error.reason.contains("greenlane-signer"))
        }
        // Without a signer socket the server does not start either.
        #expect(throws: ServiceError.self) {
            try ServerConfiguration.load(file: nil, environment: ["GREENLANE_REGISTRY": "r", "GREENLANE_POLICY": "p"])
        }
    }

    @Test func signerDownGives503AndTheRetryIssuesOnce() async throws {
        let fixture = try await ServiceFixture.make()
        try await fixture.live { client in
            let (id, token) = try await submit(client, fixture, plates: ["29C-123.45", "29C-123.46"])
            fixture.signer.kill()
            let key: HTTPFields = [.idempotencyKey: "approve-1"]
            let down = try await client.call(.post, "/v1/requests/\(id)/approve", token: fixture.officerToken,
                                             headers: key)
            #expect(down.status == .serviceUnavailable)
            #expect(down.json["code"] as? String == "signer.unavailable")
            #expect(down.headers[.retryAfter] != nil)
            // The approval is kept; nothing is signed.
            let kept = try #require(try await fixture.store.serviceRequest(id))
            #expect(kept.status == .approved && kept.rows.map(\.status) == [.accepted, .accepted])
            #expect(try await permitCount(fixture) == 0)

            try await fixture.signer.start()
            for _ in 0..<3 {
                let retry = try await client.call(.post, "/v1/requests/\(id)/approve", token: fixture.officerToken,
                                                  headers: key)
                #expect(retry.status == .ok)
                let rows = try #require(retry.json["rows"] as? [[String: Any]])
                #expect(rows.compactMap { $0["serial"] as? String } == ["HN-000001", "HN-000002"])
            }
            #expect(try await permitCount(fixture) == 2)
            let codes = try await client.call(.get, "/v1/requests/\(id)/codes", token: token)
            #expect((codes.json["codes"] as? [[String: String]])?.count == 2)
        }
    }

    @Test func garbledOversizedAndOtherVersionFramesAreRefusedAndTheSignerKeepsServing() async throws {
        let fixture = try await ServiceFixture.make()
        let signer = SignerClient(socketPath: fixture.signer.socket)
        let garbled = try await signer.exchange(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(garbled.code == "frame.garbled")
        // A header announcing 2 GiB: refused from the header, before anything is read or allocated.
        let huge = try await signer.exchange(SignerProtocol.magic + [1, 0x80, 0, 0, 0] + Array(repeating: 0, count: 64))
        #expect(huge.code == "frame.tooLarge")
        let other = try await signer.exchange(SignerProtocol.magic + [2, 0, 0, 0, 2] + Array("{}".utf8))
        #expect(other.code == "frame.version")
        let notJSON = try await signer.exchange(SignerProtocol.frame([0xff, 0xfe, 0x00]))
        #expect(notJSON.code == "signer.badRequest")
        let unknownOp = try await signer.exchange(SignerProtocol.frame(Array(#"{"op":"sign","payload":"AA"}"#.utf8)))
        #expect(unknownOp.code == "signer.badRequest")
        let ping = try await signer.send(.ping)
        #expect(ping.ok && ping.kid?.count == 16)
    }

    @Test func signerSocketIsOwnerAndGroupOnlyAndAStaleSocketIsReplaced() async throws {
        let fixture = try await ServiceFixture.make()
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.signer.socket)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)
        // A signer killed leaves its socket behind; the next one removes it only because nothing answers it.
        fixture.signer.kill()
        #expect(FileManager.default.fileExists(atPath: fixture.signer.socket))
        try await fixture.signer.start()
        #expect(try await SignerClient(socketPath: fixture.signer.socket).send(.ping).ok)
        // A second signer on a live socket refuses to start and leaves the first one serving.
        let second = SignerProcess(arguments: fixture.signer.arguments, socket: fixture.signer.socket,
                                   log: fixture.directory.appendingPathComponent("second.log"))
        await #expect(throws: SignerError.self) { try await second.start() }
        #expect(try String(contentsOf: second.log, encoding: .utf8).contains("another signer is listening"))
        #expect(try await SignerClient(socketPath: fixture.signer.socket).send(.ping).ok)
        // A folder others can enter is refused.
        try FileManager.default.setAttributes([.posixPermissions: 0o755],
                                              ofItemAtPath: fixture.directory.appendingPathComponent("signer").path)
        fixture.signer.kill()
        await #expect(throws: SignerError.self) { try await fixture.signer.start() }
        #expect(try String(contentsOf: fixture.signer.log, encoding: .utf8).contains("others must not reach it"))
    }
}
