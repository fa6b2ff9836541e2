import GreenlaneFormat
public import GreenlaneRegistry

extension PermitEngine {
    /// New passes for permits that are active now, when the order is extended: same vehicle, driver,
    /// zones and purpose, validity recomputed under the current policy (so never past the order's new
    /// end, the driver's test or the maximum). Each old permit is revoked as `renewed` in the same
    /// transaction and the new one records `renewed_from`.
    public func renew(filter: PermitFilter, options: BatchOptions, onCommitted: ([RowResult]) throws -> Void)
        throws(EngineError) -> Summary
    {
        var filter = filter
        filter.status = .active
        var requests: [PermitRequest] = []
        var sources: [String: String] = [:]
        do {
            try registry.forEachPermit(filter) { listing in
                let permit = listing.permit
                let zones = Zones(mask: UInt32(truncatingIfNeeded: permit.zones)) ?? Zones()
                requests.append(PermitRequest(
                    source: "renewal of \(permit.serial)", firmID: permit.firmID, plate: permit.plate,
                    vehicleClass: VehicleClass(rawValue: permit.vehicleClass)?.slug ?? "",
                    driverName: permit.driverName, driverID: permit.driverID,
                    testAt: Timestamp.rfc3339(permit.testAt), purpose: Purpose(rawValue: permit.purpose)?.slug ?? "",
                    zones: zones.isAll ? "all" : zones.districts.map(\.slug).joined(separator: ",")))
                sources["renewal of \(permit.serial)"] = permit.serial
            }
        } catch {
            throw EngineError(.registry, error.reason, underlying: error)
        }
        return try issue(requests, options: options, renewing: sources, onCommitted: onCommitted)
    }
}
