public import GreenlaneCrypto
public import GreenlaneFormat
public import GreenlaneMessages
import GreenlaneSupport

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

    /// The reason in the officer's language, from the message catalogue. It never quotes the code's own text
    /// (an unverified code's fields appear only in the "NOT verified" block) and escapes what it takes from a
    /// trust file or a revocation list; a `malformed-*` reason names the layer, not the parser's detail
    /// (`detail` has it, for logs and `--json`).
    public func message(_ language: Language) -> String {
        func time(_ value: Int64) -> String {
            language == .vi ? Timestamp.vietnamese(value) : Timestamp.english(value)
        }
        switch kind {
        case .malformed(let error):
            switch error.layer {
            case .prefix: return Catalogue.malformedPrefix.text(language)
            case .base45: return Catalogue.malformedBase45.text(language)
            case .zlib: return Catalogue.malformedZlib.text(language)
            case .cbor: return Catalogue.malformedCBOR.text(language)
            case .cose: return Catalogue.malformedCOSE.text(language)
            case .claims: return Catalogue.malformedClaims.text(language)
            }
        case .nonCanonicalCompression(let plainLength):
            return Catalogue.nonCanonicalCompression.text(language, String(plainLength))
        case .unknownKeyID(let kid):
            return Catalogue.unknownKeyID.text(language, Hex.encode(kid))
        case .algorithmNotAllowed(let alg):
            return Catalogue.algorithmNotAllowed.text(language, alg)
        case .algorithmMismatch(let header, let key):
            return Catalogue.algorithmMismatch.text(language, header.rawValue, key.rawValue)
        case .nonCanonicalSignature(let algorithm):
            return Catalogue.nonCanonicalSignature.text(
                language, algorithm.rawValue, algorithm == .es256 ? "s > n/2" : "S ≥ L")
        case .badSignature:
            return Catalogue.badSignature.text(language)
        case .keyNotValid(let issuedAt, let label):
            return Catalogue.keyNotValid.text(language, label, time(issuedAt))
        case .issuerMismatch(_, let key):
            return Catalogue.issuerMismatch.text(language, key)
        case .notYetValid(let notBefore):
            return Catalogue.notYetValid.text(language, time(notBefore))
        case .expired(let expiresAt):
            return Catalogue.expired.text(language, time(expiresAt))
        case .wrongZone(let district, let zones):
            return Catalogue.wrongZone.text(
                language, language == .vi ? district.vietnameseName : district.englishName,
                Failure.zones(zones, language))
        case .outsideTimeWindow(let window):
            return Catalogue.outsideTimeWindow.text(language, window.description)
        case .revoked(let entry):
            return Catalogue.revoked.text(
                language, time(entry.revokedAt),
                language == .vi ? entry.reason.vietnameseName : entry.reason.englishName)
        }
    }

    /// The parser's own words for a `malformed-*` failure (byte offsets, the field that failed), escaped: for
    /// `--json` and logs, never for the officer's screen.
    public var detail: String? {
        if case .malformed(let error) = kind { return SafeText.escaped(error.reason) }
        return nil
    }

    /// The districts in `language`: "all of Hanoi" or their names.
    public static func zones(_ zones: Zones, _ language: Language) -> String {
        language == .vi ? vietnameseZones(zones) : englishZones(zones)
    }

    public static func vietnameseZones(_ zones: Zones) -> String {
        zones.isAll ? Catalogue.allOfHanoi.vi : zones.districts.map(\.shortName).joined(separator: ", ")
    }

    public static func englishZones(_ zones: Zones) -> String {
        zones.isAll ? Catalogue.allOfHanoi.en : zones.districts.map(\.englishName).joined(separator: ", ")
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

    /// Whether the checkpoint cannot confirm a pass while this holds: its own data (trust file, revocation
    /// list) are not fit to decide on. No warning does yet; the verdict `cannotConfirm` and exit code 4 are
    /// ready for the checks that will (roles in trust files, lists that fail closed).
    public var preventsConfirmation: Bool {
        switch kind {
        case .demoKey, .staleRevocationList, .noRevocationList, .zoneNotChecked: false
        }
    }

    public func message(_ language: Language) -> String {
        switch kind {
        case .demoKey(let label):
            return Catalogue.demoKeyReason.text(language, label)
        case .staleRevocationList(let issuedAt):
            return Catalogue.staleRevocationList.text(
                language, language == .vi ? Timestamp.vietnamese(issuedAt) : Timestamp.english(issuedAt))
        case .noRevocationList:
            return Catalogue.noRevocationList.text(language)
        case .zoneNotChecked:
            return Catalogue.zoneNotChecked.text(language)
        }
    }
}
