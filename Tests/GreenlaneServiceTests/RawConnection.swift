import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to the server on loopback, from a chosen source address (127.0.0.x, so tests can
/// be several sources), for what a test client cannot do: send bytes slowly, send an oversized head.
final class RawConnection: @unchecked Sendable {  // used by one task at a time
    let fd: Int32

    init(port: Int, source: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawError("socket: \(errno)") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw RawError("bind \(source): \(errno)") }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw RawError("connect: \(errno)") }
    }

    deinit { close(fd) }

    /// False when the server has closed the connection (EPIPE, ECONNRESET).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Whether the server closed the connection within `timeout` seconds (reading and dropping what it sent).
    func closedByServer(within timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return true }
        }
        return false
    }

    /// Everything the server sends until it closes or `timeout` passes.
    func readAll(timeout: Double) -> [UInt8] {
        var all: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            all += buffer.prefix(count)
        }
        return all
    }

    /// One HTTP/1.1 call with `Connection: close`; the status line's code and the whole answer as text. Off the
    /// cooperative pool, like every blocking socket call here: with two cores it has two threads, and a test
    /// blocked in `poll` on one of them would starve the very server it waits for.
    static func call(port: Int, source: String, _ method: String, _ path: String, headers: [String: String] = [:],
                     body: [UInt8] = []) async throws -> (status: Int, text: String) {
        try await blocking { try callNow(port: port, source: source, method, path, headers: headers, body: body) }
    }

    static func callNow(port: Int, source: String, _ method: String, _ path: String, headers: [String: String],
                        body: [UInt8]) throws -> (status: Int, text: String) {
        let connection = try RawConnection(port: port, source: source)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        connection.send(Array(head.utf8) + body)
        let text = String(decoding: connection.readAll(timeout: 30), as: UTF8.self)
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, text)
    }
}

/// Runs `body` on a Dispatch thread (not the Swift concurrency pool) and awaits it.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

struct RawError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
