// Library types the command line takes as arguments. Public imports: the conformances are public.
public import ArgumentParser
public import GreenlaneRegistry

extension Firm.Kind: ExpressibleByArgument {}
extension PermitListing.Status: ExpressibleByArgument {}
