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
        case keyLifetime(KeyLifetimeRule, label: String)
        case keyRole(label: String)
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
    /// The pass lasts longer than its key allows, was signed more than a day before it starts, or ends later
    /// than the key's end plus its lifetime (`key-lifetime`).
    public static func keyLifetime(_ rule: KeyLifetimeRule, label: String) -> Failure {
        Failure(.keyLifetime(rule, label: label))
    }
    /// The signing key may not sign passes (its trust entry lacks the `passes` role).
    public static func keyRole(label: String) -> Failure { Failure(.keyRole(label: label)) }
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
        case .keyLifetime: "key-lifetime"
        case .keyRole: "key-role"
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
    /// The label of the signing key (`key-not-valid`, `key-lifetime`, `key-role`).
    public var keyLabel: String? {
        switch kind {
        case .keyNotValid(_, let label), .keyLifetime(_, let label), .keyRole(let label): return label
        default: return nil
        }
    }
    /// Which lifetime rule the pass broke (`key-lifetime`).
    public var lifetimeRule: KeyLifetimeRule? {
        if case .keyLifetime(let rule, _) = kind { return rule }
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
        case .keyLifetime(let rule, let label):
            switch rule.kind {
            case .tooLong(let limit):
                return Catalogue.keyLifetimeTooLong.text(language, label, String(limit / 86_400))
            case .signedTooEarly:
                return Catalogue.keyLifetimeSignedEarly.text(language, label)
            case .pastKeyEnd(let keyEnd):
                return Catalogue.keyLifetimePastKeyEnd.text(language, label, time(keyEnd))
            }
        case .keyRole(let label):
            return Catalogue.keyRole.text(language, label)
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

/// Which of a key's lifetime rules a pass broke (`key-lifetime`, docs/FORMAT.md §3.1).
public struct KeyLifetimeRule: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case tooLong(limit: Int64)
        case signedTooEarly
        case pastKeyEnd(keyEnd: Int64)
    }

    let kind: Kind

    /// `exp − nbf` is above the key's maximum pass lifetime (`limit`, seconds).
    public static func tooLong(limit: Int64) -> KeyLifetimeRule { KeyLifetimeRule(kind: .tooLong(limit: limit)) }
    /// `nbf − iat` is above a day.
    public static let signedTooEarly = KeyLifetimeRule(kind: .signedTooEarly)
    /// `exp` is later than the key's `notAfter` plus its lifetime.
    public static func pastKeyEnd(keyEnd: Int64) -> KeyLifetimeRule { KeyLifetimeRule(kind: .pastKeyEnd(keyEnd: keyEnd)) }

    /// Stable name, for logs: `too-long`, `signed-too-early`, `past-key-end`.
    public var name: String {
        switch kind {
        case .tooLong: "too-long"
        case .signedTooEarly: "signed-too-early"
        case .pastKeyEnd: "past-key-end"
        }
    }
}

/// Something the officer should know that does not by itself refuse the pass.
///
/// A struct for the same reason as `Failure`: a warning can be added without breaking apps.
public struct Warning: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case demoKey(label: String)
        case staleRevocationList(issuedAt: Int64, usableUntil: Int64)
        case ageingRevocationList(issuedAt: Int64, usableUntil: Int64)
        case revocationListFromFuture(issuedAt: Int64)
        case revocationListNotApplicable(issuers: [String], demoSigned: Bool)
        case noRevocationList
        case revocationCheckWaived
        case zoneNotChecked
        case clockBehind(newestSignedTime: Int64)
    }

    let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// Signed by a demo key: not a real pass, whatever else the result says.
    public static func demoKey(label: String) -> Warning { Warning(.demoKey(label: label)) }
    /// The revocation list is past its `nextUpdate` and its grace (`usableUntil`): cannot confirm.
    public static func staleRevocationList(issuedAt: Int64, usableUntil: Int64) -> Warning {
        Warning(.staleRevocationList(issuedAt: issuedAt, usableUntil: usableUntil))
    }
    /// The revocation list is past its `nextUpdate` but within its grace, until `usableUntil`: still valid,
    /// under an amber "sync" banner.
    public static func ageingRevocationList(issuedAt: Int64, usableUntil: Int64) -> Warning {
        Warning(.ageingRevocationList(issuedAt: issuedAt, usableUntil: usableUntil))
    }
    /// A list of the pass's issuer is dated after the checkpoint's clock (beyond the skew): refused as a list
    /// that hides later revocations, or a sign that the clock is wrong. Cannot confirm.
    public static func revocationListFromFuture(issuedAt: Int64) -> Warning {
        Warning(.revocationListFromFuture(issuedAt: issuedAt))
    }
    /// Lists were loaded but none applies to this pass: they are for other issuers (`issuers`), or signed by a
    /// demo key while the pass is real. Cannot confirm.
    public static func revocationListNotApplicable(issuers: [String], demoSigned: Bool) -> Warning {
        Warning(.revocationListNotApplicable(issuers: issuers, demoSigned: demoSigned))
    }
    /// No revocation list was given: cannot confirm, unless the officer waived it.
    public static let noRevocationList = Warning(.noRevocationList)
    /// No list, and the officer said so (`verify --waive-revocations`): the verdict names it.
    public static let revocationCheckWaived = Warning(.revocationCheckWaived)
    /// No checkpoint district was given, and the pass is limited to some districts: cannot confirm (zone).
    public static let zoneNotChecked = Warning(.zoneNotChecked)
    /// The checkpoint's clock is earlier than the newest signed time it has seen (a list's): the clock is
    /// wrong, and a wrong clock is how an expired pass looks valid. Cannot confirm.
    public static func clockBehind(newestSignedTime: Int64) -> Warning {
        Warning(.clockBehind(newestSignedTime: newestSignedTime))
    }

    /// Stable identifier of the warning, for JSON output and logs.
    public var check: String {
        switch kind {
        case .demoKey: "demo-key"
        case .staleRevocationList: "stale-revocation-list"
        case .ageingRevocationList: "ageing-revocation-list"
        case .revocationListFromFuture: "revocation-list-from-future"
        case .revocationListNotApplicable: "revocation-list-not-applicable"
        case .noRevocationList: "no-revocation-list"
        case .revocationCheckWaived: "revocation-check-waived"
        case .zoneNotChecked: "zone-not-checked"
        case .clockBehind: "clock-behind"
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
        switch kind {
        case .staleRevocationList(let issuedAt, _), .ageingRevocationList(let issuedAt, _),
            .revocationListFromFuture(let issuedAt):
            return issuedAt
        default: return nil
        }
    }
    /// Until when the list may be used, its grace included (`stale-revocation-list`, `ageing-revocation-list`).
    public var revocationListUsableUntil: Int64? {
        switch kind {
        case .staleRevocationList(_, let until), .ageingRevocationList(_, let until): return until
        default: return nil
        }
    }

    /// Whether the checkpoint cannot confirm a pass while this holds: its own data (trust file, revocation
    /// lists, district, clock) are not fit to decide on. The ageing list (in its grace) and a waived list do
    /// not: they are shown on the verdict, which stays valid.
    public var preventsConfirmation: Bool {
        switch kind {
        case .staleRevocationList, .revocationListFromFuture, .revocationListNotApplicable, .noRevocationList,
            .zoneNotChecked, .clockBehind:
            true
        case .demoKey, .ageingRevocationList, .revocationCheckWaived: false
        }
    }

    /// The list is in its grace: the valid banner is amber and says to sync.
    public var isAgeingData: Bool {
        if case .ageingRevocationList = kind { return true }
        return false
    }

    public func message(_ language: Language) -> String {
        func time(_ value: Int64) -> String {
            language == .vi ? Timestamp.vietnamese(value) : Timestamp.english(value)
        }
        switch kind {
        case .demoKey(let label):
            return Catalogue.demoKeyReason.text(language, label)
        case .staleRevocationList(let issuedAt, let until):
            return Catalogue.staleRevocationList.text(language, time(issuedAt), time(until))
        case .ageingRevocationList(let issuedAt, let until):
            return Catalogue.ageingRevocationList.text(language, time(issuedAt), time(until))
        case .revocationListFromFuture(let issuedAt):
            return Catalogue.revocationListFromFuture.text(language, time(issuedAt))
        case .revocationListNotApplicable(let issuers, let demoSigned):
            return (demoSigned ? Catalogue.revocationListDemoSigned : Catalogue.revocationListOtherIssuer)
                .text(language, issuers.joined(separator: ", "))
        case .noRevocationList:
            return Catalogue.noRevocationList.text(language)
        case .revocationCheckWaived:
            return Catalogue.revocationCheckWaived.text(language)
        case .zoneNotChecked:
            return Catalogue.zoneNotChecked.text(language)
        case .clockBehind(let newest):
            return Catalogue.clockBehind.text(language, time(newest))
        }
    }
}
