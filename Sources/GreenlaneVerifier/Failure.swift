public import GreenlaneCrypto
public import GreenlaneFormat

/// One reason a pass is refused. Every failure names the check that produced it (`check`).
public enum Failure: Sendable, Hashable {
    /// The code could not be read; `error.layer` says which layer (prefix, base45, zlib, CBOR, COSE, claims).
    case malformed(FormatError)
    /// No trusted key has this kid. Never tried against another key.
    case unknownKeyID([UInt8])
    /// The protected header names an algorithm the checkpoint does not accept (or none at all).
    case algorithmNotAllowed(String)
    /// The protected header's algorithm is not the algorithm of the key the kid names.
    case algorithmMismatch(header: SignatureAlgorithm, key: SignatureAlgorithm)
    case badSignature
    /// The pass was issued outside the signing key's validity period.
    case keyNotValid(issuedAt: Int64, label: String)
    /// The pass names an issuer the key does not sign for.
    case issuerMismatch(pass: String, key: String)
    case notYetValid(notBefore: Int64)
    case expired(expiresAt: Int64)
    case wrongZone(checkpoint: District, zones: Zones)
    case outsideTimeWindow(DailyWindow)
    case revoked(RevocationList.Entry)

    /// Stable identifier of the check, for JSON output, logs and the samples' expected outcomes.
    public var check: String {
        switch self {
        case .malformed(let error): "malformed-\(error.layer.rawValue)"
        case .unknownKeyID: "unknown-kid"
        case .algorithmNotAllowed: "algorithm-not-allowed"
        case .algorithmMismatch: "algorithm-mismatch"
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

    public var isMalformed: Bool {
        if case .malformed = self { return true }
        return false
    }

    /// The reason in the officer's language.
    public func message(_ language: Language) -> String {
        let vi = language == .vi
        switch self {
        case .malformed(let error):
            let layer = vi ? Failure.vietnameseLayer(error.layer) : error.layer.rawValue
            return vi
                ? "Mã không đọc được (lớp \(layer)): \(error.reason)"
                : "Code cannot be read (\(layer) layer): \(error.reason)"
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
public enum Warning: Sendable, Hashable {
    /// Signed by a demo key: not a real pass, whatever else the result says.
    case demoKey(label: String)
    /// The revocation list is older than the checkpoint allows.
    case staleRevocationList(issuedAt: Int64)
    /// No revocation list was given: a revoked pass would pass.
    case noRevocationList
    /// No checkpoint district was given: the zone check was skipped.
    case zoneNotChecked

    public var check: String {
        switch self {
        case .demoKey: "demo-key"
        case .staleRevocationList: "stale-revocation-list"
        case .noRevocationList: "no-revocation-list"
        case .zoneNotChecked: "zone-not-checked"
        }
    }

    public func message(_ language: Language) -> String {
        let vi = language == .vi
        switch self {
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
