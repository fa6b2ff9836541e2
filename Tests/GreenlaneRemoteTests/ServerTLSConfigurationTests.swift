import Foundation
import GreenlaneService
import GreenlaneSupport
import Testing

/// The server's own TLS: its key is held like the signing key, and half a TLS set-up does not start.
@Suite struct ServerTLSConfigurationTests {
    @Test func aTLSKeyOthersCanReadStopsTheServerFromStarting() async throws {
        let fixture = try await RemoteFixture.make()
        chmod(fixture.authority.serverKey, 0o644)
        await #expect {
            _ = try await buildApplication(fixture.configuration, store: fixture.store)
        } throws: { error in
            (error as? any GreenlaneError)?.reason.contains("chmod 600 \(fixture.authority.serverKey)") == true
        }
    }

    @Test func aCertificateWithoutItsKeyIsRefusedInTheConfiguration() throws {
        let environment = [
            "GREENLANE_REGISTRY": "/tmp/r.sqlite", "GREENLANE_POLICY": "/tmp/p.json",
            "GREENLANE_SIGNER_SOCKET": "/tmp/signer.sock", "GREENLANE_SERVER_TLS_CERTIFICATE": "/tmp/server.pem",
        ]
        #expect {
            _ = try ServerConfiguration.load(file: nil, environment: environment)
        } throws: { error in
            (error as? ServiceError)?.reason.contains("tlsCertificate and tlsKey go together") == true
        }
        var both = environment
        both["GREENLANE_SERVER_TLS_KEY"] = "/tmp/server.key"
        let configuration = try ServerConfiguration.load(file: nil, environment: both)
        #expect(configuration.tlsCertificate == "/tmp/server.pem" && configuration.tlsKey == "/tmp/server.key")
    }
}
