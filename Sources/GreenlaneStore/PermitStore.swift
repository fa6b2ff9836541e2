public import GreenlaneFormat

/// Where the registry keeps firms, vehicles, permits, revocations, renewal runs and the audit log.
///
/// The engine talks to this and nothing else: SQLite (`GreenlaneSQLiteStore`) for one desk, PostgreSQL for a
/// city (a later issue). Operations are narrow and named after what they do; each is one transaction, and
/// every one that changes something writes its audit entries in that same transaction. The rules (who may
/// hold which pass) are the engine's: a store reads the facts they need and writes what they decided
/// (`issue(_:rules:)`, `transferVehicle`), or is told exactly what to do (`setFirmStatus` with the reason to
/// revoke live passes as). What a store guarantees under concurrent writers, on either engine: serials without
/// gaps or repeats, at most one `live_pass` row per vehicle (its primary key), a permit renewed at most once
/// (a unique index), a permit revoked at most once (a primary key), and facts that do not change between the
/// rules reading them and the store writing what they decided (docs/STORE.md says how each store does it).
///
/// The service (greenlane-server, docs/SERVICE.md) keeps its credentials and requests here too: requests and
/// their decisions have their own operations (`submitRequest`, `decideRequest`), each with its audit entry,
/// and issuing an approved request goes through `issue(_:rules:)` unchanged.
public protocol PermitStore: Sendable {
    /// The registry's name in messages: a file's path, or a database's name (never a password).
    var name: String { get }
    /// What `registry init` recorded when the store was opened; nil before that.
    var settings: RegistrySettings? { get }

    // MARK: Settings
    /// Records the registry's issuer, station and serial prefix, once (`registry init`).
    func initialise(_ settings: RegistrySettings, context: AuditContext) async throws(RegistryError)

    // MARK: Firms
    /// Registers a firm; refused when its id or licence is already registered.
    func addFirm(_ firm: Firm, context: AuditContext) async throws(RegistryError)
    func firms() async throws(RegistryError) -> [Firm]
    func firm(_ id: String) async throws(RegistryError) -> Firm?
    /// Sets a firm's status; with `revokingLivePassesAs`, revokes each of its live passes with that reason in the
    /// same transaction. Returns the serials revoked.
    func setFirmStatus(_ id: String, _ status: Firm.Status, reason: String, revokingLivePassesAs: RevocationReason?,
                       context: AuditContext) async throws(RegistryError) -> [String]

    // MARK: Vehicles
    /// Moves a vehicle to another firm, if `check` (the engine's rule, given the vehicle's facts and the firm it
    /// would move to, read in the transaction) finds nothing wrong. Refused when the vehicle has never had a pass.
    func transferVehicle(_ compactPlate: String, to firmID: String, reason: String, context: AuditContext,
                         check: @escaping @Sendable (VehicleFacts, Firm?) -> RegistryError?) async throws(RegistryError)

    // MARK: Issuing
    /// In one transaction: reads the facts `batch` needs, lets `rules` decide, writes the decided revocations
    /// and vehicles, allocates serials, records every signed permit with its live-pass row and audit entry, and
    /// commits (or, with `allOrNothing` and a refusal, rolls back before signing anything).
    func issue(_ batch: IssueBatch, rules: some IssuingRules) async throws(RegistryError) -> IssueCommit

    // MARK: Revocation
    /// Revokes a permit as of `context.effectiveTime`; refused for an unknown or already revoked permit.
    func revoke(_ serial: String, reason: RevocationReason, note: String?, context: AuditContext)
        async throws(RegistryError)
    /// Revocations of permits not yet expired at `time`: what checkpoints still need.
    func revocations(relevantAt time: Int64) async throws(RegistryError) -> RevocationExport

    // MARK: Reading
    /// One permit with its status at `now`.
    func permit(_ serial: String, at now: Int64) async throws(RegistryError) -> PermitListing?
    /// At most `count` matching permits with serials after `after`, in serial order (`permits(matching:)` pages
    /// through these). `filter.limit` is the caller's business.
    func permitPage(_ filter: PermitFilter, after: String?, count: Int) async throws(RegistryError) -> [PermitListing]
    func statistics(now: Int64) async throws(RegistryError) -> Statistics
    func counts() async throws(RegistryError) -> RegistryCounts

    /// The next sequence number of a revocation list signed by `kid` (hex): one more than the last, recorded in
    /// the same transaction, so two exports never share one and checkpoints can refuse an older list.
    func nextRevocationListSequence(kid: String) async throws(RegistryError) -> UInt64

    // MARK: Audit log
    /// The last `limit` entries, oldest first; `actor` matches the account or whom it acted for, `action` a prefix.
    func auditLog(limit: Int, actor: String?, action: String?) async throws(RegistryError) -> [AuditEntry]
    /// Appends one entry (an export, for instance).
    func recordAudit(_ action: String, subject: String?, detail: String?, context: AuditContext)
        async throws(RegistryError)

    // MARK: Renewal runs
    /// The run for an order's new end: created by the first call, joined by every later one.
    func renewalRun(orderNumber: String, orderEnd: Int64, context: AuditContext) async throws(RegistryError) -> Int64
    /// Permits live at `now` (started, not expired, not revoked) that `run` did not issue, optionally of one firm.
    func renewalCandidates(run: Int64, firmID: String?, now: Int64) async throws(RegistryError) -> [PermitRecord]

    // MARK: Service credentials
    /// Records an API token's hash; refused for a taken id or hash (`credentialExists`) or a firm not registered.
    func addCredential(_ credential: ServiceCredential, context: AuditContext) async throws(RegistryError)
    /// The credential whose token hashes to `tokenHash`, revoked or not; nil when none does. The one look-up
    /// authentication makes.
    func credential(tokenHash: [UInt8]) async throws(RegistryError) -> ServiceCredential?
    /// Revokes a credential as of `context.recordedAt`; refused when unknown or already revoked.
    func revokeCredential(_ id: String, context: AuditContext) async throws(RegistryError)
    /// Records a one-time enrolment code's hash for a registered firm (`unknownFirm` otherwise).
    func addEnrolment(_ enrolment: ServiceEnrolment, context: AuditContext) async throws(RegistryError)
    /// In one transaction: marks the enrolment whose code hashes to `codeHash` used and records `credential`
    /// as a dispatcher of its firm (the firm comes from the enrolment). Refused (`unknownEnrolment`) when no
    /// unused, unexpired enrolment has that hash, so a code works once.
    func redeemEnrolment(codeHash: [UInt8], credential: ServiceCredential, context: AuditContext)
        async throws(RegistryError) -> ServiceCredential

    // MARK: Service requests
    /// Records a request with its rows, or, when its credential already submitted one with the same
    /// idempotency key, records nothing and returns that earlier one (whose `bodyHash` the caller compares).
    func submitRequest(_ request: ServiceRequest, context: AuditContext) async throws(RegistryError) -> ServiceRequest
    func serviceRequest(_ id: String) async throws(RegistryError) -> ServiceRequest?
    /// Approves or refuses a pending request; refused when unknown (`unknownRequest`) or decided (`alreadyDecided`).
    func decideRequest(_ id: String, _ decision: ServiceRequest.Status, context: AuditContext)
        async throws(RegistryError) -> ServiceRequest
    /// Records what issuing each approved row came to (`unknownRequest` when no such approved request).
    func recordRowOutcomes(_ id: String, _ outcomes: [ServiceRowOutcome], context: AuditContext)
        async throws(RegistryError) -> ServiceRequest

    // MARK: Service decisions (whole lists), the queue and the firms' lists
    /// In one transaction, applies `decision` to each request of `ids` (each once, in order) that exists, is at
    /// the decision's stage (endorse: awaiting endorsement; approve: awaiting approval; refuse: pending) and that
    /// `check` (the service's rule, on the facts read in the transaction) lets through; every other gets its
    /// refusal: `unknownRequest`, `alreadyDecided`, `awaitingEndorsement`, `notAwaitingEndorsement` or `check`'s.
    /// Each decided request gets its audit entry. A refusal without a well-formed reason code is `invalidValue`,
    /// for the whole list, before anything is read.
    func decideRequests(_ ids: [String], _ decision: ServiceDecision, context: AuditContext,
                        check: @escaping @Sendable (ServiceRequestFacts) -> RegistryError?)
        async throws(RegistryError) -> [ServiceDecisionResult]
    /// Pending requests at `query.stage`, oldest first (by submission time, then id).
    func serviceQueue(_ query: ServiceQueueQuery) async throws(RegistryError) -> [ServiceRequestSummary]
    /// Requests of `firmID` (every firm's when nil), newest first, at most `limit`, after the request `after`.
    /// `unknownRequest` when `after` names none.
    func serviceRequests(firmID: String?, after: String?, limit: Int) async throws(RegistryError)
        -> [ServiceRequestSummary]

    // MARK: Service limits (held in the registry, so they hold across instances)
    /// Claims `claim.key` in its scope, or reports who has it: finished (its answer), in progress, or used with
    /// another fingerprint. A claim unfinished for `leaseSeconds` (its instance died) is taken over.
    func claimIdempotencyKey(_ claim: IdempotencyClaim, leaseSeconds: Int64) async throws(RegistryError)
        -> IdempotencyState
    /// Records the answer of a claimed key (`invalidValue` when the key is not claimed and unfinished).
    func finishIdempotencyKey(scope: String, key: String, answer: IdempotentAnswer, at time: Int64)
        async throws(RegistryError)
    /// Gives up an unfinished claim (the work failed and may be retried); `invalidValue` when there is none.
    func releaseIdempotencyKey(scope: String, key: String) async throws(RegistryError)
    /// Takes one token from every bucket, or from none: the first bucket without a token, with the seconds until
    /// it has one. `millis` is the time in milliseconds.
    func takeRateTokens(_ buckets: [RateBucket], atMillis millis: Int64) async throws(RegistryError) -> RateRefusal?
    /// Counts one failed authentication from `source` in `minute` (one row per source and minute, upserted);
    /// returns the count so far.
    func countAuthFailure(source: String, minute: Int64) async throws(RegistryError) -> Int
    /// The counts from `minute` on, oldest first.
    func authFailureCounts(since minute: Int64) async throws(RegistryError) -> [AuthFailureCount]
}

extension PermitStore {
    /// Every matching permit, in serial order, as an async stream fetched a page at a time.
    public func permits(matching filter: PermitFilter) -> PermitListings {
        PermitListings(store: self, filter: filter)
    }
}
