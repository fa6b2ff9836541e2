public import GreenlaneSupport

/// Why the permit engine could not do what was asked (policy, request or key problems).
public enum EngineDomain: ErrorDomain {}
public typealias EngineError = CodedError<EngineDomain>

extension EngineError.Code where Domain == EngineDomain {
    public static var policy: Self { .init("policy", kind: .setup) }
    /// The signing key, its trust file entry, the policy and the registry do not agree.
    public static var keyTrust: Self { .init("keyTrust", kind: .setup) }
    public static var request: Self { .init("request", kind: .rejected) }
    public static var csv: Self { .init("csv", kind: .setup) }
    public static var signing: Self { .init("signing", kind: .runtime) }
    /// The registry failed (database, disk) or refused as a whole.
    public static var registry: Self { .init("registry", kind: .runtime) }
    /// The caller's handling of committed permits failed (a card that could not be written).
    public static var reporting: Self { .init("reporting", kind: .runtime) }
}
