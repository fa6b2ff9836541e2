// Library types the command line takes as arguments. Public imports: the conformances are public.
public import ArgumentParser
public import GreenlaneCrypto
public import GreenlaneRegistry
public import GreenlaneVerifier

extension Language: ExpressibleByArgument {}
extension Firm.Kind: ExpressibleByArgument {}
extension PermitListing.Status: ExpressibleByArgument {}

extension SignatureAlgorithm: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.lowercased() {
        case "es256", "ecdsa", "p-256", "p256": self = .es256
        case "eddsa", "ed25519": self = .eddsa
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["es256", "eddsa"] }
}
