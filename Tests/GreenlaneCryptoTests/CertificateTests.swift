import Foundation
import GreenlaneCrypto
import Testing

@Suite struct CertificateTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func selfSignedCertificateInPEMAndDER(_ algorithm: SignatureAlgorithm) throws {
        let directory = try TemporaryDirectory()
        let key = try PrivateKey.generate(algorithm)
        let keyPath = directory.path("key.pem")
        try key.write(to: keyPath, passphrase: nil)
        let pemPath = directory.path("cert.pem")
        let derPath = directory.path("cert.der")
        let before = Int64(Date().timeIntervalSince1970)
        try openssl(["req", "-x509", "-new", "-key", keyPath, "-subj", "/CN=test", "-days", "30", "-out", pemPath])
        let after = Int64(Date().timeIntervalSince1970)
        try openssl(["x509", "-in", pemPath, "-outform", "DER", "-out", derPath])

        for bytes in [try directory.read("cert.pem"), try directory.read("cert.der")] {
            let certificate = try PublicKey.fromCertificate(bytes)
            #expect(certificate.key == key.publicKey)
            #expect(certificate.key.algorithm == algorithm)
            #expect(certificate.notBefore >= before - 1 && certificate.notBefore <= after + 1)
            #expect(certificate.notAfter - certificate.notBefore == 30 * 86_400)
        }

        // Cross-check the times against the CLI's own rendering.
        let dates = try openssl(["x509", "-in", pemPath, "-noout", "-startdate", "-enddate", "-dateopt", "iso_8601"])
        let certificate = try PublicKey.fromCertificate(try directory.read("cert.pem"))
        #expect(dates.output.contains("notBefore=\(iso8601(certificate.notBefore))"), "\(dates.output)")
        #expect(dates.output.contains("notAfter=\(iso8601(certificate.notAfter))"), "\(dates.output)")
    }

    @Test func validityBeyond2050UsesGeneralizedTime() throws {
        let directory = try TemporaryDirectory()
        let keyPath = directory.path("key.pem")
        try PrivateKey.generate(.es256).write(to: keyPath, passphrase: nil)
        let pemPath = directory.path("cert.pem")
        try openssl(["req", "-x509", "-new", "-key", keyPath, "-subj", "/CN=long", "-days", "36500", "-out", pemPath])
        let certificate = try PublicKey.fromCertificate(try directory.read("cert.pem"))
        #expect(certificate.notAfter - certificate.notBefore == 36_500 * 86_400)
        #expect(certificate.notAfter > 2_524_608_000)  // after 2050-01-01
        let dates = try openssl(["x509", "-in", pemPath, "-noout", "-enddate", "-dateopt", "iso_8601"])
        #expect(dates.output.contains("notAfter=\(iso8601(certificate.notAfter))"), "\(dates.output)")
    }

    @Test func notACertificate() throws {
        let key = try PrivateKey.generate(.eddsa)
        #expect(cryptoError { _ = try PublicKey.fromCertificate(Array(key.publicKey.pem.utf8)) }?.code == .certificate)
        #expect(cryptoError { _ = try PublicKey.fromCertificate(key.publicKey.spkiDER) }?.code == .certificate)
        #expect(cryptoError { _ = try PublicKey.fromCertificate([]) }?.code == .certificate)
        let truncated = "-----BEGIN CERTIFICATE-----\nMIIB\n"
        #expect(cryptoError { _ = try PublicKey.fromCertificate(Array(truncated.utf8)) }?.code == .truncatedPEM)
    }

    @Test func certificateWithUnsupportedKey() throws {
        let directory = try TemporaryDirectory()
        try openssl(["genpkey", "-algorithm", "ED448", "-out", directory.path("key.pem")])
        try openssl([
            "req", "-x509", "-new", "-key", directory.path("key.pem"), "-subj", "/CN=test", "-days", "1",
            "-out", directory.path("cert.pem"),
        ])
        let error = cryptoError { _ = try PublicKey.fromCertificate(try directory.read("cert.pem")) }
        #expect(error?.code == .unsupportedKeyType)
    }

    private func iso8601(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
