/// Everything a registry holds, row for row: what `greenlane registry copy` moves from one store to another.
///
/// Not part of `PermitStore`: the engine never needs it, and a store that cannot be copied is still a store.
/// Held in memory whole (about 1 KB a permit with its audit entry): fine for a city's registry of some hundred
/// thousand permits; a registry of millions would want it streamed table by table.
public struct RegistryDump: Sendable {
    public struct Vehicle: Sendable, Hashable {
        public var plate: String, firmID: String, vehicleClass: Int64, firstSeen: Int64
        public init(plate: String, firmID: String, vehicleClass: Int64, firstSeen: Int64) {
            self.plate = plate
            self.firmID = firmID
            self.vehicleClass = vehicleClass
            self.firstSeen = firstSeen
        }
    }

    public struct Owner: Sendable, Hashable {
        public var compactPlate: String, firmID: String, since: Int64
        public init(compactPlate: String, firmID: String, since: Int64) {
            self.compactPlate = compactPlate
            self.firmID = firmID
            self.since = since
        }
    }

    public struct RenewalRun: Sendable, Hashable {
        public var id: Int64, orderNumber: String, orderEnd: Int64, startedAt: Int64, startedBy: String
        public init(id: Int64, orderNumber: String, orderEnd: Int64, startedAt: Int64, startedBy: String) {
            self.id = id
            self.orderNumber = orderNumber
            self.orderEnd = orderEnd
            self.startedAt = startedAt
            self.startedBy = startedBy
        }
    }

    public struct LivePass: Sendable, Hashable {
        public var compactPlate: String, serial: String, expiresAt: Int64
        public init(compactPlate: String, serial: String, expiresAt: Int64) {
            self.compactPlate = compactPlate
            self.serial = serial
            self.expiresAt = expiresAt
        }
    }

    public struct Counter: Sendable, Hashable {
        public var prefix: String, next: Int64
        public init(prefix: String, next: Int64) {
            self.prefix = prefix
            self.next = next
        }
    }

    /// The last sequence number each revocation-list key gave (checkpoints refuse a lower one).
    public struct ListSequence: Sendable, Hashable {
        public var kid: String, sequence: Int64
        public init(kid: String, sequence: Int64) {
            self.kid = kid
            self.sequence = sequence
        }
    }

    public var settings: RegistrySettings
    public var firms: [Firm] = []
    public var vehicles: [Vehicle] = []
    public var owners: [Owner] = []
    public var renewalRuns: [RenewalRun] = []
    /// In serial order, each with the renewal run that issued it.
    public var permits: [(record: PermitRecord, renewalRun: Int64?)] = []
    public var revocations: [Revocation] = []
    public var livePasses: [LivePass] = []
    public var counters: [Counter] = []
    /// By kid.
    public var listSequences: [ListSequence] = []
    /// Oldest first, with their ids.
    public var auditLog: [AuditEntry] = []

    public init(settings: RegistrySettings) { self.settings = settings }

    public var counts: RegistryCounts {
        RegistryCounts(firms: firms.count, permits: permits.count, revocations: revocations.count,
                       auditEntries: auditLog.count)
    }

    /// Every value of every row, in a fixed order, one field per line: what the copy's digest is computed over.
    /// Two registries with the same canonical text hold the same rows.
    public func canonicalText(into sink: (String) -> Void) {
        func field(_ value: (any CustomStringConvertible)?) -> String { value.map { "\($0)".debugDescription } ?? "-" }
        let s = settings
        sink("settings " + [s.issuer, s.station, s.serialPrefix, s.fileGroup, s.createdAt].map(field).joined(separator: " "))
        for f in firms { sink("firm " + [f.id, f.legalName, f.kind.rawValue, f.licence, f.status.rawValue, f.createdAt].map(field).joined(separator: " ")) }
        for v in vehicles { sink("vehicle " + [v.plate, v.firmID, v.vehicleClass, v.firstSeen].map(field).joined(separator: " ")) }
        for o in owners { sink("owner " + [o.compactPlate, o.firmID, o.since].map(field).joined(separator: " ")) }
        for r in renewalRuns { sink("run " + [r.id, r.orderNumber, r.orderEnd, r.startedAt, r.startedBy].map(field).joined(separator: " ")) }
        for (p, run) in permits {
            let values: [(any CustomStringConvertible)?] = [
                p.serial, p.firmID, p.plate, p.vehicleClass, p.driverName, p.driverID, p.testAt, p.zones, p.purpose,
                p.windowStart, p.windowEnd, p.station, p.issuer, p.issuedAt, p.notBefore, p.expiresAt, p.kid, p.code,
                p.replaces, p.renewedFrom, p.issuedBy, run,
            ]
            sink("permit " + values.map(field).joined(separator: " "))
        }
        for r in revocations { sink("revocation " + [r.serial, r.revokedAt, r.reason, r.revokedBy, r.note].map(field).joined(separator: " ")) }
        for l in livePasses { sink("live " + [l.compactPlate, l.serial, l.expiresAt].map(field).joined(separator: " ")) }
        for c in counters { sink("counter " + [c.prefix, c.next].map(field).joined(separator: " ")) }
        for l in listSequences { sink("listsequence " + [l.kid, l.sequence].map(field).joined(separator: " ")) }
        for a in auditLog {
            let values: [(any CustomStringConvertible)?] = [a.id, a.at, a.pinnedAt, a.actor, a.onBehalfOf, a.action, a.subject, a.detail]
            sink("audit " + values.map(field).joined(separator: " "))
        }
    }
}

/// A store whose every row can be read out and written into a new, empty registry of another kind.
public protocol RegistryCopying: PermitStore {
    /// Every row, read in one transaction (a consistent snapshot while others write).
    func dump() async throws(RegistryError) -> RegistryDump
}
