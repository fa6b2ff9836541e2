import GreenlaneStore
import GreenlaneFormat
public import GreenlaneIssuing
import GreenlaneSupport
import Dispatch
import Synchronization

/// Signs a chunk's claims in slices for the store to record as they come.
///
/// With one job, each slice is signed when the store asks for it, on the store's thread. With more, signing
/// runs ahead on other threads (`jobs - 1` of them) while the store records the slices already signed: the
/// database work and the signatures overlap, which is where a second core helps most.
public struct Signing: Sendable {
    public let signer: PassSigner
    public let jobs: Int
    /// Claims per slice: small enough that the store starts recording early, large enough to amortise a
    /// multi-row INSERT.
    public let sliceSize: Int
    /// The signing key's kid, hex.
    public let kid: String

    public init(signer: PassSigner, jobs: Int, sliceSize: Int = 64) {
        self.signer = signer
        self.jobs = max(1, jobs)
        self.sliceSize = max(1, sliceSize)
        self.kid = Hex.encode(signer.key.publicKey.keyID)
    }

    /// `finish` turns (position in `claims`, claims, code) into what the store records.
    func start(_ claims: [PassClaims], finish: @escaping @Sendable (Int, PassClaims, String) -> IssuedPermit)
        -> any SignedPermits
    {
        if jobs == 1 || claims.count <= sliceSize {
            return SignedInTurn(claims: claims, signer: signer, sliceSize: sliceSize, finish: finish)
        }
        return SignedAhead(claims: claims, signer: signer, sliceSize: sliceSize, threads: jobs - 1, finish: finish)
    }
}

/// Each slice signed when asked for, on the caller's thread.
final class SignedInTurn: SignedPermits {
    let claims: [PassClaims]
    let signer: PassSigner
    let sliceSize: Int
    let finish: (Int, PassClaims, String) -> IssuedPermit
    var position = 0

    init(claims: [PassClaims], signer: PassSigner, sliceSize: Int,
         finish: @escaping (Int, PassClaims, String) -> IssuedPermit) {
        self.claims = claims
        self.signer = signer
        self.sliceSize = sliceSize
        self.finish = finish
    }

    func next() throws -> [IssuedPermit]? {
        guard position < claims.count else { return nil }
        let end = min(position + sliceSize, claims.count)
        defer { position = end }
        return try (position..<end).map { index in
            finish(index, claims[index], try signer.passCode(for: claims[index]))
        }
    }
}

/// Slices signed ahead on background threads, handed over in order.
final class SignedAhead: SignedPermits {
    /// What the signing threads and the store's thread share.
    private final class Shared: Sendable {
        let ready = DispatchSemaphore(value: 0)
        let state = Mutex<(slices: [Int: Result<[IssuedPermit], IssuingError>], cancelled: Bool)>(([:], false))
    }
    private let shared = Shared()
    private let sliceCount: Int
    private var nextSlice = 0

    init(claims: [PassClaims], signer: PassSigner, sliceSize: Int, threads: Int,
         finish: @escaping @Sendable (Int, PassClaims, String) -> IssuedPermit) {
        sliceCount = (claims.count + sliceSize - 1) / sliceSize
        let count = sliceCount
        let shared = self.shared
        // Each thread takes every `threads`-th slice, in order; the caller waits for the one it needs next.
        for thread in 0..<threads {
            DispatchQueue.global(qos: .userInitiated).async {
                for slice in stride(from: thread, to: count, by: threads) {
                    if shared.state.withLock({ $0.cancelled }) { return }
                    let start = slice * sliceSize, end = min(start + sliceSize, claims.count)
                    let result = Result { () throws(IssuingError) -> [IssuedPermit] in
                        var slice: [IssuedPermit] = []
                        slice.reserveCapacity(end - start)
                        for index in start..<end {
                            slice.append(finish(index, claims[index], try signer.passCode(for: claims[index])))
                        }
                        return slice
                    }
                    shared.state.withLock { $0.slices[slice] = result }
                    shared.ready.signal()
                }
            }
        }
    }

    deinit { shared.state.withLock { $0.cancelled = true } }

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
