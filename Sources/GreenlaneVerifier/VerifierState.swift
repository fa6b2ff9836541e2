public import GreenlaneSupport
import GreenlaneFormat
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a checkpoint remembers between runs (docs/FORMAT.md §4.3): the newest sequence of each list signer, so an
/// older list is refused as a rollback, and the newest signed time it has seen, so a clock set back is flagged.
///
/// A small text file, replaced atomically (`FileWriter`). Read-check-write happens under an exclusive `flock` on
/// `PATH.lock`, so two verifiers loading lists at once neither lose an update nor let a rollback through between
/// them.
public struct VerifierState: Sendable, Equatable {
    public struct Seen: Sendable, Equatable {
        public var sequence: UInt64
        public var issuedAt: Int64
    }

    /// By signer kid (hex).
    public private(set) var lists: [String: Seen] = [:]
    /// The newest signed time recorded (a list's issue time), unix seconds.
    public private(set) var newestSignedTime: Int64?

    public static let header = "greenlane-verifier-state/1"
    static let maxBytes = 1 << 20

    public init() {}

    /// The state in `path`; an absent file is the empty state (a new checkpoint).
    public static func read(path: String) throws(VerifierError) -> VerifierState {
        guard FileReader.mode(of: path) != nil else { return VerifierState() }
        let bytes: [UInt8]
        do {
            bytes = try FileReader.read(path, what: "verifier state file", limit: maxBytes)
        } catch {
            throw VerifierError(.stateFile, error.reason, underlying: error)
        }
        do {
            return try VerifierState(text: bytes)
        } catch {
            throw VerifierError(.stateFile, "verifier state file \(path): \(error.reason)")
        }
    }

    /// Parses the file: a header line, then `seen TIME` and `list KID SEQUENCE ISSUED` lines.
    public init(text bytes: [UInt8]) throws(VerifierError) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first == Substring(Self.header) else {
            throw VerifierError(.stateFile, "the first line is not \(Self.header)")
        }
        for (number, line) in lines.enumerated().dropFirst() {
            let fields = line.split(separator: " ")
            switch (fields.first, fields.count) {
            case ("seen", 2):
                guard let time = Int64(fields[1]) else { throw Self.bad(number) }
                newestSignedTime = max(newestSignedTime ?? time, time)
            case ("list", 4):
                guard Hex.decode(String(fields[1]))?.count == 8, let sequence = UInt64(fields[2]),
                    let issuedAt = Int64(fields[3]), lists[String(fields[1])] == nil
                else { throw Self.bad(number) }
                lists[String(fields[1])] = Seen(sequence: sequence, issuedAt: issuedAt)
            default:
                throw Self.bad(number)
            }
        }
    }

    private static func bad(_ index: Int) -> VerifierError {
        VerifierError(.stateFile, "line \(index + 1) is not 'seen TIME' or 'list KID SEQUENCE ISSUED' (once per KID)")
    }

    public var text: String {
        var lines = [Self.header]
        if let newestSignedTime { lines.append("seen \(newestSignedTime)") }
        for (kid, seen) in lists.sorted(by: { $0.key < $1.key }) {
            lines.append("list \(kid) \(seen.sequence) \(seen.issuedAt)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The newest sequence seen from the signer `kid` (hex).
    public func seen(_ kid: String) -> Seen? { lists[kid] }

    /// Checks `lists` against what this state has seen and records them. A list whose sequence is below its
    /// signer's newest, or equal to it with another issue time, is a rollback. A list dated after `time` plus
    /// `skew` is not recorded (the verifier refuses to use it; remembering it would let one bad list mark the
    /// clock wrong for good).
    public mutating func admit(_ lists: [VerifiedRevocationList], at time: Int64, skew: Int64)
        throws(VerifierError)
    {
        for verified in lists {
            let kid = verified.signer.keyIDHex
            let list = verified.list
            let name = verified.source.map { "\($0): " } ?? ""
            if let seen = self.lists[kid],
                list.sequence < seen.sequence || (list.sequence == seen.sequence && list.issuedAt != seen.issuedAt)
            {
                throw VerifierError(
                    .revocationListRollback,
                    "\(name)revocation list \(list.sequence) of key \(kid), made \(Timestamp.rfc3339(list.issuedAt)), "
                        + "is older than list \(seen.sequence) (made \(Timestamp.rfc3339(seen.issuedAt))), which this "
                        + "checkpoint has already used: refused as a rollback")
            }
        }
        for verified in lists where verified.list.issuedAt <= time.saturatingAdd(skew) {
            let list = verified.list
            self.lists[verified.signer.keyIDHex] = Seen(sequence: list.sequence, issuedAt: list.issuedAt)
            newestSignedTime = max(newestSignedTime ?? list.issuedAt, list.issuedAt)
        }
    }

    /// Reads the state in `path`, admits `lists` and writes the state back if it changed, all under an exclusive
    /// lock on `PATH.lock`. Returns the state after the update.
    public static func update(
        path: String, admitting lists: [VerifiedRevocationList], at time: Int64, skew: Int64
    ) throws(VerifierError) -> VerifierState {
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VerifierError(.stateFile, "cannot open the lock file \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw VerifierError(.stateFile, "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
            }
        }
        let before = try read(path: path)
        var after = before
        try after.admit(lists, at: time, skew: skew)
        if after != before {
            do {
                try FileWriter.write(Array(after.text.utf8), to: path, mode: FileWriter.privateMode)
            } catch {
                throw VerifierError(.stateFile, "cannot write the verifier state file: \(error.reason)", underlying: error)
            }
        }
        return after
    }
}
