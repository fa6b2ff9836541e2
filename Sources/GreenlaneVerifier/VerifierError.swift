public import GreenlaneSupport

/// Why a trust file or a revocation list could not be used.
///
/// Passes are never thrown at: a bad pass is a `VerificationResult` with failures. This error is for
/// the checkpoint's own inputs, which must be right before any pass can be judged.
public enum VerifierDomain: ErrorDomain {}
public typealias VerifierError = CodedError<VerifierDomain>

extension VerifierError.Code where Domain == VerifierDomain {
    public static var unreadableFile: Self { .init("unreadableFile", kind: .setup) }
    public static var invalidTrustFile: Self { .init("invalidTrustFile", kind: .setup) }
    public static var keyIDMismatch: Self { .init("keyIDMismatch", kind: .setup) }
    public static var duplicateKeyID: Self { .init("duplicateKeyID", kind: .setup) }
    /// A trust file lists a published demo key without `"demo": true`.
    public static var demoKeyNotFlagged: Self { .init("demoKeyNotFlagged", kind: .setup) }
    public static var emptyTrustSet: Self { .init("emptyTrustSet", kind: .setup) }
    public static var invalidRevocationList: Self { .init("invalidRevocationList", kind: .setup) }
    public static var revocationListNotTrusted: Self { .init("revocationListNotTrusted", kind: .setup) }
    public static var revocationListBadSignature: Self { .init("revocationListBadSignature", kind: .setup) }
    /// A list's sequence is below the newest this checkpoint has seen from its signer (the state file).
    public static var revocationListRollback: Self { .init("revocationListRollback", kind: .setup) }
    /// Two lists from one signer in one run: which is current must not depend on the order of files.
    public static var revocationListsOneSigner: Self { .init("revocationListsOneSigner", kind: .setup) }
    /// The verifier state file cannot be read, parsed, locked or written.
    public static var stateFile: Self { .init("stateFile", kind: .setup) }
}
