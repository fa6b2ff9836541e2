public import GreenlaneEngine
public import GreenlaneIssuing
public import GreenlaneVerifier
public import GreenlaneSupport
import GreenlaneFormat

/// The signer's key, checked before it serves, as `greenlane issue` checks `--key` against `--key-trust`: the
/// trust file checkpoints use lists the key's kid, for the policy's issuer, with the passes role, a lifetime
/// the policy's longest pass fits in, and a validity that covers now. A key failing any of these would sign
/// passes every checkpoint refuses.
public enum SignerKeyCheck {
    public static func check(_ key: any SigningKey, keyPath: String, trustPath: String, policy: Policy,
                             now: Int64) throws(SignerError) -> TrustedKey {
        let kid = Hex.encode(key.keyID)
        let trust: TrustSet
        do { trust = try TrustSet.load(path: trustPath) } catch {
            throw SignerError(.setup, "trust file \(trustPath): \(error.reason)", underlying: error)
        }
        guard let entry = trust.key(for: key.keyID) else {
            throw SignerError(.setup, "trust file \(trustPath) does not list the key \(keyPath) (kid \(kid)): "
                + "checkpoints using it would refuse everything the signer signs")
        }
        guard let issuer = entry.issuer, issuer == policy.issuer else {
            throw SignerError(.setup, "the key \(keyPath) (kid \(kid)) is trusted for issuer "
                + "\(entry.issuer ?? "(none)") in \(trustPath), not the policy's \(policy.issuer)")
        }
        guard entry.roles.contains(.passes) else {
            throw SignerError(.setup, "the key \(keyPath) (kid \(kid)) has no 'passes' role in \(trustPath)")
        }
        guard policy.maxValidity <= entry.maxPassLifetime else {
            throw SignerError(.setup, "the policy allows passes of \(policy.maxValidity / 86_400) days, but the key "
                + "\(kid) is trusted for at most \(entry.maxPassLifetime / 86_400) days (key-lifetime)")
        }
        if let notBefore = entry.notBefore, now < notBefore {
            throw SignerError(.setup, "the key \(kid) may sign only from \(Timestamp.rfc3339(notBefore)) "
                + "(key-not-valid)")
        }
        if let notAfter = entry.notAfter, now > notAfter {
            throw SignerError(.setup, "the key \(kid) was retired at \(Timestamp.rfc3339(notAfter)) (key-not-valid)")
        }
        return entry
    }
}
