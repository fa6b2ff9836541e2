public import GreenlaneSupport
public import GreenlaneCrypto
import GreenlaneFormat
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a trusted key may sign. A struct with static members, so roles can be added (the trust list, the
/// transparency log) without breaking apps; a trust file naming a role this version does not know is refused.
public struct KeyRole: Sendable, Hashable, CustomStringConvertible {
    /// The name in trust files (`"roles": ["passes", "revocation-lists"]`).
    public let name: String
    private init(_ name: String) { self.name = name }

    public var description: String { name }

    /// Signs pass codes.
    public static let passes = KeyRole("passes")
    /// Signs revocation lists.
    public static let revocationLists = KeyRole("revocation-lists")
    /// Reserved: signs the trust list itself (a later release). Accepted in trust files, used by nothing yet.
    public static let trustList = KeyRole("trust-list")
    /// Reserved: signs the issuing log (a later release). Accepted in trust files, used by nothing yet.
    public static let log = KeyRole("log")

    public static let all: [KeyRole] = [passes, revocationLists, trustList, log]

    public init?(name: String) {
        guard let role = Self.all.first(where: { $0.name == name }) else { return nil }
        self = role
    }
}

/// An issuer key the checkpoint trusts.
public struct TrustedKey: Sendable {
    public let keyID: [UInt8]
    public let algorithm: SignatureAlgorithm
    public let label: String
    /// The issuer (`iss`) this key signs for; nil means any (only for keys built in code: a trust file must
    /// name one).
    public let issuer: String?
    /// Passes must have been issued (`iat`) within this period (unix seconds).
    public let notBefore: Int64?
    public let notAfter: Int64?
    /// A demo key: passes it signed are flagged in every output and refused outside training mode. Always
    /// true for the published demo keys (`DemoKeys`), whatever the caller says.
    public let isDemo: Bool
    public let publicKey: PublicKey
    /// What the key may sign. A pass from a key without `.passes` is refused (`key-role`); a list from a key
    /// without `.revocationLists` is not loaded.
    public let roles: Set<KeyRole>
    /// The longest pass this key may sign (seconds): `exp − nbf` above it, or `exp` later than `notAfter` plus
    /// it, is refused (`key-lifetime`), so a retired or leaked key cannot sign passes that last until 2099.
    public let maxPassLifetime: Int64

    /// A `greenlane-trust/1` entry, which has no lifetime, allows passes of at most this long: 31 days.
    public static let defaultMaxPassLifetime: Int64 = 31 * 86_400
    /// How long before its validity (`nbf`) a pass may be signed (`iat`): a day. Further ahead would let a key
    /// sign, before it retires, passes that start long after.
    public static let maxIssueLead: Int64 = 86_400

    public init(
        publicKey: PublicKey, label: String, issuer: String? = nil, notBefore: Int64? = nil, notAfter: Int64? = nil,
        isDemo: Bool = false, roles: Set<KeyRole> = [.passes, .revocationLists],
        maxPassLifetime: Int64 = TrustedKey.defaultMaxPassLifetime
    ) {
        self.keyID = publicKey.keyID
        self.algorithm = publicKey.algorithm
        self.publicKey = publicKey
        self.label = label
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.isDemo = isDemo || DemoKeys.contains(publicKey.keyID)
        self.roles = roles
        self.maxPassLifetime = maxPassLifetime
    }

    public var keyIDHex: String { Hex.encode(keyID) }

    /// Whether this key may sign lists that apply to passes of `issuer`.
    public func signsRevocationLists(for issuer: String) -> Bool {
        roles.contains(.revocationLists) && (self.issuer == nil || self.issuer == issuer)
    }
}

/// What the issuing authority tells officers to do when a checkpoint cannot confirm a pass ("cho qua, ghi biển
/// số và giờ"), in both languages, from the trust file (`cannotConfirm`). Shown escaped, under the catalogue's
/// own heading.
public struct AuthorityInstruction: Sendable, Hashable {
    public let vi: String
    public let en: String

    /// Longest instruction, in characters per language: a sentence or two on a small screen.
    public static let maxLength = 200

    public init(vi: String, en: String) {
        self.vi = vi
        self.en = en
    }
}

/// The keys a checkpoint trusts, by key id. Immutable once loaded.
///
/// There is no default key: a pass whose kid is not here is rejected, never tried against another key.
public struct TrustSet: Sendable {
    public let keys: [TrustedKey]
    private let byKeyID: [[UInt8]: TrustedKey]
    /// The authority's instruction for "cannot confirm", if the trust file gives one.
    public let cannotConfirmInstruction: AuthorityInstruction?

    public init(keys: [TrustedKey], cannotConfirmInstruction: AuthorityInstruction? = nil) throws(VerifierError) {
        var byKeyID: [[UInt8]: TrustedKey] = [:]
        for key in keys {
            guard byKeyID[key.keyID] == nil else {
                throw VerifierError(.duplicateKeyID, "key id \(key.keyIDHex) is listed twice")
            }
            byKeyID[key.keyID] = key
        }
        self.keys = keys
        self.byKeyID = byKeyID
        self.cannotConfirmInstruction = cannotConfirmInstruction
    }

    public func key(for keyID: [UInt8]) -> TrustedKey? { byKeyID[keyID] }

    /// Reads a trust file (JSON, `greenlane-trust/1` or `/2`; see docs/FORMAT.md).
    public static func load(path: String) throws(VerifierError) -> TrustSet {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.read(path, what: "trust file", limit: Limits.trustFileBytes)
        } catch {
            throw VerifierError(.unreadableFile, error.reason, underlying: error)
        }
        do {
            return try TrustSet(trustFile: bytes)
        } catch {
            throw VerifierError(error.code, "trust file \(path): \(error.reason)", underlying: error.underlying)
        }
    }

    /// Reads several trust files (`--trust` repeated) into one set. A kid in two files is refused, naming both,
    /// and so are two different instructions: which one an officer reads must not depend on the order.
    public static func load(paths: [String]) throws(VerifierError) -> TrustSet {
        guard !paths.isEmpty else { throw VerifierError(.emptyTrustSet, "no trust file given") }
        var keys: [TrustedKey] = []
        var from: [[UInt8]: String] = [:]
        var instruction: (AuthorityInstruction, String)?
        for path in paths {
            let set = try load(path: path)
            for key in set.keys {
                if let earlier = from[key.keyID] {
                    throw VerifierError(
                        .duplicateKeyID, "key id \(key.keyIDHex) is in both trust files \(earlier) and \(path)")
                }
                from[key.keyID] = path
                keys.append(key)
            }
            if let given = set.cannotConfirmInstruction {
                if let (earlier, earlierPath) = instruction, earlier != given {
                    throw VerifierError(
                        .invalidTrustFile,
                        "trust files \(earlierPath) and \(path) give different cannotConfirm instructions")
                }
                instruction = (given, path)
            }
        }
        return try TrustSet(keys: keys, cannotConfirmInstruction: instruction?.0)
    }

    /// Parses the contents of a trust file, strictly: duplicate members, unknown members and values of the wrong
    /// type are refused, naming the member. Every entry's kid is recomputed from its key and must match: a typo
    /// in a trust file must not silently make a key unreachable or, worse, reachable by another kid.
    public init(trustFile bytes: [UInt8]) throws(VerifierError) {
        let tree: StrictJSON
        do {
            tree = try StrictJSON.parse(bytes)
        } catch {
            throw VerifierError(.invalidTrustFile, "not a valid trust file: \(error.description)")
        }
        let file = try TrustFile(tree)
        var keys: [TrustedKey] = []
        for (index, entry) in file.keys.enumerated() {
            keys.append(try entry.trustedKey(index: index, version: file.version))
        }
        try self.init(keys: keys, cannotConfirmInstruction: file.cannotConfirm)
    }

    /// The trust file text for these keys (`greenlane-trust/2`, with roles and lifetimes).
    public func trustFile() -> String {
        let file = TrustFileText(
            cannotConfirm: cannotConfirmInstruction.map { ["vi": $0.vi, "en": $0.en] },
            keys: keys.map(TrustFileText.Entry.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and optionals cannot fail.
        let data = (try? encoder.encode(file)) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// What `trustFile()` writes.
struct TrustFileText: Encodable {
    var format = TrustFile.version2
    var cannotConfirm: [String: String]?
    var keys: [Entry]

    struct Entry: Encodable {
        var kid: String
        var alg: String
        var label: String
        var issuer: String?
        var notBefore: String?
        var notAfter: String?
        var demo: Bool?
        var publicKey: String
        var roles: [String]
        var maxPassDays: Int64

        init(_ key: TrustedKey) {
            kid = key.keyIDHex
            alg = key.algorithm.rawValue
            label = key.label
            issuer = key.issuer
            notBefore = key.notBefore.map(Timestamp.rfc3339)
            notAfter = key.notAfter.map(Timestamp.rfc3339)
            demo = key.isDemo ? true : nil
            publicKey = key.publicKey.pem
            roles = KeyRole.all.filter(key.roles.contains).map(\.name)
            // Whole days in the file; a lifetime set in code below a day is written as one day.
            maxPassDays = max(1, key.maxPassLifetime / 86_400)
        }
    }
}

/// A trust file as read: checked member by member from the strict parse.
struct TrustFile {
    static let version1 = "greenlane-trust/1"
    static let version2 = "greenlane-trust/2"
    /// Every member an entry of `/1` may have; `/2` adds `roles` and `maxPassDays`, both required.
    static let entryMembers1: Set<String> = [
        "kid", "alg", "label", "issuer", "notBefore", "notAfter", "demo", "publicKey", "certificate",
    ]
    static let entryMembers2 = entryMembers1.union(["roles", "maxPassDays"])
    /// Longest pass lifetime a trust file may give a key, in days.
    static let maxPassDays: ClosedRange<Int64> = 1...366

    let version: Int
    let cannotConfirm: AuthorityInstruction?
    let keys: [Entry]

    init(_ tree: StrictJSON) throws(VerifierError) {
        guard case .object = tree else { throw VerifierError(.invalidTrustFile, "a trust file is a JSON object") }
        guard case .string(let format)? = tree["format"] else {
            throw VerifierError(.invalidTrustFile, "member 'format' is missing or not a string")
        }
        switch format {
        case Self.version1: version = 1
        case Self.version2: version = 2
        default:
            throw VerifierError(
                .invalidTrustFile,
                "format is '\(SafeText.escaped(format))'; this version reads '\(Self.version1)' and '\(Self.version2)'")
        }
        let known: Set<String> = version == 1 ? ["format", "keys"] : ["format", "keys", "cannotConfirm"]
        if let unknown = tree.unknownMembers(known, at: "").first {
            throw VerifierError(.invalidTrustFile, "unknown member '\(SafeText.escaped(unknown))' (\(format) has only: "
                + known.sorted().joined(separator: ", ") + ")")
        }
        if let instruction = tree["cannotConfirm"] {
            cannotConfirm = try Self.instruction(instruction)
        } else {
            cannotConfirm = nil
        }
        guard case .array(let items)? = tree["keys"] else {
            throw VerifierError(.invalidTrustFile, "member 'keys' is missing or not an array")
        }
        guard !items.isEmpty else { throw VerifierError(.emptyTrustSet, "the trust file lists no keys") }
        var keys: [Entry] = []
        for (index, item) in items.enumerated() {
            keys.append(try Entry(item, index: index, version: version))
        }
        self.keys = keys
    }

    static func instruction(_ tree: StrictJSON) throws(VerifierError) -> AuthorityInstruction {
        if let unknown = tree.unknownMembers(["vi", "en"], at: "cannotConfirm").first {
            throw VerifierError(.invalidTrustFile, "unknown member '\(SafeText.escaped(unknown))' (cannotConfirm has vi, en)")
        }
        var texts: [String: String] = [:]
        for language in ["vi", "en"] {
            guard case .string(let text)? = tree[language], !text.isEmpty,
                text.count <= AuthorityInstruction.maxLength, SafeText.isSafe(text)
            else {
                throw VerifierError(
                    .invalidTrustFile,
                    "cannotConfirm.\(language) must be one line of 1-\(AuthorityInstruction.maxLength) printable "
                        + "characters: the instruction is shown in both languages")
            }
            texts[language] = text
        }
        return AuthorityInstruction(vi: texts["vi"]!, en: texts["en"]!)
    }

    struct Entry {
        let at: String
        let kid: String
        let alg: String
        let label: String
        let issuer: String
        let notBefore: String?
        let notAfter: String?
        let demo: Bool?
        let publicKey: String?
        let certificate: String?
        let roles: Set<KeyRole>
        let maxPassLifetime: Int64

        init(_ tree: StrictJSON, index: Int, version: Int) throws(VerifierError) {
            var at = "keys[\(index)]"
            guard case .object = tree else { throw VerifierError(.invalidTrustFile, "\(at) is not an object") }
            if case .string(let label)? = tree["label"] { at += " ('\(SafeText.escaped(label))')" }
            let known = version == 1 ? TrustFile.entryMembers1 : TrustFile.entryMembers2
            if let unknown = tree.unknownMembers(known, at: "").first {
                let hint = version == 1 && TrustFile.entryMembers2.contains(unknown)
                    ? "; roles and maxPassDays need \"format\": \"\(TrustFile.version2)\"" : ""
                throw VerifierError(
                    .invalidTrustFile,
                    "\(at): unknown member '\(SafeText.escaped(unknown))' (an entry has only: "
                        + known.sorted().joined(separator: ", ") + ")\(hint)")
            }
            func string(_ name: String, required: Bool) throws(VerifierError) -> String? {
                switch tree[name] {
                case nil where !required: return nil
                case .string(let text)?: return text
                case nil: throw VerifierError(.invalidTrustFile, "\(at): member '\(name)' is missing")
                default: throw VerifierError(.invalidTrustFile, "\(at): member '\(name)' must be a string")
                }
            }
            self.at = at
            kid = try string("kid", required: true)!
            alg = try string("alg", required: true)!
            label = try string("label", required: true)!
            // Roles are for an issuer: an entry that names none would sign lists and passes for anyone.
            guard let issuer = try string("issuer", required: true), !issuer.isEmpty else {
                throw VerifierError(.invalidTrustFile, "\(at): member 'issuer' is missing or empty; every key signs for one issuer")
            }
            self.issuer = issuer
            notBefore = try string("notBefore", required: false)
            notAfter = try string("notAfter", required: false)
            publicKey = try string("publicKey", required: false)
            certificate = try string("certificate", required: false)
            switch tree["demo"] {
            case nil: demo = nil
            case .bool(let value)?: demo = value
            default: throw VerifierError(.invalidTrustFile, "\(at): member 'demo' must be true or false")
            }
            if version == 1 {
                // A /1 entry signed passes and lists for its issuer; its lifetime is the documented default.
                roles = [.passes, .revocationLists]
                maxPassLifetime = TrustedKey.defaultMaxPassLifetime
                return
            }
            guard case .array(let names)? = tree["roles"], !names.isEmpty else {
                throw VerifierError(.invalidTrustFile, "\(at): member 'roles' must be a non-empty array")
            }
            var roles: Set<KeyRole> = []
            for name in names {
                guard case .string(let text) = name, let role = KeyRole(name: text) else {
                    throw VerifierError(
                        .invalidTrustFile,
                        "\(at): roles: unknown role (known: " + KeyRole.all.map(\.name).joined(separator: ", ") + ")")
                }
                guard roles.insert(role).inserted else {
                    throw VerifierError(.invalidTrustFile, "\(at): roles: '\(role)' appears twice")
                }
            }
            self.roles = roles
            guard case .number(let text)? = tree["maxPassDays"], let days = Int64(text),
                TrustFile.maxPassDays.contains(days)
            else {
                throw VerifierError(
                    .invalidTrustFile,
                    "\(at): member 'maxPassDays' must be a whole number of days, "
                        + "\(TrustFile.maxPassDays.lowerBound)-\(TrustFile.maxPassDays.upperBound)")
            }
            maxPassLifetime = days * 86_400
        }

        func trustedKey(index: Int, version: Int) throws(VerifierError) -> TrustedKey {
            let publicKey: PublicKey
            var notBefore = try time(self.notBefore, at, "notBefore")
            var notAfter = try time(self.notAfter, at, "notAfter")
            do {
                switch (self.publicKey, certificate) {
                case (let pem?, nil):
                    publicKey = try PublicKey(pem: pem)
                case (nil, let certificate?):
                    let bytes = Hex.decode(certificate) ?? Array(certificate.utf8)
                    let parsed = try PublicKey.fromCertificate(bytes)
                    publicKey = parsed.key
                    notBefore = notBefore ?? parsed.notBefore
                    notAfter = notAfter ?? parsed.notAfter
                default:
                    throw VerifierError(.invalidTrustFile, "\(at): give exactly one of publicKey and certificate")
                }
            } catch let error as CryptoError {
                throw VerifierError(.invalidTrustFile, "\(at): \(error.description)", underlying: error)
            } catch let error as VerifierError {
                throw error
            } catch {
                throw VerifierError(.invalidTrustFile, "\(at): \(error)")
            }
            guard SignatureAlgorithm(rawValue: alg) == publicKey.algorithm else {
                throw VerifierError(
                    .invalidTrustFile,
                    "\(at): alg '\(SafeText.escaped(alg))' does not match the key, which is \(publicKey.algorithm.rawValue)")
            }
            guard Hex.decode(kid) == publicKey.keyID else {
                throw VerifierError(
                    .keyIDMismatch,
                    "\(at): kid \(SafeText.escaped(kid)) does not match the key; its kid is \(Hex.encode(publicKey.keyID))")
            }
            // A published demo key listed as real would make demo passes look real: refused, not corrected.
            if DemoKeys.contains(publicKey.keyID) && demo != true {
                throw VerifierError(
                    .demoKeyNotFlagged,
                    "\(at): kid \(kid) is a published demo key (Keys/); list it with \"demo\": true or remove it")
            }
            if let notBefore, let notAfter, notBefore >= notAfter {
                throw VerifierError(.invalidTrustFile, "\(at): notBefore is not before notAfter")
            }
            return TrustedKey(
                publicKey: publicKey, label: label, issuer: issuer, notBefore: notBefore, notAfter: notAfter,
                isDemo: demo ?? false, roles: roles, maxPassLifetime: maxPassLifetime)
        }

        private func time(_ text: String?, _ at: String, _ field: String) throws(VerifierError) -> Int64? {
            guard let text else { return nil }
            guard let time = Timestamp.parse(text) else {
                throw VerifierError(.invalidTrustFile, "\(at): \(field) '\(SafeText.escaped(text))' is not an RFC 3339 time")
            }
            return time
        }
    }
}
