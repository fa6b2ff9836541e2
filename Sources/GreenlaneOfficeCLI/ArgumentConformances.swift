// Library types the command line takes as arguments. Public imports: the conformances are public.
public import ArgumentParser
public import GreenlaneStore

extension Firm.Kind: ExpressibleByArgument {}
extension PermitListing.Status: ExpressibleByArgument {}
