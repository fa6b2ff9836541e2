public import GreenlaneFormat
public import GreenlaneStore
public import GreenlaneSupport

/// The registry's administrative rules over any store: registering firms, suspending them, moving vehicles and
/// revoking by hand. Issuing and renewing are `PermitEngine`'s; reading (listings, statistics, the audit log)
/// goes to the store directly.
public struct Registry: Sendable {
    public let store: any PermitStore

    public init(store: any PermitStore) { self.store = store }

    /// Longest legal name, licence or firm status reason, in characters.
    public static let maxFirmTextLength = Limits.firmText.upperBound
    /// Longest revocation note, in characters.
    public static let maxNoteLength = Limits.revocationNote.upperBound

    public func addFirm(_ firm: Firm, context: AuditContext) async throws(RegistryError) {
        try AuditText.check(firm.legalName, "legal name", maxLength: Self.maxFirmTextLength)
        try AuditText.check(firm.licence, "licence", maxLength: Self.maxFirmTextLength)
        try await store.addFirm(firm, context: context)
    }

    /// Suspends or reinstates a firm. Suspending revokes every live pass of the firm (reason `firm-suspended`)
    /// in the same transaction, so the next revocation list tells checkpoints; reinstating revokes nothing and
    /// un-revokes nothing: the firm asks for new passes. Returns the serials revoked.
    @discardableResult
    public func setFirmStatus(_ id: String, _ status: Firm.Status, reason: String, context: AuditContext)
        async throws(RegistryError) -> [String]
    {
        try AuditText.check(reason, "the reason", maxLength: Self.maxFirmTextLength)
        return try await store.setFirmStatus(
            id, status, reason: reason, revokingLivePassesAs: status == .suspended ? .firmSuspended : nil,
            context: context)
    }

    /// Moves a vehicle (its compact plate) to another firm: the authority's decision, recorded in the audit log
    /// with its reason. Refused while the vehicle has a live pass (revoke it first), so no pass outlives the
    /// firm it was issued to.
    public func transferVehicle(plate: String, to firmID: String, reason: String, context: AuditContext)
        async throws(RegistryError)
    {
        try AuditText.check(reason, "the reason", maxLength: Self.maxFirmTextLength)
        let compact = VehicleKey.compact(plate)
        let now = context.effectiveTime
        try await store.transferVehicle(compact, to: firmID, reason: reason, context: context) { facts, firm in
            guard firm != nil else { return RegistryError(.unknownFirm, "no firm with id \(firmID)") }
            let owner = facts.owner ?? "?"
            guard owner != firmID else {
                return RegistryError(.invalidValue, "vehicle \(compact) already belongs to \(firmID)")
            }
            if let live = facts.livePass, live.expiresAt > now {
                return RegistryError(
                    .invalidValue,
                    "vehicle \(compact) has the live pass \(live.serial) of \(owner); revoke it before the transfer")
            }
            return nil
        }
    }

    /// Revokes a permit as of `context.effectiveTime`. Revoking twice is an error that names when it was
    /// first revoked. `replaced` and `renewed` are refused: only the engine sets them, with the new permit.
    public func revoke(_ serial: String, reason: RevocationReason, note: String? = nil, context: AuditContext)
        async throws(RegistryError)
    {
        guard reason.isKnown, !RevocationReason.engineOnly.contains(reason) else {
            throw RegistryError(
                .invalidValue, "'\(reason.code)' is not a reason to revoke by hand; use one of "
                    + RevocationReason.manual.map(\.code).joined(separator: ", "))
        }
        if let note { try AuditText.check(note, "the note", maxLength: Self.maxNoteLength) }
        try await store.revoke(serial, reason: reason, note: note, context: context)
    }
}
