public import GreenlaneFormat

/// What an auditor asks `greenlane list` for. Every field narrows the list; nil means any.
public struct PermitFilter: Sendable {
    public var firmID: String?
    /// Matches the plate ignoring spaces, dots, dashes and case.
    public var plate: String?
    public var status: PermitListing.Status?
    public var zone: District?
    public var purpose: Purpose?
    public var issuedFrom: Int64?
    public var issuedUntil: Int64?
    /// Valid at this instant: started, not expired, not revoked.
    public var validAt: Int64?
    /// Ends (expires) before this instant: what a firm renews next.
    public var expiresBefore: Int64?
    public var limit: Int?
    /// The instant statuses are computed for.
    public var now: Int64

    public init(now: Int64) { self.now = now }

    /// The plate as the store compares it: letters and digits only, upper case (`29c12345` finds `29C-123.45`).
    public var compactPlate: String? { plate.map(VehicleKey.compact) }
}

/// The vehicle a plate names: its letters and digits, upper case, whatever class or spelling was given
/// (`29C-123.45`, `29-C1 2345` and `29c12345` are one vehicle).
public enum VehicleKey {
    public static func compact(_ plate: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(plate.utf8.count)
        for byte in plate.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A: bytes.append(byte)
            case 0x61...0x7A: bytes.append(byte - 0x20)
            default: break  // separators; plates are ASCII, so nothing else can match one
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Matching permits in serial order, fetched a page at a time as the loop asks for them: memory stays flat
/// however many match, and a slow reader holds no transaction open (each page is its own read).
public struct PermitListings: AsyncSequence, Sendable {
    public typealias Element = PermitListing
    let store: any PermitStore
    let filter: PermitFilter
    let pageSize: Int

    public init(store: any PermitStore, filter: PermitFilter, pageSize: Int = 1_000) {
        self.store = store
        self.filter = filter
        self.pageSize = Swift.max(1, pageSize)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let store: any PermitStore
        let filter: PermitFilter
        let pageSize: Int
        var page: [PermitListing] = []
        var position = 0
        var after: String?
        var remaining: Int?
        var finished = false

        public mutating func next() async throws -> PermitListing? {
            if position == page.count {
                guard !finished, remaining.map({ $0 > 0 }) ?? true else { return nil }
                let count = Swift.min(pageSize, remaining ?? pageSize)
                page = try await store.permitPage(filter, after: after, count: count)
                position = 0
                if page.count < count { finished = true }
                guard let last = page.last else { return nil }
                after = last.permit.serial
                remaining = remaining.map { $0 - page.count }
            }
            defer { position += 1 }
            return page[position]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(store: store, filter: filter, pageSize: pageSize, remaining: filter.limit)
    }
}
