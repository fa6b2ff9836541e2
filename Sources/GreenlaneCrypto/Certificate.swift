import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension PublicKey {
    /// An X.509 certificate, PEM or DER: its subject public key and validity period (unix seconds).
    /// The certificate's signature is not checked here; trust decisions belong to the caller.
    public static func fromCertificate(_ bytes: [UInt8]) throws(CryptoError)
        -> (key: PublicKey, notBefore: Int64, notAfter: Int64)
    {
        var der = bytes
        if PEM.looksLikePEM(bytes) {
            let blocks = try PEM.blocks(in: bytes, what: "certificate PEM")
            guard let block = blocks.first(where: { $0.label == "CERTIFICATE" }) else {
                throw CryptoError(
                    .certificate, "certificate PEM: expected \"CERTIFICATE\", found \"\(blocks[0].label)\"")
            }
            der = block.der
        }
        guard !der.isEmpty, der.count < 1 << 20 else {
            throw CryptoError(.certificate, "certificate: \(der.count) bytes is not a plausible certificate")
        }
        ERR_clear_error()
        var consumed = 0
        let decoded: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let certificate = d2i_X509(nil, &cursor, buffer.count)
            if let cursor, let base = buffer.baseAddress { consumed = cursor - base }
            return certificate
        }
        guard let decoded else { throw openSSLError(.certificate, "certificate: not a valid X.509 DER certificate") }
        let certificate = X509Certificate(taking: decoded)
        guard consumed == der.count else {
            throw CryptoError(
                .certificate, "certificate: \(der.count - consumed) trailing bytes after the certificate")
        }
        guard let subjectKey = X509_get_pubkey(certificate.pointer) else {  // returns a new reference we own
            throw openSSLError(.certificate, "certificate: cannot decode the subject public key")
        }
        let key = try PublicKey(key: EVPKey(taking: subjectKey), what: "certificate subject key")
        let notBefore = try unixTime(X509_get0_notBefore(certificate.pointer), field: "notBefore")
        let notAfter = try unixTime(X509_get0_notAfter(certificate.pointer), field: "notAfter")
        return (key, notBefore, notAfter)
    }
}

/// Seconds since 1970 for an ASN1_TIME, computed from its UTC fields (no time zone or timegm involved).
private func unixTime(_ time: UnsafePointer<ASN1_TIME>?, field: String) throws(CryptoError) -> Int64 {
    var fields = tm()
    guard let time, ASN1_TIME_to_tm(time, &fields) == 1 else {
        throw openSSLError(.certificate, "certificate: unreadable \(field) time")
    }
    let days = daysSinceEpoch(
        year: Int64(fields.tm_year) + 1900, month: Int64(fields.tm_mon) + 1, day: Int64(fields.tm_mday))
    return days * 86_400 + Int64(fields.tm_hour) * 3_600 + Int64(fields.tm_min) * 60 + Int64(fields.tm_sec)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
}
