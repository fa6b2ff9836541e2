import GreenlaneStore
import GreenlaneFormat
public import GreenlaneIssuing
import GreenlaneSupport
import Dispatch
import Synchronization

/// Signs a chunk's claims in slices for the store to record as they come, through the engine's `SigningKey`.
///
/// The key's `sign` is async (an HSM may wait on its device), and the store records inside a synchronous
/// transaction on its own thread, so signing always runs in tasks: `jobs` of them, each taking every
/// `jobs`-th slice in order, while the store's thread waits only for the slice it needs next. With one job
/// the signatures of a slice overlap the recording of the one before; with more, signatures overlap each
/// other too, which is where a second core helps most.
public struct Signing: Sendable {
    public let signer: KeyedPassSigner
    public let jobs: Int
    /// Claims per slice: small enough that the store starts recording early, large enough to amortise a
    /// multi-row INSERT.
    public let sliceSize: Int
    /// The signing key's kid, hex.
    public let kid: String

    public init(signer: KeyedPassSigner, jobs: Int, sliceSize: Int = 64) {
        self.signer = signer
        self.jobs = max(1, jobs)
        self.sliceSize = max(1, sliceSize)
        self.kid = Hex.encode(signer.key.keyID)
    }

    /// `finish` turns (position in `claims`, claims, signed pass) into what the store records.
    func start(_ claims: [PassClaims], finish: @escaping @Sendable (Int, PassClaims, SignedPass) -> IssuedPermit)
        -> any SignedPermits
    {
        let slices = (claims.count + sliceSize - 1) / sliceSize
        return SignedAhead(claims: claims, signer: signer, sliceSize: sliceSize, lanes: min(jobs, max(slices, 1)),
                           finish: finish)
    }
}

/// Slices signed ahead in tasks, handed over in order.
final class SignedAhead: SignedPermits {
    /// What the signing tasks and the store's thread share.
    private final class Shared: Sendable {
        let ready = DispatchSemaphore(value: 0)
        let state = Mutex<(slices: [Int: Result<[IssuedPermit], IssuingError>], cancelled: Bool)>(([:], false))
    }
    private let shared = Shared()
    private let sliceCount: Int
    private var nextSlice = 0

    init(claims: [PassClaims], signer: KeyedPassSigner, sliceSize: Int, lanes: Int,
         finish: @escaping @Sendable (Int, PassClaims, SignedPass) -> IssuedPermit) {
        sliceCount = (claims.count + sliceSize - 1) / sliceSize
        let count = sliceCount
        let shared = self.shared
        for lane in 0..<lanes {
            Task.detached(priority: .userInitiated) {
                for slice in stride(from: lane, to: count, by: lanes) {
                    if shared.state.withLock({ $0.cancelled }) { return }
                    let start = slice * sliceSize, end = min(start + sliceSize, claims.count)
                    var signed: [IssuedPermit] = []
                    signed.reserveCapacity(end - start)
                    var failure: IssuingError?
                    for index in start..<end {
                        do throws(IssuingError) {
                            signed.append(finish(index, claims[index], try await signer.signedPass(for: claims[index])))
                        } catch { failure = error; break }
                    }
                    let result: Result<[IssuedPermit], IssuingError> = failure.map { .failure($0) } ?? .success(signed)
                    shared.state.withLock { $0.slices[slice] = result }
                    shared.ready.signal()
                    if failure != nil { return }
                }
            }
        }
    }

    deinit { shared.state.withLock { $0.cancelled = true } }

    /// Blocks the store's thread (never a task's: stores run their transactions on their own threads) until
    /// the next slice is signed.
    func next() throws -> [IssuedPermit]? {
        guard nextSlice < sliceCount else { return nil }
        while true {
            let wanted = nextSlice
            if let result = shared.state.withLock({ $0.slices.removeValue(forKey: wanted) }) {
                nextSlice += 1
                return try result.get()
            }
            shared.ready.wait()
        }
    }
}
