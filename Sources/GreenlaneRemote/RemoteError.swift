public import GreenlaneSupport

/// Why a `remote` command could not do what was asked: where the server is, the credential, the connection, or
/// the server's answer (a problem detail keeps its stable code in the reason).
public enum RemoteDomain: ErrorDomain {}
public typealias RemoteError = CodedError<RemoteDomain>

extension RemoteError.Code where Domain == RemoteDomain {
    /// The server URL, the credential file or the CA cannot be used as given (exit 3).
    public static var configuration: Self { .init("configuration", kind: .setup) }
    /// The server refused who we are: no, a revoked or an unknown token (exit 3: the credential is unusable).
    public static var credential: Self { .init("credential", kind: .setup) }
    /// The server said no to what was asked: forbidden, not found, already decided, a refused body (exit 1).
    public static var refused: Self { .init("refused", kind: .rejected) }
    /// The server could not be reached, could not be trusted, or is busy or failing (exit 3).
    public static var unavailable: Self { .init("unavailable", kind: .runtime) }
    /// The server answered something that is not what the API promises (exit 3).
    public static var protocolViolation: Self { .init("protocolViolation", kind: .runtime) }
    /// A flag the remote commands refuse (a token on the command line; exit 64).
    public static var usage: Self { .init("usage", kind: .usage) }
}
