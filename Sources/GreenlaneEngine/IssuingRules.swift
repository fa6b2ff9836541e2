import GreenlaneStore
import GreenlaneFormat
import GreenlaneIssuing
import Synchronization

/// The registry's rules for issuing one chunk, given to the store's transaction (`PermitStore.issue`): the
/// only place they are written, so they hold the same on every store.
///
/// - the firm is registered and active;
/// - a vehicle (its compact plate) belongs to the first firm that got a pass for it, until a transfer;
/// - one live pass per vehicle: a vehicle with a live pass gets no other, unless `replace` (the old one is
///   revoked as `replaced` in the same transaction) or a renewal of exactly that pass (revoked as `renewed`);
/// - a renewal extends a permit that exists, is not revoked, not yet renewed, not expired, not issued by the same
///   run, and is still the vehicle's live pass;
/// - one pass per vehicle per batch;
/// - a row whose vehicle's live pass is exactly what that row asked for when the pass was issued (a rerun of a
///   batch that stopped) is *already issued*: not a refusal, nothing written, reported with the pass's serial.
///   Exactly: the same firm, plate, class, driver, test, zones, purpose, daily window and validity as the
///   policy gives the row as of the pass's issue time. Anything else that holds a pass is still refused.
///
/// Under concurrent writers the store guarantees the facts do not change before it commits (docs/STORE.md), and
/// the `live_pass` primary key refuses a second live row whatever the rules decided.
final class ChunkIssuing: IssuingRules {
    let drafts: [PermitDraft]
    let issuer: String
    let station: String
    let replace: Bool
    let renewalRun: Int64?
    let context: AuditContext
    let signing: Signing
    /// What the latest `decide` found (the one the store commits, when it retried): per refused draft that
    /// repeats a vehicle of this batch, the earlier accepted draft (whose serial is known only once the store
    /// has allocated it); per accepted replacement, the pass it replaces.
    private let decided = Mutex<(duplicateOf: [Int: Int], replaces: [Int: String], alreadyIssued: [Int: PermitRecord])>(
        ([:], [:], [:]))
    /// What draft `index`'s request comes to under the policy for `firm` as of a given time (nil: refused then).
    let draftAsOf: @Sendable (_ index: Int, _ firm: Firm, _ time: Int64) -> PermitDraft?
    /// Serials the earlier chunks of this batch issued: never "already issued" to a row of the same batch.
    let issuedEarlierInBatch: Set<String>

    init(drafts: [PermitDraft], issuer: String, station: String, replace: Bool, renewalRun: Int64?,
         context: AuditContext, signing: Signing, issuedEarlierInBatch: Set<String> = [],
         draftAsOf: @escaping @Sendable (Int, Firm, Int64) -> PermitDraft? = { _, _, _ in nil }) {
        self.draftAsOf = draftAsOf
        self.issuedEarlierInBatch = issuedEarlierInBatch
        self.drafts = drafts
        self.issuer = issuer
        self.station = station
        self.replace = replace
        self.renewalRun = renewalRun
        self.context = context
        self.signing = signing
    }

    var batchItems: [IssueBatch.Item] {
        drafts.map { IssueBatch.Item(firmID: $0.firmID, compactPlate: $0.plate.compact, renewedFrom: $0.renewedFrom) }
    }

    var duplicateOf: [Int: Int] { decided.withLock { $0.duplicateOf } }
    /// Per draft decided `alreadyIssued`, the live permit that it already is.
    var alreadyIssued: [Int: PermitRecord] { decided.withLock { $0.alreadyIssued } }

    func decide(_ facts: IssueFacts) -> [IssueDecision] {
        let now = context.effectiveTime
        var decisions: [IssueDecision] = []
        decisions.reserveCapacity(drafts.count)
        var vehiclesInChunk: [String: Int] = [:]
        var duplicateOf: [Int: Int] = [:]
        var replaces: [Int: String] = [:]
        var alreadyIssued: [Int: PermitRecord] = [:]
        for (index, draft) in drafts.enumerated() {
            guard let firm = facts.firms[draft.firmID] else {
                decisions.append(.refuse("firm \(draft.firmID) is not registered"))
                continue
            }
            guard firm.status == .active else {
                decisions.append(.refuse("firm \(firm.id) is suspended: no new passes"))
                continue
            }
            // The vehicle is its letters and digits, whatever class was declared: 29C-123.45 and 29-C1 2345
            // are one vehicle.
            let vehicle = draft.plate.compact
            if let earlier = vehiclesInChunk[vehicle] {
                duplicateOf[index] = earlier
                decisions.append(.refuse("plate \(draft.plate.text) already has a pass in this batch"))
                continue
            }
            let known = facts.vehicles[vehicle]
            if let owner = known?.owner, owner != firm.id {
                decisions.append(.refuse(
                    "vehicle \(vehicle) (plate \(draft.plate.text)) belongs to firm \(owner); only the authority "
                        + "moves it (greenlane vehicle transfer)"))
                continue
            }
            let row = known?.livePass
            let live = row.flatMap { $0.expiresAt > now ? $0.serial : nil }
            if let old = draft.renewedFrom {
                if let problem = Self.renewalProblem(old: old, facts: facts.renewals[old], live: live, run: renewalRun,
                                                     now: now) {
                    decisions.append(.refuse(problem))
                    continue
                }
            } else if let live, !replace {
                // A pass this batch issued in an earlier chunk is a repeated row, refused as before.
                if let permit = row?.permit, permit.serial == live, !issuedEarlierInBatch.contains(live),
                    let asked = draftAsOf(index, firm, permit.issuedAt), Self.permit(permit, isExactly: asked)
                {
                    vehiclesInChunk[vehicle] = index
                    alreadyIssued[index] = permit
                    decisions.append(.alreadyIssued(serial: live))
                    continue
                }
                decisions.append(.refuse(
                    "plate \(draft.plate.text) already has an active pass \(live); use --replace to revoke it"))
                continue
            }
            let revoked = draft.renewedFrom ?? live
            if draft.renewedFrom == nil, let live { replaces[index] = live }
            vehiclesInChunk[vehicle] = index
            decisions.append(.accept(Acceptance(
                plate: draft.plate.text, vehicleClass: draft.vehicleClass.rawValue, firmID: firm.id,
                compactPlate: vehicle,
                revokes: revoked.map { ($0, draft.renewedFrom != nil ? RevocationReason.renewed : .replaced) },
                expiredLivePass: row.flatMap { $0.expiresAt <= now ? $0.serial : nil })))
        }
        decided.withLock { $0 = (duplicateOf, replaces, alreadyIssued) }
        return decisions
    }

    /// Whether `permit` carries exactly the claims of `draft` (serial and issue time aside).
    static func permit(_ permit: PermitRecord, isExactly draft: PermitDraft) -> Bool {
        permit.firmID == draft.firmID && permit.plate == draft.plate.text
            && permit.vehicleClass == draft.vehicleClass.rawValue && permit.driverName == draft.driverName
            && permit.driverID == draft.driverID.digits && permit.testAt == draft.testAt
            && permit.zones == Int64(draft.zones.mask) && permit.purpose == draft.purpose.rawValue
            && permit.windowStart == draft.window?.startMinute && permit.windowEnd == draft.window?.endMinute
            && permit.notBefore == draft.notBefore && permit.expiresAt == draft.expiresAt && permit.renewedFrom == nil
    }

    /// Why `old` cannot be renewed now, or nil. `live` is the vehicle's live pass.
    static func renewalProblem(old: String, facts: RenewalFacts?, live: String?, run: Int64?, now: Int64) -> String? {
        guard let facts else { return "not renewed: no permit \(old)" }
        if let newer = facts.renewedAs { return "not renewed: \(old) was already renewed as \(newer)" }
        if let reason = facts.revocationReason {
            return "not renewed: \(old) was revoked (\(AuditText.escaped(reason))) while the renewal ran"
        }
        if let run, facts.renewalRun == run { return "not renewed: \(old) was issued by this renewal run" }
        if facts.expiresAt <= now { return "not renewed: \(old) has expired" }
        if let live, live != old { return "not renewed: the vehicle's live pass is now \(live), not \(old)" }
        return nil
    }

    func sign(accepted: [Int], serials: [String]) throws -> any SignedPermits {
        let now = context.effectiveTime
        let drafts = self.drafts, account = context.account, kid = signing.kid
        let claims = zip(accepted, serials).map { index, serial in
            let draft = drafts[index]
            let permit = Permit(
                serial: serial, firmID: draft.firmID, plate: draft.plate, vehicleClass: draft.vehicleClass,
                driverName: draft.driverName, driverID: draft.driverID, zones: draft.zones, purpose: draft.purpose,
                window: draft.window, station: station)
            return PassClaims(issuer: issuer, issuedAt: now, notBefore: draft.notBefore, expiresAt: draft.expiresAt,
                              permit: permit)
        }
        // What each permit records beside its code, built on the recording thread from the signed code.
        let replaces = decided.withLock { $0.replaces }
        return signing.start(claims) { position, claims, signed in
            let index = accepted[position]
            let draft = drafts[index]
            let record = PermitRecord(
                claims: claims, testAt: draft.testAt, kid: kid, code: signed.code, issuedBy: account,
                replaces: replaces[index], renewedFrom: draft.renewedFrom)
            return IssuedPermit(record: record, auditDetail: "\(record.plate) · \(record.firmID) · \(draft.source)",
                                codeHash: PermitCodeHash.of(coseBytes: signed.coseBytes))
        }
    }
}
