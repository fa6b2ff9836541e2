/// The payload of a signed revocation list: which serials an issuer has withdrawn, and when it said so.
///
/// Carried as the payload of a COSE_Sign1 (same header rules as a pass), written to a file in binary
/// (`.glr`). See docs/FORMAT.md.
public struct RevocationList: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var serial: String
        /// When the permit was revoked (unix seconds).
        public var revokedAt: Int64
        /// Why: a code (`lost`, `replaced`, ...). The list carries the code only, never free text.
        public var reason: RevocationReason

        public init(serial: String, revokedAt: Int64, reason: RevocationReason) {
            self.serial = serial
            self.revokedAt = revokedAt
            self.reason = reason
        }
    }

    public var issuer: String
    /// When the list was made (unix seconds).
    public var issuedAt: Int64
    /// Sorted by serial, no duplicates.
    public private(set) var entries: [Entry]
    /// Grows with every list its signer makes (the registry counts per key): a checkpoint that has seen
    /// sequence n refuses n − 1 as a rollback.
    public var sequence: UInt64
    /// Until when the list is current (unix seconds): the next list is due by then.
    public var nextUpdate: Int64
    /// How long after `nextUpdate` the list is still used, under an amber "sync" banner (seconds).
    public var grace: Int64

    public enum Key {
        public static let issuer = 1
        public static let issuedAt = 2
        public static let entries = 3
        /// Added in format 2 (docs/FORMAT.md §4): a verifier of format 1 refuses any list that has it, as an
        /// unknown key, so it never reads a list without seeing its freshness.
        public static let version = 4
        public static let sequence = 5
        public static let nextUpdate = 6
        public static let grace = 7
    }

    /// The list format this version writes and reads.
    public static let version: UInt64 = 2
    /// A list is current for 24 hours by default, then in its grace for 12.
    public static let defaultValidity: Int64 = 86_400
    public static let defaultGrace: Int64 = 12 * 3_600
    /// At most 31 days from issue to `nextUpdate`: a list that claimed to be current for years would hide
    /// every later revocation.
    public static let maxValidity: Int64 = 31 * 86_400
    /// At most 7 days of grace.
    public static let maxGrace: Int64 = 7 * 86_400

    /// Upper bound on entries, so a hostile list cannot exhaust memory (about 40 bytes each).
    public static let maxEntries = Limits.revocationEntries

    public init(
        issuer: String, issuedAt: Int64, entries: [Entry], sequence: UInt64 = 1, nextUpdate: Int64? = nil,
        grace: Int64 = RevocationList.defaultGrace
    ) {
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.sequence = sequence
        self.nextUpdate = nextUpdate ?? issuedAt + Self.defaultValidity
        self.grace = grace
        var unique: [String: Entry] = [:]
        for entry in entries where unique[entry.serial] == nil { unique[entry.serial] = entry }
        self.entries = unique.values.sorted { $0.serial < $1.serial }
    }

    public func entry(for serial: String) -> Entry? {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].serial < serial { low = mid + 1 } else { high = mid }
        }
        return low < entries.count && entries[low].serial == serial ? entries[low] : nil
    }

    public var cbor: CBOR {
        .map([
            .init(Key.issuer): .text(issuer),
            .init(Key.issuedAt): .init(issuedAt),
            .init(Key.entries): .array(entries.map {
                .array([.text($0.serial), .init($0.revokedAt), .text($0.reason.code)])
            }),
            .init(Key.version): .unsigned(Self.version),
            .init(Key.sequence): .unsigned(sequence),
            .init(Key.nextUpdate): .init(nextUpdate),
            .init(Key.grace): .init(grace),
        ])
    }

    public func encoded() -> [UInt8] { cbor.encoded() }

    public init(decoding payload: [UInt8]) throws(FormatError) {
        let item: CBOR
        do {
            // Three items per entry plus the entry's array itself.
            item = try CBOR.decode(payload, limits: CBORLimits(maxDepth: 4, maxItems: Self.maxEntries * 4 + 16))
        } catch {
            throw FormatError(error.code, layer: .cbor, "revocation list: \(error.reason)", offset: error.offset)
        }
        var reader = try ClaimReader(item, what: "revocation list")
        issuer = try reader.text(Key.issuer, "issuer", maxBytes: 32)
        issuedAt = try reader.time(Key.issuedAt, "issued at")
        guard case .array(let items) = try reader.required(Key.entries, "entries") else {
            throw FormatError(.wrongType, layer: .claims, "revocation list: entries must be an array")
        }
        guard let version = reader.take(Key.version) else {
            throw FormatError(
                .missingField, layer: .claims,
                "revocation list of format 1 (no sequence, nextUpdate or grace): export it again with this version")
        }
        guard version == .unsigned(Self.version) else {
            throw FormatError(
                .invalidValue, layer: .claims, "revocation list format \(version.diagnostic); this version reads \(Self.version)")
        }
        sequence = try reader.uint(Key.sequence, "sequence")
        guard sequence >= 1 else {
            throw FormatError(.invalidValue, layer: .claims, "revocation list: sequence must be at least 1")
        }
        nextUpdate = try reader.time(Key.nextUpdate, "nextUpdate")
        guard nextUpdate > issuedAt, nextUpdate - issuedAt <= Self.maxValidity else {
            throw FormatError(
                .invalidValue, layer: .claims, "revocation list: nextUpdate must be after its issue, by at most 31 days")
        }
        let grace = try reader.uint(Key.grace, "grace")
        guard grace <= UInt64(Self.maxGrace) else {
            throw FormatError(.invalidValue, layer: .claims, "revocation list: grace must be at most 7 days")
        }
        self.grace = Int64(grace)
        try reader.finish()
        var entries: [Entry] = []
        entries.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .array(let fields) = item, fields.count == 3, case .text(let serial) = fields[0],
                let revokedAt = fields[1].int64Value, case .text(let code) = fields[2]
            else {
                throw FormatError(
                    .wrongType, layer: .claims, "revocation list: entry \(index) must be [serial, time, reason]")
            }
            // A code this version does not know (a newer issuer's) is kept and shown as the code; anything that
            // is not a code at all is refused, so no free text from the list reaches an officer's screen.
            guard let reason = RevocationReason(code: code) else {
                throw FormatError(
                    .invalidValue, layer: .claims,
                    "revocation list: entry \(index) has a reason that is not a code "
                        + "(1-\(RevocationReason.maxCodeBytes) of a-z, 0-9 and '-')")
            }
            try Permit.checkSerial(serial)
            if let previous = entries.last, previous.serial >= serial {
                throw FormatError(
                    .unsortedMapKeys, layer: .claims,
                    "revocation list: entry \(index) ('\(serial)') is out of order or repeated")
            }
            entries.append(Entry(serial: serial, revokedAt: revokedAt, reason: reason))
        }
        self.entries = entries
    }
}
