/// Where the issuing service is: `https://host[:port]` (a path prefix allowed, for a service behind nginx under
/// `/greenlane/`). Plain `http` is accepted only for a loopback host and only when the caller asks for it: a
/// token sent in clear over a network is a token given away.
public struct ServerAddress: Sendable, Equatable, CustomStringConvertible {
    public let isTLS: Bool
    public let host: String
    public let port: Int
    /// The path prefix, without a trailing slash ("" or "/greenlane").
    public let basePath: String

    public var description: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return (isTLS ? "https" : "http") + "://" + bracketed + ":\(port)" + basePath
    }

    /// The full URL of an API path such as `/v1/requests`.
    public func url(_ path: String) -> String { description + path }

    /// Parses `text`, refusing what is not a plain server URL (no user, query or fragment) and `http` to
    /// anything but loopback, or without `allowPlainHTTP`.
    public init(parsing text: String, allowPlainHTTP: Bool, source: String) throws(RemoteError) {
        func refuse(_ why: String) -> RemoteError {
            RemoteError(.configuration, "server URL '\(text)' (\(source)) \(why)")
        }
        let rest: Substring
        if text.lowercased().hasPrefix("https://") {
            isTLS = true
            rest = text.dropFirst(8)
        } else if text.lowercased().hasPrefix("http://") {
            isTLS = false
            rest = text.dropFirst(7)
        } else {
            throw refuse("must start with https://")
        }
        guard !rest.contains(where: { $0 == "@" || $0 == "?" || $0 == "#" || $0 == "\\" || $0.isWhitespace }) else {
            throw refuse("may hold only a host, a port and a path (no user, query, fragment or spaces)")
        }
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        var hostPart = Substring(authority)
        var portPart: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw refuse("has an unclosed [") }
            let after = hostPart[hostPart.index(after: close)...]
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw refuse("has text after its IPv6 address") }
                portPart = after.dropFirst()
            }
        } else if let colon = hostPart.firstIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw refuse("has no host") }
        host = hostPart.lowercased()
        if let portPart {
            guard let port = Int(portPart), (1...65_535).contains(port) else { throw refuse("has a bad port") }
            self.port = port
        } else {
            port = isTLS ? 443 : 80
        }
        basePath = path
        if !isTLS {
            guard Self.isLoopback(host) else {
                throw refuse("is plain http to \(host), which is not this machine: the token would cross the "
                    + "network in clear; use https (TLS is always verified)")
            }
            guard allowPlainHTTP else {
                throw refuse("is plain http; to talk to a server on this machine without TLS, say so with "
                    + "--allow-plain-http (loopback only)")
            }
        }
    }

    /// 127.0.0.0/8, ::1 and localhost: the only hosts plain http may reach.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }
}
