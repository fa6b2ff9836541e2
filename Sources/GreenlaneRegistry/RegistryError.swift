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
}
