public import GreenlaneCrypto
public import GreenlaneFormat

/// Decides, offline, whether a pass code is genuine, current and valid at this checkpoint.
///
/// The signature, key-id and critical-header checks are always made; nothing can turn them off.
/// The result lists every failure that applies, not just the first, so an officer (or an auditor)
/// sees the whole story: an expired pass with a bad signature is reported as both.
public struct PassVerifier: Sendable {
    public let trust: TrustSet
    /// Every loaded list, of any issuer; each pass uses those of its issuer's revocation keys.
    public let revocationLists: [VerifiedRevocationList]
    public let allowedAlgorithms: Set<SignatureAlgorithm>
    /// The newest signed time the checkpoint has seen (`VerifierState`): a clock earlier than it is flagged.
    public let newestSignedTime: Int64?

    public init(
        trust: TrustSet, revocationLists: [VerifiedRevocationList], newestSignedTime: Int64? = nil,
        allowedAlgorithms: Set<SignatureAlgorithm> = Set(SignatureAlgorithm.allCases)
    ) {
        self.trust = trust
        self.revocationLists = revocationLists
        self.newestSignedTime = newestSignedTime
        self.allowedAlgorithms = allowedAlgorithms
    }

    public init(
        trust: TrustSet, revocations: VerifiedRevocationList? = nil,
        allowedAlgorithms: Set<SignatureAlgorithm> = Set(SignatureAlgorithm.allCases)
    ) {
        self.init(trust: trust, revocationLists: revocations.map { [$0] } ?? [], allowedAlgorithms: allowedAlgorithms)
    }

    public func verify(_ code: String, context: CheckpointContext) -> VerificationResult {
        // Layers first: without a COSE message there is nothing to check.
        let message: COSESign1
        let unwrapped: (coseBytes: [UInt8], compressed: Bool)
        do throws(FormatError) {
            unwrapped = try PassCode.unwrap(code)
            message = try COSESign1.decode(unwrapped.coseBytes)
            try message.requireEmptyUnprotectedHeader()
        } catch {
            return VerificationResult(
                failures: [.malformed(error)], warnings: [], pass: nil, signer: nil, signatureVerified: false)
        }
        var failures: [Failure] = []
        var warnings: [Warning] = []
        var signatureVerified = false

        // One code string per pass: no zlib layer where greenlane's issuer never adds one. Judged on the
        // inflated length, not by recompressing: zlib implementations need not produce the same bytes.
        if unwrapped.compressed && !PassCode.mayCompress(unwrapped.coseBytes) {
            failures.append(.nonCanonicalCompression(plainLength: PassCode.plainLength(unwrapped.coseBytes)))
        }

        // Which key: by kid only. An unknown kid is a rejection; no other key is ever tried.
        let signer: TrustedKey?
        if let kid = message.keyID {
            signer = trust.key(for: kid)
            if signer == nil { failures.append(.unknownKeyID(kid)) }
        } else {
            signer = nil
            failures.append(
                .malformed(FormatError(.missingField, layer: .cose, "no kid (key id) in the COSE header")))
        }
        if let signer, signer.isDemo { warnings.append(.demoKey(label: signer.label)) }

        // The algorithm must be in the protected header, allowed here, and the key's own.
        switch Self.algorithm(message.protectedAlgorithm) {
        case .some(let algorithm) where allowedAlgorithms.contains(algorithm):
            if let signer, signer.algorithm != algorithm {
                failures.append(.algorithmMismatch(header: algorithm, key: signer.algorithm))
            } else {
                // The malleable twin of a valid signature is refused even where OpenSSL accepts it (high-S ECDSA).
                let canonical = !algorithm.isNonCanonical(signature: message.signature)
                if !canonical { failures.append(.nonCanonicalSignature(algorithm)) }
                if let signer {
                    if signer.publicKey.isValidSignature(message.signature, for: message.toBeSigned) {
                        // The malleable twin is not "signed by": it is a code someone altered after signing.
                        signatureVerified = canonical
                    } else {
                        failures.append(.badSignature)
                    }
                }
            }
        default:
            failures.append(.algorithmNotAllowed(Self.describe(message.protectedAlgorithm)))
        }

        // The claims: signed or not, a payload that does not follow the format is refused.
        let claims: PassClaims
        do {
            claims = try PassClaims(decoding: message.payload)
        } catch {
            failures.append(.malformed(error))
            return VerificationResult(
                failures: failures, warnings: warnings, pass: nil, signer: signer, signatureVerified: signatureVerified)
        }
        let pass = UnverifiedPass(
            compressed: unwrapped.compressed, coseBytes: unwrapped.coseBytes, message: message, claims: claims)

        if let signer {
            if !signer.roles.contains(.passes) { failures.append(.keyRole(label: signer.label)) }
            if let notBefore = signer.notBefore, claims.issuedAt < notBefore {
                failures.append(.keyNotValid(issuedAt: claims.issuedAt, label: signer.label))
            } else if let notAfter = signer.notAfter, claims.issuedAt > notAfter {
                failures.append(.keyNotValid(issuedAt: claims.issuedAt, label: signer.label))
            }
            if let rule = Self.lifetimeRuleBroken(claims, by: signer) {
                failures.append(.keyLifetime(rule, label: signer.label))
            }
            if let issuer = signer.issuer, issuer != claims.issuer {
                failures.append(.issuerMismatch(pass: claims.issuer, key: issuer))
            }
        }

        // A pass is not valid before it was signed: a post-dated iat cannot stretch a key's validity period.
        let skew = context.effectiveSkew
        let validFrom = max(claims.notBefore, claims.issuedAt)
        if context.time.saturatingAdd(skew) < validFrom {
            failures.append(.notYetValid(notBefore: validFrom))
        }
        if context.time.saturatingSubtract(skew) >= claims.expiresAt {
            failures.append(.expired(expiresAt: claims.expiresAt))
        }
        if let district = context.district {
            if !claims.permit.zones.contains(district) {
                failures.append(.wrongZone(checkpoint: district, zones: claims.permit.zones))
            }
        } else if !claims.permit.zones.isAll {
            warnings.append(.zoneNotChecked)
        }
        if let window = claims.permit.window, !Self.window(window, containsAnyOf: context.time, skew: skew) {
            failures.append(.outsideTimeWindow(window))
        }

        let (revoked, listWarnings) = revocationCheck(claims, passIsDemo: signer?.isDemo ?? false, context: context)
        if let revoked { failures.append(.revoked(revoked)) }
        warnings.append(contentsOf: listWarnings)
        if let newestSignedTime, context.time.saturatingAdd(skew) < newestSignedTime {
            warnings.append(.clockBehind(newestSignedTime: newestSignedTime))
        }

        return VerificationResult(
            failures: failures, warnings: warnings, pass: pass, signer: signer, signatureVerified: signatureVerified)
    }

    /// The first of the key's lifetime rules the pass breaks (docs/FORMAT.md §3.1), if any. The pass's times are
    /// the signer's to write, so the key's own limits bound them: a retired or leaked key cannot sign a pass
    /// that lasts until 2099.
    static func lifetimeRuleBroken(_ claims: PassClaims, by key: TrustedKey) -> KeyLifetimeRule? {
        if claims.expiresAt.saturatingSubtract(claims.notBefore) > key.maxPassLifetime {
            return .tooLong(limit: key.maxPassLifetime)
        }
        if claims.notBefore.saturatingSubtract(claims.issuedAt) > TrustedKey.maxIssueLead { return .signedTooEarly }
        if let notAfter = key.notAfter, claims.expiresAt > notAfter.saturatingAdd(key.maxPassLifetime) {
            return .pastKeyEnd(keyEnd: notAfter)
        }
        return nil
    }

    /// Whether any instant within `skew` of `time` is inside the daily window. Windows are whole minutes, so
    /// minute steps across the interval (at most 31 for 15 minutes) find any overlap.
    static func window(_ window: DailyWindow, containsAnyOf time: Int64, skew: Int64) -> Bool {
        if window.contains(unixTime: time) { return true }
        var instant = time.saturatingSubtract(skew)
        let end = time.saturatingAdd(skew)
        while instant < end {
            if window.contains(unixTime: instant) { return true }
            instant = instant.saturatingAdd(60)
        }
        return window.contains(unixTime: end)
    }

    /// The revocation entry for the pass, if a list that applies has one, and what the officer must know about
    /// the lists: none, none that applies, dated in the future, in their grace, or out of date.
    ///
    /// A list applies when its signer has the revocation-lists role for the pass's issuer, and, for a real pass,
    /// is not a demo key (a demo-signed list, public to anyone, never un-revokes a real pass). Revocations are
    /// taken from every list that applies, even one dated in the future (a signed revocation only ever refuses),
    /// but freshness only from those that are not: the freshest of them decides.
    func revocationCheck(_ claims: PassClaims, passIsDemo: Bool, context: CheckpointContext)
        -> (RevocationList.Entry?, [Warning])
    {
        guard !revocationLists.isEmpty else {
            return (nil, [context.revocationCheckWaived ? .revocationCheckWaived : .noRevocationList])
        }
        let applicable = revocationLists.filter {
            $0.signer.signsRevocationLists(for: claims.issuer) && (passIsDemo || !$0.signer.isDemo)
        }
        guard !applicable.isEmpty else {
            let demoSigned = revocationLists.contains {
                $0.signer.isDemo && $0.signer.signsRevocationLists(for: claims.issuer)
            }
            var issuers: [String] = []
            for list in revocationLists where !issuers.contains(list.list.issuer) { issuers.append(list.list.issuer) }
            return (nil, [.revocationListNotApplicable(issuers: issuers, demoSigned: demoSigned)])
        }
        let entry = applicable.lazy.compactMap { $0.list.entry(for: claims.permit.serial) }.first
        let skew = context.effectiveSkew
        var warnings: [Warning] = []
        let future = applicable.filter { $0.list.issuedAt > context.time.saturatingAdd(skew) }
        for list in future { warnings.append(.revocationListFromFuture(issuedAt: list.list.issuedAt)) }
        let usable = applicable.filter { $0.list.issuedAt <= context.time.saturatingAdd(skew) }
        func currentUntil(_ list: RevocationList) -> Int64 {
            guard let age = context.maxRevocationAge else { return list.nextUpdate }
            return min(list.nextUpdate, list.issuedAt.saturatingAdd(max(0, age)))
        }
        if let best = usable.max(by: { currentUntil($0.list) < currentUntil($1.list) })?.list {
            let now = context.time.saturatingSubtract(skew)
            let current = currentUntil(best)
            let usableUntil = current.saturatingAdd(best.grace)
            if now >= usableUntil {
                warnings.append(.staleRevocationList(issuedAt: best.issuedAt, usableUntil: usableUntil))
            } else if now >= current {
                warnings.append(.ageingRevocationList(issuedAt: best.issuedAt, usableUntil: usableUntil))
            }
        }
        return (entry, warnings)
    }

    static func algorithm(_ header: CBOR?) -> SignatureAlgorithm? {
        guard let identifier = header?.intValue else { return nil }
        return SignatureAlgorithm(coseIdentifier: identifier)
    }

    static func describe(_ header: CBOR?) -> String {
        switch header {
        // Never the header's own text: that is the code's, and an error message must not carry it.
        case nil: "none (no alg in the protected header)"
        case .text?: "a text label (COSE algorithms are numbers)"
        case let value?:
            if let identifier = value.intValue {
                switch identifier {
                case 4, 5, 6, 7: "HMAC (\(identifier))"
                case -37, -38, -39: "RSASSA-PSS (\(identifier))"
                case -35, -36: "ECDSA P-384/P-521 (\(identifier))"
                default: "\(identifier)"
                }
            } else {
                "not a number"
            }
        }
    }
}

/// What the verifier decided, with everything it found.
public struct VerificationResult: Sendable {
    /// Every check that failed; empty means accepted.
    public let failures: [Failure]
    public let warnings: [Warning]
    /// The decoded pass, when decoding got that far. Its claims are only trustworthy if accepted.
    public let pass: UnverifiedPass?
    /// The trusted key the kid named, if any.
    public let signer: TrustedKey?

    /// The signature verified with the trusted key the kid named, under an allowed algorithm that is the key's,
    /// and is in its canonical form: what the code says was signed by `signer`, whether or not it is valid now.
    public let signatureVerified: Bool

    init(
        failures: [Failure], warnings: [Warning], pass: UnverifiedPass?, signer: TrustedKey?, signatureVerified: Bool
    ) {
        self.failures = failures
        self.warnings = warnings
        self.pass = pass
        self.signer = signer
        self.signatureVerified = signatureVerified && signer != nil
    }

    /// What the officer is told, and the exit code: see `Verdict` for the order in which the verdicts win.
    /// `training` lets passes signed by demo keys through (verdict by their other checks) for drills.
    public func verdict(training: Bool = false) -> Verdict {
        if isMalformed {
            return failures.contains { $0.formatError?.layer == .prefix } ? .notGreenlaneCode : .cannotRead
        }
        if !signatureVerified { return .notValid }
        if isDemo && !training { return .demo }
        if !failures.isEmpty { return .notValid }
        if warnings.contains(where: \.preventsConfirmation) { return .cannotConfirm }
        return .valid
    }

    public var isAccepted: Bool { failures.isEmpty }
    /// Any layer of the code could not be read.
    public var isMalformed: Bool { failures.contains(where: \.isMalformed) }
    /// Names a demo key (flagged in every output, accepted or not).
    public var isDemo: Bool { signer?.isDemo ?? false }

    /// The verified pass, only when every check passed. The only way to get a `VerifiedPass`.
    public var verified: VerifiedPass? {
        guard failures.isEmpty, let pass, let signer else { return nil }
        return VerifiedPass(claims: pass.claims, signer: signer, coseBytes: pass.coseBytes)
    }
}

/// A pass that passed every check. Only `VerificationResult.verified` creates one.
public struct VerifiedPass: Sendable {
    public let claims: PassClaims
    public let signer: TrustedKey
    /// The signed COSE_Sign1 bytes, without the code's text layers.
    public let coseBytes: [UInt8]
    public var permit: Permit { claims.permit }
    public var isDemo: Bool { signer.isDemo }
    /// SHA-256 of `coseBytes`: the pass's identity (docs/FORMAT.md §1.5).
    public var identity: [UInt8] { PassCode.identity(coseBytes: coseBytes) }

    fileprivate init(claims: PassClaims, signer: TrustedKey, coseBytes: [UInt8]) {
        self.claims = claims
        self.signer = signer
        self.coseBytes = coseBytes
    }
}
