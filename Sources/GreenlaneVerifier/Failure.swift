public import GreenlaneCrypto
public import GreenlaneFormat

/// One reason a pass is refused. Every failure names the check that produced it (`check`).
///
/// A struct rather than a public enum, so a new check can be added without breaking the `switch`es of apps
/// that embed the verifier: branch on `check` (or compare with the static members), read the details from
/// the properties. The cases below are internal and may grow.
public struct Failure: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case malformed(FormatError)
        case nonCanonicalCompression(plainLength: Int)
        case unknownKeyID([UInt8])
        case algorithmNotAllowed(String)
        case algorithmMismatch(header: SignatureAlgorithm, key: SignatureAlgorithm)
        case nonCanonicalSignature(SignatureAlgorithm)
        case badSignature
        case keyNotValid(issuedAt: Int64, label: String)
        case issuerMismatch(pass: String, key: String)
        case notYetValid(notBefore: Int64)
        case expired(expiresAt: Int64)
        case wrongZone(checkpoint: District, zones: Zones)
        case outsideTimeWindow(DailyWindow)
        case revoked(RevocationList.Entry)
    }

    let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// The code could not be read; `error.layer` says which layer (prefix, base45, zlib, CBOR, COSE, claims).
    public static func malformed(_ error: FormatError) -> Failure { Failure(.malformed(error)) }
    /// A zlib layer on a code that must be plain: its uncompressed code, `plainLength` characters, fits QR
    /// version 10-M, where greenlane never compresses (`PassCode.mayCompress`). Refused so a pass has one
    /// code string.
    public static func nonCanonicalCompression(plainLength: Int) -> Failure {
        Failure(.nonCanonicalCompression(plainLength: plainLength))
    }
    /// No trusted key has this kid. Never tried against another key.
    public static func unknownKeyID(_ kid: [UInt8]) -> Failure { Failure(.unknownKeyID(kid)) }
    /// The protected header names an algorithm the checkpoint does not accept (or none at all).
    public static func algorithmNotAllowed(_ described: String) -> Failure { Failure(.algorithmNotAllowed(described)) }
    /// The protected header's algorithm is not the algorithm of the key the kid names.
    public static func algorithmMismatch(header: SignatureAlgorithm, key: SignatureAlgorithm) -> Failure {
        Failure(.algorithmMismatch(header: header, key: key))
    }
    /// The signature is the second, malleable form of a signature (ES256 s above n/2, Ed25519 S not below L),
    /// refused whether or not it verifies, so a pass has one code string.
    public static func nonCanonicalSignature(_ algorithm: SignatureAlgorithm) -> Failure {
        Failure(.nonCanonicalSignature(algorithm))
    }
    public static let badSignature = Failure(.badSignature)
    /// The pass was issued outside the signing key's validity period.
    public static func keyNotValid(issuedAt: Int64, label: String) -> Failure {
        Failure(.keyNotValid(issuedAt: issuedAt, label: label))
    }
    /// The pass names an issuer the key does not sign for.
    public static func issuerMismatch(pass: String, key: String) -> Failure {
        Failure(.issuerMismatch(pass: pass, key: key))
    }
    public static func notYetValid(notBefore: Int64) -> Failure { Failure(.notYetValid(notBefore: notBefore)) }
    public static func expired(expiresAt: Int64) -> Failure { Failure(.expired(expiresAt: expiresAt)) }
    public static func wrongZone(checkpoint: District, zones: Zones) -> Failure {
        Failure(.wrongZone(checkpoint: checkpoint, zones: zones))
    }
    public static func outsideTimeWindow(_ window: DailyWindow) -> Failure { Failure(.outsideTimeWindow(window)) }
    public static func revoked(_ entry: RevocationList.Entry) -> Failure { Failure(.revoked(entry)) }

    /// Stable identifier of the check, for JSON output, logs and the samples' expected outcomes.
    public var check: String {
        switch kind {
        case .malformed(let error): "malformed-\(error.layer.rawValue)"
        case .nonCanonicalCompression: "non-canonical-compression"
        case .unknownKeyID: "unknown-kid"
        case .algorithmNotAllowed: "algorithm-not-allowed"
        case .algorithmMismatch: "algorithm-mismatch"
        case .nonCanonicalSignature: "non-canonical-signature"
        case .badSignature: "bad-signature"
        case .keyNotValid: "key-not-valid"
        case .issuerMismatch: "issuer-mismatch"
        case .notYetValid: "not-yet-valid"
        case .expired: "expired"
        case .wrongZone: "wrong-zone"
        case .outsideTimeWindow: "outside-time-window"
        case .revoked: "revoked"
        }
    }

    public var description: String { check }

    public var isMalformed: Bool {
        if case .malformed = kind { return true }
        return false
    }

    // The details, each set only on the failures that carry it.

    /// Which layer could not be read, and why (`malformed-*`).
    public var formatError: FormatError? {
        if case .malformed(let error) = kind { return error }
        return nil
    }
    /// How long the code would be without its zlib layer, in characters (`non-canonical-compression`).
    public var plainCodeLength: Int? {
        if case .nonCanonicalCompression(let plainLength) = kind { return plainLength }
        return nil
    }
    /// The algorithm of the non-canonical signature (`non-canonical-signature`).
    public var signatureAlgorithm: SignatureAlgorithm? {
        if case .nonCanonicalSignature(let algorithm) = kind { return algorithm }
        return nil
    }
    /// The kid no trusted key has (`unknown-kid`).
    public var keyID: [UInt8]? {
        if case .unknownKeyID(let kid) = kind { return kid }
        return nil
    }
    /// The refused algorithm as shown to people (`algorithm-not-allowed`).
    public var refusedAlgorithm: String? {
        if case .algorithmNotAllowed(let described) = kind { return described }
        return nil
    }
    /// The algorithm in the protected header and the key's own (`algorithm-mismatch`).
    public var algorithms: (header: SignatureAlgorithm, key: SignatureAlgorithm)? {
        if case .algorithmMismatch(let header, let key) = kind { return (header, key) }
        return nil
    }
    /// When the pass says it was issued (`key-not-valid`).
    public var issuedAt: Int64? {
        if case .keyNotValid(let issuedAt, _) = kind { return issuedAt }
        return nil
    }
    /// The label of the signing key (`key-not-valid`).
    public var keyLabel: String? {
        if case .keyNotValid(_, let label) = kind { return label }
        return nil
    }
    /// The issuer the pass names and the one its key signs for (`issuer-mismatch`).
    public var issuers: (pass: String, key: String)? {
        if case .issuerMismatch(let pass, let key) = kind { return (pass, key) }
        return nil
    }
    /// When the pass becomes valid (`not-yet-valid`).
    public var notBefore: Int64? {
        if case .notYetValid(let notBefore) = kind { return notBefore }
        return nil
    }
    /// When the pass expired (`expired`).
    public var expiresAt: Int64? {
        if case .expired(let expiresAt) = kind { return expiresAt }
        return nil
    }
    /// The checkpoint's district (`wrong-zone`).
    public var checkpoint: District? {
        if case .wrongZone(let checkpoint, _) = kind { return checkpoint }
        return nil
    }
    /// The districts the pass covers (`wrong-zone`).
    public var zones: Zones? {
        if case .wrongZone(_, let zones) = kind { return zones }
        return nil
    }
    /// The pass's daily hours (`outside-time-window`).
    public var window: DailyWindow? {
        if case .outsideTimeWindow(let window) = kind { return window }
        return nil
    }
    /// The revocation list's entry for the pass (`revoked`).
    public var revocation: RevocationList.Entry? {
        if case .revoked(let entry) = kind { return entry }
        return nil
    }

    /// The reason in the officer's language.
    public func message(_ language: Language) -> String {
        let vi = language == .vi
        switch kind {
        case .malformed(let error):
            let layer = vi ? Failure.vietnameseLayer(error.layer) : error.layer.rawValue
            return vi
                ? "Mã không đọc được (lớp \(layer)): \(error.reason)"
                : "Code cannot be read (\(layer) layer): \(error.reason)"
        case .nonCanonicalCompression(let plainLength):
            return vi
                ? "Mã không ở dạng chuẩn: bị thêm lớp nén zlib dù chỉ dài \(plainLength) ký tự khi không nén"
                : "Non-canonical code: a zlib layer was added to a code of only \(plainLength) characters uncompressed"
        case .unknownKeyID(let kid):
            return vi
                ? "Khóa ký không có trong danh sách tin cậy (kid \(Hex.encode(kid)))"
                : "Signing key is not trusted (kid \(Hex.encode(kid)))"
        case .algorithmNotAllowed(let alg):
            return vi ? "Thuật toán ký không được chấp nhận: \(alg)" : "Signature algorithm not allowed: \(alg)"
        case .algorithmMismatch(let header, let key):
            return vi
                ? "Thuật toán \(header.rawValue) không khớp với khóa \(key.rawValue)"
                : "Algorithm \(header.rawValue) does not match the key's \(key.rawValue)"
        case .nonCanonicalSignature(let algorithm):
            let form = algorithm == .es256 ? "s > n/2" : "S ≥ L"
            return vi
                ? "Chữ ký \(algorithm.rawValue) không ở dạng chuẩn (\(form)): mã đã bị sửa sau khi ký"
                : "Non-canonical \(algorithm.rawValue) signature (\(form)): the code was altered after signing"
        case .badSignature:
            return vi ? "Chữ ký số sai: mã đã bị sửa hoặc giả mạo" : "Bad signature: the code was altered or forged"
        case .keyNotValid(let issuedAt, let label):
            return vi
                ? "Khóa \(label) không còn hiệu lực khi cấp thẻ (\(Timestamp.vietnamese(issuedAt)))"
                : "Key \(label) was not valid when the pass was issued (\(Timestamp.english(issuedAt)))"
        case .issuerMismatch(let pass, let key):
            return vi
                ? "Đơn vị cấp \(pass) không khớp với khóa của \(key)"
                : "Issuer \(pass) does not match the key's issuer \(key)"
        case .notYetValid(let notBefore):
            return vi
                ? "Chưa đến ngày hiệu lực: từ \(Timestamp.vietnamese(notBefore))"
                : "Not yet valid: valid from \(Timestamp.english(notBefore))"
        case .expired(let expiresAt):
            return vi
                ? "Đã hết hạn lúc \(Timestamp.vietnamese(expiresAt))"
                : "Expired at \(Timestamp.english(expiresAt))"
        case .wrongZone(let district, let zones):
            return vi
                ? "Không được đi trong \(district.vietnameseName); chỉ hợp lệ tại: \(Failure.vietnameseZones(zones))"
                : "Not valid in \(district.englishName); valid only in: \(Failure.englishZones(zones))"
        case .outsideTimeWindow(let window):
            return vi
                ? "Ngoài khung giờ được phép (\(window) hằng ngày)"
                : "Outside the permitted hours (\(window) daily, Vietnam time)"
        case .revoked(let entry):
            return vi
                ? "Thẻ đã bị thu hồi lúc \(Timestamp.vietnamese(entry.revokedAt)) (lý do: \(entry.reason.vietnameseName))"
                : "Pass revoked at \(Timestamp.english(entry.revokedAt)) (reason: \(entry.reason.englishName))"
        }
    }

    static func vietnameseLayer(_ layer: FormatError.Layer) -> String {
        switch layer {
        case .prefix: "tiền tố"
        case .base45: "base45"
        case .zlib: "nén zlib"
        case .cbor: "CBOR"
        case .cose: "chữ ký COSE"
        case .claims: "nội dung thẻ"
        }
    }

    public static func vietnameseZones(_ zones: Zones) -> String {
        zones.isAll ? "toàn thành phố Hà Nội" : zones.districts.map(\.shortName).joined(separator: ", ")
    }

    public static func englishZones(_ zones: Zones) -> String {
        zones.isAll ? "all of Hanoi" : zones.districts.map(\.englishName).joined(separator: ", ")
    }
}

/// Something the officer should know that does not by itself refuse the pass.
///
/// A struct for the same reason as `Failure`: a warning can be added without breaking apps.
public struct Warning: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case demoKey(label: String)
        case staleRevocationList(issuedAt: Int64)
        case noRevocationList
        case zoneNotChecked
    }

    let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// Signed by a demo key: not a real pass, whatever else the result says.
    public static func demoKey(label: String) -> Warning { Warning(.demoKey(label: label)) }
    /// The revocation list is older than the checkpoint allows.
    public static func staleRevocationList(issuedAt: Int64) -> Warning {
        Warning(.staleRevocationList(issuedAt: issuedAt))
    }
    /// No revocation list was given: a revoked pass would pass.
    public static let noRevocationList = Warning(.noRevocationList)
    /// No checkpoint district was given: the zone check was skipped.
    public static let zoneNotChecked = Warning(.zoneNotChecked)

    /// Stable identifier of the warning, for JSON output and logs.
    public var check: String {
        switch kind {
        case .demoKey: "demo-key"
        case .staleRevocationList: "stale-revocation-list"
        case .noRevocationList: "no-revocation-list"
        case .zoneNotChecked: "zone-not-checked"
        }
    }

    public var description: String { check }

    /// The demo-key warning, which outputs show as a banner rather than a note.
    public var isDemoKey: Bool {
        if case .demoKey = kind { return true }
        return false
    }
    /// The label of the demo key (`demo-key`).
    public var keyLabel: String? {
        if case .demoKey(let label) = kind { return label }
        return nil
    }
    /// When the stale revocation list was made (`stale-revocation-list`).
    public var revocationListIssuedAt: Int64? {
        if case .staleRevocationList(let issuedAt) = kind { return issuedAt }
        return nil
    }

    public func message(_ language: Language) -> String {
        let vi = language == .vi
        switch kind {
        case .demoKey(let label):
            return vi
                ? "THẺ MẪU (DEMO): ký bằng khóa thử nghiệm \"\(label)\", không phải thẻ thật"
                : "DEMO PASS: signed with the demo key \"\(label)\", not a real pass"
        case .staleRevocationList(let issuedAt):
            return vi
                ? "Danh sách thu hồi đã cũ (lập lúc \(Timestamp.vietnamese(issuedAt))): cần cập nhật"
                : "Revocation list is stale (made \(Timestamp.english(issuedAt))): update it"
        case .noRevocationList:
            return vi ? "Không có danh sách thu hồi: chưa kiểm tra thu hồi" : "No revocation list: revocation not checked"
        case .zoneNotChecked:
            return vi ? "Chưa chọn địa bàn chốt: chưa kiểm tra khu vực" : "No checkpoint district given: zone not checked"
        }
    }
}

/// Languages for people-facing text.
public enum Language: String, Sendable, CaseIterable {
    case vi, en

    /// From `LC_ALL`, `LC_MESSAGES` or `LANG` values: English when they say `en`, Vietnamese otherwise,
    /// since the officers at checkpoints read Vietnamese.
    public static func fromLocale(_ values: [String?]) -> Language {
        for case let value? in values where !value.isEmpty {
            return value.lowercased().hasPrefix("en") ? .en : .vi
        }
        return .vi
    }
}
