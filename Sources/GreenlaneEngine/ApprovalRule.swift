public import GreenlaneStore
import GreenlaneFormat

/// A rule by which the issuing service approves a request without an officer. The authority sets them in the
/// policy (`approvalRules`, docs/POLICY.md), the file only it writes; the service records every request a rule
/// approved under the rule's name (the audit log's account `rule NAME`, the permits' `issuedBy`).
public enum ApprovalRule: String, Sendable, CaseIterable {
    /// A renewal of vehicles already approved: every accepted row is a vehicle that this firm already had a pass
    /// for, and none of that vehicle's passes was ever revoked for cause (only as `renewed` or `replaced`).
    case renewalOfApprovedVehicle = "renewal-of-approved-vehicle"

    /// Whether this rule approves a request of `firmID` whose accepted rows are the vehicles `compactPlates`.
    /// A request with no accepted row is never approved by rule.
    public func approves(firmID: String, compactPlates: [String], store: any PermitStore, now: Int64)
        async throws -> Bool
    {
        guard !compactPlates.isEmpty else { return false }
        switch self {
        case .renewalOfApprovedVehicle:
            let harmless: Set<String> = [RevocationReason.renewed.code, RevocationReason.replaced.code]
            for plate in Set(compactPlates) {
                var filter = PermitFilter(now: now)
                filter.plate = plate
                var heldByFirm = false
                for try await listing in store.permits(matching: filter) {
                    if let revocation = listing.revocation, !harmless.contains(revocation.reason) { return false }
                    if listing.permit.firmID == firmID { heldByFirm = true }
                }
                if !heldByFirm { return false }
            }
            return true
        }
    }
}
