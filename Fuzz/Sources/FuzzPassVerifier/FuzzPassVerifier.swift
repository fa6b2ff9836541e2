import FuzzSupport
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneVerifier

// Target (a): arbitrary text through every layer of the pass code and the whole verifier, with the demo
// trust set, the sample revocation list and a fixed checkpoint (26 July 2021 10:00 +07, Đống Đa).
//
// Invariants beyond "no crash, no hang": the verifier never throws (it returns failures), an accepted
// result always has a signer and a pass, and anything accepted must be byte-for-byte a code that the
// demo keys signed, i.e. its COSE bytes re-decode and re-encode to themselves (deterministic) and the
// claims round-trip, and it is in its one canonical form (low-S ECDSA or reduced Ed25519 S, and no zlib layer
// on a code that fits QR version 10-M: docs/FORMAT.md §1.5).

let trust: TrustSet = {
    do { return try TrustSet.load(path: fixture("Keys/demo-trust.json")) } catch {
        invariantFailed("demo trust file does not load: \(error)")
    }
}()
let revocations: VerifiedRevocationList = {
    do { return try VerifiedRevocationList.load(path: fixture("Samples/codes/revocations.glr"), trust: trust) } catch {
        invariantFailed("sample revocation list does not load: \(error)")
    }
}()
let verifier = PassVerifier(trust: trust, revocations: revocations)
let context = CheckpointContext(time: 1_627_268_400, district: District("dong-da"))  // 2021-07-26T10:00:00+07:00

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let result = verifier.verify(text, context: context)
    if result.isAccepted && (result.isMalformed || result.isDemo == false) {
        // Only the demo keys are trusted here: anything accepted must be theirs and well formed.
        invariantFailed("accepted but malformed or not signed by a demo key")
    }
    if result.isAccepted {
        guard let pass = result.pass, result.signer != nil, result.verified != nil else {
            invariantFailed("accepted without a pass or signer")
        }
        let again: CBOR
        do { again = try CBOR.decode(pass.coseBytes) } catch { invariantFailed("accepted bytes do not re-decode") }
        if again.encoded() != pass.coseBytes { invariantFailed("accepted COSE bytes are not deterministic") }
        if pass.claims.encoded() != pass.message.payload { invariantFailed("accepted claims do not round-trip") }
        if pass.compressed && !PassCode.mayCompress(pass.coseBytes) { invariantFailed("accepted needless zlib") }
        if let signer = result.signer, signer.algorithm.isNonCanonical(signature: pass.message.signature) {
            invariantFailed("accepted a non-canonical signature")
        }
    }
    // Every failure renders in both languages without trapping.
    for failure in result.failures {
        _ = failure.message(.vi)
        _ = failure.message(.en)
    }
    return 0
}
