public import GreenlaneSupport

/// Why the registry could not do what was asked.
public enum RegistryDomain: ErrorDomain {}
public typealias RegistryError = CodedError<RegistryDomain>

extension RegistryError.Code where Domain == RegistryDomain {
    public static var cannotOpen: Self { .init("cannotOpen", kind: .setup) }
    public static var database: Self { .init("database", kind: .runtime) }
    public static var firmExists: Self { .init("firmExists", kind: .rejected) }
    public static var unknownFirm: Self { .init("unknownFirm", kind: .rejected) }
    public static var unknownPermit: Self { .init("unknownPermit", kind: .rejected) }
    public static var alreadyRevoked: Self { .init("alreadyRevoked", kind: .rejected) }
    public static var invalidValue: Self { .init("invalidValue", kind: .rejected) }
    /// No registry at the path, or a file never initialised by `registry init`.
    public static var noRegistry: Self { .init("noRegistry", kind: .setup) }
    public static var registryExists: Self { .init("registryExists", kind: .setup) }
    /// A policy, key or list of another issuer (or station) than the registry's.
    public static var otherIssuer: Self { .init("otherIssuer", kind: .setup) }
    public static var unknownVehicle: Self { .init("unknownVehicle", kind: .rejected) }
    // The service's records (docs/SERVICE.md).
    public static var credentialExists: Self { .init("credentialExists", kind: .rejected) }
    public static var unknownCredential: Self { .init("unknownCredential", kind: .rejected) }
    public static var unknownEnrolment: Self { .init("unknownEnrolment", kind: .rejected) }
    public static var unknownRequest: Self { .init("unknownRequest", kind: .rejected) }
    public static var alreadyDecided: Self { .init("alreadyDecided", kind: .rejected) }
    /// Approval asked of a request still waiting for its sector's endorsement.
    public static var awaitingEndorsement: Self { .init("awaitingEndorsement", kind: .rejected) }
    /// Endorsement asked of a request that needs none, or has it already.
    public static var notAwaitingEndorsement: Self { .init("notAwaitingEndorsement", kind: .rejected) }
    /// An endorser's decision on a firm of another sector than its own.
    public static var otherSector: Self { .init("otherSector", kind: .rejected) }
    /// A decision the caller may not make on this request (a decision's `check` said so).
    public static var notPermitted: Self { .init("notPermitted", kind: .rejected) }
    /// Issuing a request's rows: the request is not approved (pending or refused).
    public static var notApproved: Self { .init("notApproved", kind: .rejected) }
    /// Issuing a request's rows: a row is no longer `accepted` (another signer issued it first).
    public static var rowNotAccepted: Self { .init("rowNotAccepted", kind: .rejected) }
}
