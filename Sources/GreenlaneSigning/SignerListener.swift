import GreenlaneIssuing
import GreenlaneFormat
import GreenlaneStore
public import GreenlaneSupport
import NIOCore
import NIOPosix
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `greenlane-signer`'s loop: listens on the Unix socket, reads one frame at a time per connection and answers
/// it. A garbled, oversized or other-version frame is answered once with its code and the connection closed.
public struct SignerListener: Sendable {
    public let issuer: RequestIssuer
    public let socketPath: String

    public init(issuer: RequestIssuer, socketPath: String) {
        self.issuer = issuer
        self.socketPath = socketPath
    }

    /// Prepares the socket (SignerSocket), binds it 0660 and serves until the process ends. `ready` is called
    /// once the socket accepts connections.
    public func run(ready: @Sendable () -> Void = {}) async throws {
        try SignerSocket.prepare(socketPath)
        // The socket is created 0660 (no window with a wider mode), then set so explicitly.
        let previous = umask(0o117)
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            umask(previous)
        } catch {
            umask(previous)
            throw SignerError(.setup, "cannot listen on \(socketPath): \(error)")
        }
        try SignerSocket.restrict(socketPath)
        ready()
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        try? await connection.executeThenClose { inbound, outbound in
            var pending: [UInt8] = []
            reading: for try await chunk in inbound {
                pending += chunk.readableBytesView
                while true {
                    switch SignerProtocol.read(pending) {
                    case .needMore: continue reading
                    case .refused(let code, let reason):
                        let answer = SignerAnswer(ok: false, code: code, reason: reason)
                        try await outbound.write(ByteBuffer(bytes: SignerProtocol.frame(answer.body)))
                        return
                    case .frame(let body, let consumed):
                        pending.removeFirst(consumed)
                        let answer = await self.answer(body)
                        try await outbound.write(ByteBuffer(bytes: SignerProtocol.frame(answer.body)))
                    }
                }
            }
        }
    }

    func answer(_ body: [UInt8]) async -> SignerAnswer {
        do {
            switch try SignerRequest.parse(body) {
            case .ping:
                return SignerAnswer(ok: true, kid: Hex.encode(issuer.engine.signer.key.keyID))
            case .issue(let id):
                let request = try await issuer.issue(id)
                return SignerAnswer(
                    ok: true, request: request.id, status: request.status.rawValue,
                    rows: request.rows.map { .init(index: $0.index, status: $0.status.rawValue, serial: $0.serial) })
            }
        } catch {
            return .refusal(error)
        }
    }
}

/// The server's side: one connection per exchange (a signer restarted between two calls is found again).
public struct SignerClient: Sendable {
    public let socketPath: String
    /// How long to wait for an answer: a signer that accepts and never answers (stopped, stuck) is unavailable
    /// after this; what it does later is found by the retry, which issues nothing twice.
    public var timeout: Duration

    public init(socketPath: String, timeout: Duration = .seconds(300)) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    public func send(_ request: SignerRequest) async throws(SignerError) -> SignerAnswer {
        try await exchange(SignerProtocol.frame(request.body))
    }

    /// Sends `bytes` as they are (tests send broken frames through this) and reads one answer frame.
    public func exchange(_ bytes: [UInt8]) async throws(SignerError) -> SignerAnswer {
        let body: [UInt8]
        let timeout = self.timeout
        do {
            body = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                group.addTask { try await self.roundTrip(bytes) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw SignerError(.unavailable, "the signer did not answer within \(timeout)")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw SignerError(.unavailable, "no answer") }
                return first
            }
        } catch let error as SignerError {
            throw error
        } catch {
            throw SignerError(.unavailable, "the signer at \(socketPath) cannot be reached: \(error)")
        }
        guard let answer = try? JSONDecoder().decode(SignerAnswer.self, from: Data(body)) else {
            throw SignerError(.unavailable, "the signer's answer is not one this server understands")
        }
        return answer
    }

    func roundTrip(_ bytes: [UInt8]) async throws -> [UInt8] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: socketPath) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: bytes))
            var pending: [UInt8] = []
            for try await chunk in inbound {
                pending += chunk.readableBytesView
                switch SignerProtocol.read(pending) {
                case .needMore: continue
                case .frame(let body, _): return body
                case .refused(_, let reason): throw SignerError(.unavailable, "the signer's answer: \(reason)")
                }
            }
            throw SignerError(.unavailable, "the signer closed the connection before answering")
        }
    }
}
