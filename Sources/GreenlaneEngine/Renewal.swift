import GreenlaneFormat
import GreenlaneStore

extension PermitEngine {
    /// What a renewal did, beside the issue summary: passes left alone, and the run it belonged to.
    public struct RenewalSummary: Sendable {
        public var summary: Summary
        /// The renewal run (one per order number and new end): a rerun joins it.
        public var run: Int64
        /// Permits left alone because a new pass would gain no validity (serial, why).
        public var unchanged: [(serial: String, reason: String)] = []
    }

    /// New passes for permits that are live now, when the order is extended: same vehicle, driver, zones and
    /// purpose, validity recomputed under the current policy (so never past the order's new end, the driver's
    /// test or the maximum). Each old permit is revoked as `renewed` in the new one's transaction and the new
    /// one records `renewed_from` and the run.
    ///
    /// Idempotent: the run is the order's number and new end, so a rerun after a crash, or a second operator,
    /// joins it; a permit this run issued is never renewed by it again, a permit is renewed at most once
    /// (unique in the schema), and a permit revoked while the run goes (checked inside each transaction) is
    /// not renewed. A permit whose new pass would not end later (already capped by the driver's test) is left
    /// alone and reported in `unchanged`, so its printed card stays valid.
    public func renew(firmID: String?, options: BatchOptions, onCommitted: ([RowResult]) throws -> Void)
        async throws(EngineError) -> RenewalSummary
    {
        let now = options.now
        let run: Int64
        let candidates: [PermitRecord]
        do {
            run = try await store.renewalRun(orderNumber: policy.order.number, orderEnd: policy.order.end,
                                             context: options.context)
            candidates = try await store.renewalCandidates(run: run, firmID: firmID, now: now)
        } catch {
            throw EngineError(.registry, error.reason, underlying: error)
        }
        var requests: [PermitRequest] = []
        var unchanged: [(serial: String, reason: String)] = []
        let firms: [String: Firm]
        do {
            firms = Dictionary(uniqueKeysWithValues: try await store.firms().map { ($0.id, $0) })
        } catch {
            throw EngineError(.registry, error.reason, underlying: error)
        }
        for permit in candidates {
            let zones = Zones(mask: UInt32(truncatingIfNeeded: permit.zones)) ?? Zones()
            var request = PermitRequest(
                source: "renewal of \(permit.serial)", firmID: permit.firmID, plate: permit.plate,
                vehicleClass: VehicleClass(rawValue: permit.vehicleClass)?.slug ?? "",
                driverName: permit.driverName, driverID: permit.driverID,
                testAt: Timestamp.rfc3339(permit.testAt), purpose: Purpose(rawValue: permit.purpose)?.slug ?? "",
                zones: zones.isAll ? "all" : zones.districts.map(\.slug).joined(separator: ","))
            request.renews = permit.serial
            // A pass that would end no later than the one it replaces gains nothing, and revoking it would turn
            // a good printed card into "revoked (renewed)".
            if case .success(let draft) = policy.draft(for: request, firm: firms[permit.firmID], now: now),
                draft.expiresAt <= permit.expiresAt
            {
                unchanged.append((permit.serial, "a new pass would end \(Timestamp.rfc3339(draft.expiresAt)), "
                    + "no later than this one (\(Timestamp.rfc3339(permit.expiresAt)))"))
                continue
            }
            requests.append(request)
        }
        let summary = try await issue(requests, options: options, renewalRun: run, onCommitted: onCommitted)
        return RenewalSummary(summary: summary, run: run, unchanged: unchanged)
    }
}
