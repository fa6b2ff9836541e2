public import GreenlaneSupport
public import GreenlaneCrypto
import GreenlaneFormat
public import GreenlaneIssuing
public import GreenlaneRegistry
import Dispatch
import Synchronization

/// Issues passes: checks requests against the policy, then signs and records them in the registry.
///
/// The order of events is the guarantee: serial allocated, claims signed and the permit committed in
/// one registry transaction, and only then is anything handed back for printing or writing to disk.
public struct PermitEngine: Sendable {
    public let policy: Policy
    public let registry: Registry
    public let signer: PassSigner

    /// Refuses a policy of another issuer than the registry's, or one that gives the registry's station another
    /// serial prefix (or none): nothing is checked, signed or recorded under a mismatch.
    public init(policy: Policy, registry: Registry, key: PrivateKey) throws(EngineError) {
        guard let settings = registry.settings else {
            throw EngineError(.registry, "\(registry.path) was never initialised; run `greenlane registry init`")
        }
        guard policy.issuer == settings.issuer else {
            throw EngineError(.policy, "the policy is for issuer \(policy.issuer); registry \(registry.path) issues for \(settings.issuer)")
        }
        guard let prefix = policy.serialPrefix(forStation: settings.station) else {
            throw EngineError(.policy, "the policy does not list station \(settings.station), which registry \(registry.path) issues for")
        }
        guard prefix == settings.serialPrefix else {
            throw EngineError(.policy, "the policy gives station \(settings.station) serial prefix \(prefix); registry "
                + "\(registry.path) was made with \(settings.serialPrefix)")
        }
        self.policy = policy
        self.registry = registry
        self.signer = PassSigner(key: key)
    }

    public struct BatchOptions: Sendable {
        public var replace = false
        public var allOrNothing = false
        /// Rows per transaction. Each chunk commits before its codes are returned; a crash loses at most
        /// the chunk in flight, and nothing from it was ever printed.
        public var chunkSize = 500
        /// Threads that sign each chunk; 1 signs on the calling thread.
        public var jobs = 1
        /// Who issues, and when: requests are checked and passes issued as of `context.effectiveTime`.
        public var context: AuditContext
        public var now: Int64 { context.effectiveTime }

        public init(context: AuditContext) {
            self.context = context
        }
    }

    /// What became of each request, in input order.
    public enum RowResult: Sendable {
        case issued(PermitRecord, replaced: String?)
        case refused(RequestRefusal)
    }

    /// Issues the requests; `onCommitted` receives each chunk's results right after that chunk commits.
    ///
    /// With `allOrNothing`, every request is checked first and the whole batch is one transaction:
    /// a single refusal means nothing is issued (and `onCommitted` is called once with every row refused
    /// or rolled back).
    public func issue(
        _ requests: [PermitRequest], malformed: [RequestRefusal] = [], options: BatchOptions,
        renewalRun: Int64? = nil, onCommitted: ([RowResult]) throws -> Void
    ) throws(EngineError) -> Summary {
        var summary = Summary()
        let firms: [String: Firm]
        do {
            firms = Dictionary(uniqueKeysWithValues: try registry.firms().map { ($0.id, $0) })
        } catch {
            throw EngineError(.registry, error.reason, underlying: error)
        }
        let pending: [(Int, Result<PermitDraft, RequestRefusal>)] = requests.enumerated().map { index, request in
            let result = policy.draft(for: request, firm: firms[request.firmID.trimmed], now: options.now)
            return (index, result.map { draft in
                var draft = draft
                draft.renewedFrom = request.renews
                return draft
            })
        }
        let refusedUpFront = malformed.map { RowResult.refused($0) }
        summary.refused += malformed.count
        if options.allOrNothing, !malformed.isEmpty || pending.contains(where: { (try? $0.1.get()) == nil }) {
            let results = refusedUpFront + pending.map { _, result -> RowResult in
                switch result {
                case .success(let draft):
                    return .refused(RequestRefusal(source: draft.source, reasons: ["not issued: another row was refused (--all-or-nothing)"]))
                case .failure(let refusal): return .refused(refusal)
                }
            }
            summary.refused = results.count
            summary.rolledBack = true
            try call(onCommitted, results)
            return summary
        }
        if !refusedUpFront.isEmpty { try call(onCommitted, refusedUpFront) }
        let chunkSize = options.allOrNothing ? max(pending.count, 1) : max(options.chunkSize, 1)
        var issueOptions = IssueOptions(
            settings: registry.settings!, replace: options.replace, allOrNothing: options.allOrNothing,
            context: options.context)
        issueOptions.renewalRun = renewalRun
        let signer = self.signer
        let kid = Hex.encode(signer.key.publicKey.keyID)
        let jobs = max(1, options.jobs)
        // Chunks are slices: removing each from the front of `pending` moved (and retained) every request
        // behind it, quadratic in the batch size.
        for start in stride(from: 0, to: pending.count, by: chunkSize) {
            let chunk = pending[start..<min(start + chunkSize, pending.count)]
            var results: [Int: RowResult] = [:]
            var drafts: [(Int, PermitDraft)] = []
            for (index, result) in chunk {
                switch result {
                case .success(let draft): drafts.append((index, draft))
                case .failure(let refusal): results[index] = .refused(refusal)
                }
            }
            let outcome: (outcomes: [IssueOutcome], committed: Bool)
            do {
                outcome = try registry.issue(drafts.map(\.1), options: issueOptions) { claims in
                    try Self.sign(claims, with: signer, kid: kid, jobs: jobs)
                }
            } catch {
                // A row the registry refuses is reported as that row's refusal; what reaches here stops the batch.
                throw EngineError(error.kind == .rejected ? .request : .registry, error.reason, underlying: error)
            }
            for ((index, draft), item) in zip(drafts, outcome.outcomes) {
                switch item {
                case .issued(let record, let replaced) where outcome.committed:
                    results[index] = .issued(record, replaced: replaced)
                case .issued:
                    results[index] = .refused(RequestRefusal(
                        source: draft.source, reasons: ["not issued: another row was refused (--all-or-nothing)"]))
                case .refused(let source, let reason):
                    results[index] = .refused(RequestRefusal(source: source, reasons: [reason]))
                }
            }
            summary.rolledBack = summary.rolledBack || !outcome.committed
            let ordered = results.sorted { $0.key < $1.key }.map(\.value)
            for result in ordered {
                if case .issued = result { summary.issued += 1 } else { summary.refused += 1 }
            }
            try call(onCommitted, ordered)
        }
        return summary
    }

    /// Signs every claim set, on `jobs` threads when there is more than one. OpenSSL keys may sign from
    /// several threads at once; each thread writes only its own slots of the result.
    static func sign(_ claims: [PassClaims], with signer: PassSigner, kid: String, jobs: Int) throws
        -> [(code: String, kid: String)]
    {
        if jobs == 1 || claims.count < 2 {
            return try claims.map { (try signer.passCode(for: $0), kid) }
        }
        let results = SignedCodes(count: claims.count)
        let stripes = min(jobs, claims.count)
        DispatchQueue.concurrentPerform(iterations: stripes) { stripe in
            for index in stride(from: stripe, to: claims.count, by: stripes) {
                results.set(index, Result { () throws(IssuingError) in try signer.passCode(for: claims[index]) })
            }
        }
        return try results.values().map { (try $0.get(), kid) }
    }

    private func call(_ body: ([RowResult]) throws -> Void, _ results: [RowResult]) throws(EngineError) {
        do { try body(results) } catch let error as EngineError { throw error } catch {
            let reason = (error as? any GreenlaneError)?.reason ?? "reporting the committed permits failed"
            throw EngineError(.reporting, reason, underlying: error)
        }
    }

    public struct Summary: Sendable {
        public var issued = 0
        public var refused = 0
        public var rolledBack = false
    }
}

/// Results written by several signing threads, each to its own index.
private final class SignedCodes: Sendable {
    private let storage: Mutex<[Result<String, IssuingError>?]>

    init(count: Int) { storage = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ result: Result<String, IssuingError>) { storage.withLock { $0[index] = result } }

    func values() -> [Result<String, IssuingError>] { storage.withLock { $0.map { $0! } } }
}
