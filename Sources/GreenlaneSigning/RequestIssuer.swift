public import GreenlaneEngine
public import GreenlaneStore
public import GreenlaneSupport
import Foundation

/// The signer's one operation: issue the approved request R.
///
/// It reads R from the store itself, refuses unless R is approved, rebuilds every row's permit request from
/// the stored payload and the policy (nothing a caller sends is signed), and has the engine issue the rows
/// still `accepted`: the registry's rules run in the issuing transaction, and each row's outcome is written in
/// the transaction that records its permit, so a crash never leaves a permit whose row still says accepted.
/// Rows the policy refuses now (a test that has aged past its limit since submission) become not-issued.
public struct RequestIssuer: Sendable {
    public let engine: PermitEngine
    public let clock: @Sendable () -> Int64

    public init(engine: PermitEngine, clock: @escaping @Sendable () -> Int64) {
        self.engine = engine
        self.clock = clock
    }

    public func issue(_ id: String) async throws(SignerError) -> ServiceRequest {
        let store = engine.store
        let found: ServiceRequest?
        do { found = try await store.serviceRequest(id) } catch {
            throw SignerError(.failed, error.reason, underlying: error)
        }
        guard let request = found else {
            throw SignerError(.unknownRequest, "no request \(SafeText.escaped(String(id.prefix(64))))")
        }
        guard request.status == .approved else {
            throw SignerError(.notApproved, "request \(id) is \(request.status.rawValue), not approved: the signer "
                + "signs only what an officer approved")
        }
        let accepted = request.rows.filter { $0.status == .accepted }
        guard !accepted.isEmpty else { return request }
        let now = clock()
        let context: AuditContext
        do {
            // The officer who approved is who issues; the signer is how.
            context = try AuditContext(account: request.decidedBy ?? "unknown officer",
                                       onBehalfOf: "greenlane-signer for \(id)", recordedAt: now)
        } catch { throw SignerError(.failed, error.reason, underlying: error) }
        var requests: [PermitRequest] = [], indexes: [Int] = []
        var unreadable: [ServiceRowOutcome] = []
        for row in accepted {
            guard let vehicle = try? JSONDecoder().decode(VehicleRow.self, from: Data(row.payload.utf8)) else {
                unreadable.append(ServiceRowOutcome(index: row.index, serial: nil, detail: Self.detail(
                    [("registry.unreadable", "the stored row cannot be read")])))
                continue
            }
            requests.append(vehicle.permitRequest(firmID: request.firmID, source: "\(id) row \(row.index)"))
            indexes.append(row.index)
        }
        var options = PermitEngine.BatchOptions(context: context)
        options.serviceRequest = .init(id: id, rowIndexes: indexes) { reason in
            Self.detail([("registry.refused", reason)])
        }
        var policyRefused = unreadable
        let positionOf = Dictionary(uniqueKeysWithValues: requests.enumerated().map { ($1.source, $0) })
        do {
            _ = try await engine.issue(requests, options: options) { results in
                for result in results {
                    // Rows the store refused (code "refused") were recorded in their chunk's transaction; the
                    // policy's refusals (each with its own code) never reached the store.
                    guard case .refused(let refusal) = result, refusal.codes.contains(where: { $0 != "refused" }),
                        let position = positionOf[refusal.source] else { continue }
                    policyRefused.append(ServiceRowOutcome(index: indexes[position], serial: nil, detail: Self.detail(
                        zip(refusal.codes, refusal.reasons).map { ($0, $1) })))
                }
            }
        } catch {
            if error.kind == .rejected {
                // Another signer issued these rows first (or the request changed): answer what the store has.
                return try await reread(id)
            }
            throw SignerError(.failed, error.reason, underlying: error)
        }
        if !policyRefused.isEmpty {
            do { _ = try await store.recordRowOutcomes(id, policyRefused, context: context) } catch {
                throw SignerError(.failed, error.reason, underlying: error)
            }
        }
        return try await reread(id)
    }

    func reread(_ id: String) async throws(SignerError) -> ServiceRequest {
        do {
            guard let request = try await engine.store.serviceRequest(id) else {
                throw SignerError(.unknownRequest, "no request \(id)")
            }
            return request
        } catch let error as SignerError { throw error } catch {
            throw SignerError(.failed, (error as? any GreenlaneError)?.reason ?? "the registry failed")
        }
    }

    /// A row's detail in the service's encoding: `[{"code", "detail"}]`, sorted keys.
    static func detail(_ reasons: [(String, String)]) -> String {
        struct Reason: Encodable { var code: String; var detail: String }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(reasons.map { Reason(code: $0.0, detail: $0.1) })) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
