public import GreenlaneSupport
import GreenlaneFormat
public import GreenlaneIssuing
public import GreenlaneStore

/// Issues passes: checks requests against the policy, then has the store record them under the registry's
/// rules (`ChunkIssuing`), signed.
///
/// The order of events is the guarantee: serial allocated, claims signed and the permit committed in one
/// store transaction, and only then is anything handed back for printing or writing to disk.
public struct PermitEngine: Sendable {
    public let policy: Policy
    public let store: any PermitStore
    /// Signs through the engine's `SigningKey` (a PEM file's key today; an HSM's can be added, SigningKey.swift).
    public let signer: KeyedPassSigner
    /// The registry's settings, as the store recorded them at `registry init`.
    public let settings: RegistrySettings

    /// Refuses a policy of another issuer than the registry's, or one that gives the registry's station another
    /// serial prefix (or none): nothing is checked, signed or recorded under a mismatch.
    public init(policy: Policy, store: any PermitStore, key: any SigningKey) throws(EngineError) {
        guard let settings = store.settings else {
            throw EngineError(.registry, "\(store.name) was never initialised; run `greenlane registry init`")
        }
        guard policy.issuer == settings.issuer else {
            throw EngineError(.policy, "the policy is for issuer \(policy.issuer); registry \(store.name) issues for \(settings.issuer)")
        }
        guard let prefix = policy.serialPrefix(forStation: settings.station) else {
            throw EngineError(.policy, "the policy does not list station \(settings.station), which registry \(store.name) issues for")
        }
        guard prefix == settings.serialPrefix else {
            throw EngineError(.policy, "the policy gives station \(settings.station) serial prefix \(prefix); registry "
                + "\(store.name) was made with \(settings.serialPrefix)")
        }
        self.policy = policy
        self.store = store
        self.signer = KeyedPassSigner(key: key)
        self.settings = settings
    }

    public struct BatchOptions: Sendable {
        public var replace = false
        public var allOrNothing = false
        /// Rows per transaction. Each chunk commits before its codes are returned; a crash loses at most
        /// the chunk in flight, and nothing from it was ever printed. 2,000: each chunk rewrites the pages of
        /// the plate-keyed B-trees it touches, so 500-row chunks wrote about 2.6 times as much (BENCHMARKS.md).
        public var chunkSize = 2_000
        /// Threads that sign; 1 signs on the calling thread, more sign ahead while the store records.
        public var jobs = 1
        /// Who issues, and when: requests are checked and passes issued as of `context.effectiveTime`.
        public var context: AuditContext
        public var now: Int64 { context.effectiveTime }
        /// When the requests are the rows of a service request: each row's outcome is recorded in the
        /// transaction that records its permit (`IssueBatch.requestRows`).
        public var serviceRequest: ServiceRequestRows?

        public init(context: AuditContext) {
            self.context = context
        }
    }

    /// The service request the batch issues: its id, the row index of each request given to `issue` (same
    /// order), and how a registry refusal is written into a row's detail.
    public struct ServiceRequestRows: Sendable {
        public var id: String
        public var rowIndexes: [Int]
        public var detail: @Sendable (String) -> String

        public init(id: String, rowIndexes: [Int], detail: @escaping @Sendable (String) -> String) {
            self.id = id
            self.rowIndexes = rowIndexes
            self.detail = detail
        }
    }

    /// What became of each request, in input order.
    public enum RowResult: Sendable {
        case issued(PermitRecord, replaced: String?)
        case refused(RequestRefusal)
        /// The vehicle's live pass is already exactly what the row asks (a rerun of a batch that stopped):
        /// nothing new was issued; `source` names the row.
        case alreadyIssued(PermitRecord, source: String)
    }

    /// Issues the requests; `onCommitted` receives each chunk's results right after that chunk commits.
    ///
    /// With `allOrNothing`, every request is checked first and the whole batch is one transaction:
    /// a single refusal means nothing is issued (and `onCommitted` is called once with every row refused
    /// or rolled back).
    public func issue(
        _ requests: [PermitRequest], malformed: [RequestRefusal] = [], options: BatchOptions,
        renewalRun: Int64? = nil, onCommitted: ([RowResult]) throws -> Void
    ) async throws(EngineError) -> Summary {
        var summary = Summary()
        let firms: [String: Firm]
        do {
            firms = Dictionary(uniqueKeysWithValues: try await store.firms().map { ($0.id, $0) })
        } catch {
            throw EngineError(.registry, error.reason, underlying: error)
        }
        let policy = self.policy, now = options.now
        /// The policy's verdict on requests `range`: each draft carries the permit its request renews.
        let draftRange: @Sendable (Range<Int>) -> [(Int, Result<PermitDraft, RequestRefusal>)] = { range in
            range.map { index in
                let request = requests[index]
                return (index, policy.draft(for: request, firm: firms[request.firmID.trimmed], now: now).map { draft in
                    var draft = draft
                    draft.renewedFrom = request.renews
                    return draft
                })
            }
        }
        let refusedUpFront = malformed.map { RowResult.refused($0) }
        summary.refused += malformed.count
        // All or nothing: every request is checked before anything is recorded.
        let checkedUpFront = options.allOrNothing ? draftRange(requests.indices) : nil
        if let pending = checkedUpFront {
            if !malformed.isEmpty || pending.contains(where: { (try? $0.1.get()) == nil }) {
                let results = refusedUpFront + pending.map { _, result -> RowResult in
                    switch result {
                    case .success(let draft):
                        return .refused(RequestRefusal(source: draft.source, reasons: [Self.rolledBack]))
                    case .failure(let refusal): return .refused(refusal)
                    }
                }
                summary.refused = results.count
                summary.rolledBack = true
                try call(onCommitted, results)
                return summary
            }
        }
        if !refusedUpFront.isEmpty { try call(onCommitted, refusedUpFront) }
        let chunkSize = options.allOrNothing ? max(requests.count, 1) : max(options.chunkSize, 1)
        let signing = Signing(signer: signer, jobs: options.jobs)
        let chunkRanges = stride(from: 0, to: requests.count, by: chunkSize).map {
            $0..<min($0 + chunkSize, requests.count)
        }
        // Each chunk is checked against the policy while the store records the one before (a task on another
        // thread than the store's): the policy's checks leave the serial path, and only one chunk's drafts are
        // held at a time.
        var nextDrafts = chunkRanges.first.map { range in Task { checkedUpFront ?? draftRange(range) } }
        var issuedInBatch: Set<String> = []
        for (number, range) in chunkRanges.enumerated() {
            guard let chunk = await nextDrafts?.value else { break }
            nextDrafts = number + 1 < chunkRanges.count
                ? Task { [range = chunkRanges[number + 1]] in draftRange(range) } : nil
            let slot = { (index: Int) in index - range.lowerBound }
            // Each row's result by its position in the chunk, filled as the store decides.
            var results = [RowResult?](repeating: nil, count: range.count)
            var drafts: [(Int, PermitDraft)] = []
            drafts.reserveCapacity(range.count)
            for (index, result) in chunk {
                switch result {
                case .success(let draft): drafts.append((index, draft))
                case .failure(let refusal): results[slot(index)] = .refused(refusal)
                }
            }
            let asked = drafts.map { requests[$0.0] }
            let rules = ChunkIssuing(
                drafts: drafts.map(\.1), issuer: settings.issuer, station: settings.station, replace: options.replace,
                renewalRun: renewalRun, context: options.context, signing: signing,
                issuedEarlierInBatch: issuedInBatch,
                draftAsOf: { index, firm, time in try? policy.draft(for: asked[index], firm: firm, now: time).get() })
            var batch = IssueBatch(
                items: rules.batchItems, serialPrefix: settings.serialPrefix, renewalRun: renewalRun,
                allOrNothing: options.allOrNothing, context: options.context)
            if let rows = options.serviceRequest {
                batch.requestRows = IssueBatch.RequestRows(
                    requestID: rows.id, indexes: drafts.map { rows.rowIndexes[$0.0] }, detail: rows.detail)
            }
            let commit: IssueCommit
            do {
                commit = try await store.issue(batch, rules: rules)
            } catch {
                // A row the store refuses is reported as that row's refusal; what reaches here stops the batch.
                throw EngineError(error.kind == .rejected ? .request : .registry, error.reason, underlying: error)
            }
            var issued = commit.permits.makeIterator()
            var serialOf: [Int: String] = [:]
            let duplicateOf = rules.duplicateOf
            let alreadyIssued = rules.alreadyIssued
            for (position, ((index, draft), decision)) in zip(drafts, commit.decisions).enumerated() {
                switch decision {
                case .accept(let acceptance) where commit.committed:
                    guard let permit = issued.next() else {
                        throw EngineError(.registry, "the store committed fewer permits than it accepted")
                    }
                    serialOf[position] = permit.record.serial
                    issuedInBatch.insert(permit.record.serial)
                    let replaced = acceptance.revokes?.serial
                    results[slot(index)] = .issued(permit.record, replaced: replaced)
                case .accept:
                    results[slot(index)] = .refused(
                        RequestRefusal(source: draft.source, reasons: [Self.rolledBack]))
                case .alreadyIssued(let serial):
                    guard let permit = alreadyIssued[position] else {
                        throw EngineError(.registry, "the rules found \(serial) already issued but not its permit")
                    }
                    serialOf[position] = serial
                    results[slot(index)] = .alreadyIssued(permit, source: draft.source)
                case .refuse(let reason):
                    // A repeat of a vehicle accepted earlier in the chunk names that pass's serial.
                    let earlier = duplicateOf[position].flatMap { serialOf[$0] }
                    results[slot(index)] = .refused(RequestRefusal(
                        source: draft.source, reasons: [reason + (earlier.map { " (\($0))" } ?? "")]))
                }
            }
            summary.rolledBack = summary.rolledBack || !commit.committed
            let ordered = results.compactMap { $0 }
            guard ordered.count == range.count else {
                throw EngineError(.registry, "the store decided \(commit.decisions.count) of \(drafts.count) drafts")
            }
            for result in ordered {
                switch result {
                case .issued: summary.issued += 1
                case .alreadyIssued: summary.alreadyIssued += 1
                case .refused: summary.refused += 1
                }
            }
            try call(onCommitted, ordered)
        }
        return summary
    }

    static let rolledBack = "not issued: another row was refused (--all-or-nothing)"

    private func call(_ body: ([RowResult]) throws -> Void, _ results: [RowResult]) throws(EngineError) {
        do { try body(results) } catch let error as EngineError { throw error } catch {
            let reason = (error as? any GreenlaneError)?.reason ?? "reporting the committed permits failed"
            throw EngineError(.reporting, reason, underlying: error)
        }
    }

    public struct Summary: Sendable {
        public var issued = 0
        /// Rows whose pass was already issued (a rerun): reported with its serial, not issued again.
        public var alreadyIssued = 0
        public var refused = 0
        public var rolledBack = false
    }
}
