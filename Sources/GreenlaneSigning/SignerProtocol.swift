public import GreenlaneSupport
import Foundation

/// The signer's wire protocol on its Unix socket (docs/SERVICE.md, "The signer").
///
/// A frame is an 8-byte header, `GLS` then the protocol version (1), then the body's length as a 32-bit
/// big-endian number, then the body: one JSON object, at most `maxBody` bytes. A client sends one request
/// frame and reads one answer frame per exchange. Requests have exactly these members:
/// `{"op": "ping"}` and `{"op": "issue", "request": "rq-…"}`; anything else (claims, hashes, a firm) is
/// refused, so nothing a caller sends can become what is signed.
public enum SignerProtocol {
    public static let magic: [UInt8] = Array("GLS".utf8)
    public static let version: UInt8 = 1
    public static let headerSize = 8
    /// Requests are tiny; answers list a request's rows (10,000 at most, about 60 bytes each).
    public static let maxBody = 1 << 20

    /// Header and body.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        let length = UInt32(body.count)
        return magic + [version] + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: length >> $0) } + body
    }

    /// What reading a frame from `buffer` found.
    public enum Read: Equatable, Sendable {
        /// Not a whole frame yet.
        case needMore
        /// A whole frame: its body, and how many bytes of `buffer` it took.
        case frame([UInt8], consumed: Int)
        /// Not this protocol, another version, or too large: the connection is answered once and closed.
        case refused(code: String, reason: String)
    }

    public static func read(_ buffer: [UInt8], limit: Int = maxBody) -> Read {
        let seen = min(buffer.count, 3)
        guard Array(buffer.prefix(seen)) == Array(magic.prefix(seen)) else {
            return .refused(code: "frame.garbled", reason: "not a greenlane-signer frame (no GLS header)")
        }
        guard buffer.count >= headerSize else { return .needMore }
        guard buffer[3] == version else {
            return .refused(code: "frame.version", reason: "protocol version \(buffer[3]); this signer speaks "
                + "\(version)")
        }
        let length = buffer[4..<8].reduce(0) { $0 << 8 | Int($1) }
        guard length <= limit else {
            return .refused(code: "frame.tooLarge", reason: "a frame of \(length) bytes; at most \(limit)")
        }
        guard buffer.count >= headerSize + length else { return .needMore }
        return .frame(Array(buffer[headerSize..<headerSize + length]), consumed: headerSize + length)
    }
}

/// What a caller asks the signer.
public enum SignerRequest: Sendable, Equatable {
    case ping
    /// Issue the approved request with this id: the signer reads it from the store itself.
    case issue(requestID: String)

    public var body: [UInt8] {
        struct Body: Encodable { var op: String; var request: String? }
        let body: Body
        switch self {
        case .ping: body = Body(op: "ping", request: nil)
        case .issue(let id): body = Body(op: "issue", request: id)
        }
        return Array((try? SignerAnswer.encoder.encode(body)) ?? Data())
    }

    /// Parses a request body strictly: exactly the members of one operation, nothing more.
    public static func parse(_ body: [UInt8]) throws(SignerError) -> SignerRequest {
        let tree: StrictJSON
        do { tree = try StrictJSON.parse(body) } catch {
            throw SignerError(.badRequest, "the request is not JSON: \(error.description)")
        }
        guard case .string(let op)? = tree["op"] else {
            throw SignerError(.badRequest, "the request has no 'op' (ping or issue)")
        }
        switch op {
        case "ping":
            if let extra = tree.unknownMembers(["op"], at: "").first {
                throw SignerError(.badRequest, "unknown member '\(extra)': ping takes nothing")
            }
            return .ping
        case "issue":
            if let extra = tree.unknownMembers(["op", "request"], at: "").first {
                throw SignerError(.badRequest, "unknown member '\(extra)': issue takes only 'request', the id of an "
                    + "approved request; the signer rebuilds everything it signs from the store")
            }
            guard case .string(let id)? = tree["request"], (1...64).contains(id.utf8.count),
                id.unicodeScalars.allSatisfy({ $0 == "-" || ("a"..."z").contains($0) || ("0"..."9").contains($0) })
            else { throw SignerError(.badRequest, "'request' must be a request id (rq-…)") }
            return .issue(requestID: id)
        default:
            throw SignerError(.badRequest, "unknown op '\(SafeText.escaped(String(op.prefix(32))))' (ping or issue)")
        }
    }
}

/// Why the signer refused, or could not be reached.
public enum SignerDomain: ErrorDomain {}
public typealias SignerError = CodedError<SignerDomain>

extension SignerError.Code where Domain == SignerDomain {
    /// Not reachable (no socket, refused, closed mid-answer): the request stays approved; a retry finishes it.
    public static var unavailable: Self { .init("signer.unavailable", kind: .runtime) }
    /// A frame or request that is not the protocol's.
    public static var badRequest: Self { .init("signer.badRequest", kind: .malformed) }
    public static var unknownRequest: Self { .init("signer.unknownRequest", kind: .rejected) }
    /// The request is not approved: nothing is signed.
    public static var notApproved: Self { .init("signer.notApproved", kind: .rejected) }
    /// The registry or the key failed.
    public static var failed: Self { .init("signer.failed", kind: .runtime) }
    /// The signer cannot start: its key, trust file, policy, registry or socket folder.
    public static var setup: Self { .init("signer.setup", kind: .setup) }
}

/// The signer's answer: `ok` with what was done, or the refusal's stable code and reason.
public struct SignerAnswer: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var index: Int
        public var status: String
        public var serial: String?
        public init(index: Int, status: String, serial: String?) {
            self.index = index
            self.status = status
            self.serial = serial
        }
    }
    public var ok: Bool
    public var code: String?
    public var reason: String?
    /// Ping: the kid of the key the signer holds (hex).
    public var kid: String?
    /// Issue: the request, its status, and every row's outcome.
    public var request: String?
    public var status: String?
    public var rows: [Row]?

    public init(ok: Bool, code: String? = nil, reason: String? = nil, kid: String? = nil, request: String? = nil,
                status: String? = nil, rows: [Row]? = nil) {
        self.ok = ok
        self.code = code
        self.reason = reason
        self.kid = kid
        self.request = request
        self.status = status
        self.rows = rows
    }

    public static func refusal(_ error: SignerError) -> SignerAnswer {
        SignerAnswer(ok: false, code: error.code.name, reason: error.reason)
    }

    public var body: [UInt8] { Array((try? Self.encoder.encode(self)) ?? Data()) }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
