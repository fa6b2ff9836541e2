import PostgresNIO
import Synchronization

/// The session under a store operation ended (the server restarted or shut down, or the link was lost) and the
/// statement in flight never got an answer. `describe` makes it a registry error saying what was being done.
struct PostgresSessionEnded: Error, Sendable {
    let host: String
    let port: Int
}

extension PostgresStore {
    /// How often a running operation looks whether its connection has closed.
    static let sessionPoll: Duration = .milliseconds(200)
    /// How long, once the connection has closed, it waits for postgres-nio to fail the statement in flight with
    /// the server's own message (57P01 and the like) before giving up on it.
    static let endedSessionGrace: Duration = .seconds(2)

    /// Runs `body` on `connection` and returns what it returns, or throws `PostgresSessionEnded` when the
    /// connection closes and `body` has not finished `endedSessionGrace` later.
    ///
    /// Why: postgres-nio (1.33.2) sends a statement with `channel.write(…, promise: nil)`. When the server has
    /// ended the session and the channel has already removed its handlers (a moment after the socket closed), the
    /// write fails with nobody to tell, the statement's promise is never completed, and its `query` waits forever:
    /// the restart drill's hang (docs/POSTGRES.md). A statement written a moment earlier fails properly
    /// (`clientClosedConnection`), which is why only some restarts hung. The body runs in a task of its own, so
    /// this can stop waiting for it; a body stuck on such a promise stays suspended, holding nothing but memory
    /// (its connection is closed, and its lease is returned when this returns).
    static func untilSessionEnds<T: Sendable>(
        _ connection: PostgresConnection, _ location: PostgresLocation,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = Outcome<T>()
        let work = Task { outcome.finish(await Result { () async throws -> T in try await body() }) }
        let watch = Task {
            while !Task.isCancelled, !connection.isClosed {
                try? await Task.sleep(for: sessionPoll)
            }
            guard !Task.isCancelled else { return }
            try? await Task.sleep(for: endedSessionGrace)
            guard !Task.isCancelled else { return }
            outcome.finish(.failure(PostgresSessionEnded(host: location.host, port: location.port)))
        }
        defer { watch.cancel() }
        return try await withTaskCancellationHandler {
            try await outcome.value()
        } onCancel: {
            work.cancel()
        }
    }

    /// The first of the body's result and the watch's verdict, handed to one waiter.
    private final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var result: Result<T, any Error>?
            var waiter: CheckedContinuation<T, any Error>?
        }
        private let state = Mutex(State())

        func finish(_ result: Result<T, any Error>) {
            let waiter: CheckedContinuation<T, any Error>? = state.withLock { state in
                guard state.result == nil else { return nil }
                state.result = result
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(with: result)
        }

        func value() async throws -> T {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<T, any Error>? = state.withLock { state in
                    if let result = state.result { return result }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }
}

extension Result where Failure == any Error {
    /// `Result(catching:)` for an async body.
    fileprivate init(_ body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
