import Foundation
import GreenlaneSupport

/// One vehicle as the API takes it (docs/SERVICE.md): the firm is never a member, it is the caller's.
public struct RemoteVehicle: Codable, Sendable, Equatable {
    public var plate: String
    public var vehicleClass: String
    public var driverName: String
    public var driverID: String
    public var testAt: String
    public var purpose: String
    public var zones: String
    public var validFrom: String?
    public var validUntil: String?

    public init(plate: String, vehicleClass: String, driverName: String, driverID: String, testAt: String,
                purpose: String, zones: String, validFrom: String? = nil, validUntil: String? = nil) {
        self.plate = plate
        self.vehicleClass = vehicleClass
        self.driverName = driverName
        self.driverID = driverID
        self.testAt = testAt
        self.purpose = purpose
        self.zones = zones
        self.validFrom = validFrom
        self.validUntil = validUntil
    }
}

/// A request and its rows as the server answers them.
public struct RemoteRequest: Codable, Sendable {
    public struct Reason: Codable, Sendable, Equatable {
        public var code: String
        public var detail: String
    }
    public struct Row: Codable, Sendable {
        public var index: Int
        public var status: String
        public var plate: String?
        public var reasons: [Reason]
        public var serial: String?
    }
    public var id: String
    public var status: String
    public var createdAt: String?
    public var decidedAt: String?
    public var rows: [Row]
}

/// The codes of a request's issued rows.
public struct RemoteCodes: Sendable {
    public struct Code: Sendable {
        public var index: Int?
        public var serial: String
        public var code: String
    }
    public var id: String
    public var status: String
    public var codes: [Code]
}

/// One of the caller's permits (`GET /v1/permits`): serial, plate, until when, and its state.
public struct RemotePermit: Sendable {
    public var serial: String
    public var plate: String?
    public var validUntil: String?
    public var state: String?
    /// The server's object, as it came, for `--json`.
    public var json: [UInt8]
}

/// The calls of the API (docs/SERVICE.md), each returning what it decoded and the answer's bytes for `--json`.
extension RemoteClient {
    public func submit(_ vehicles: [RemoteVehicle], idempotencyKey: String?) async throws
        -> (request: RemoteRequest, json: [UInt8])
    {
        struct Body: Encodable { var vehicles: [RemoteVehicle] }
        let answer = try await post("/v1/requests", json: try Self.encode(Body(vehicles: vehicles)),
                                    idempotencyKey: idempotencyKey)
        return (try Self.decode(RemoteRequest.self, answer.body, "POST /v1/requests"), answer.body)
    }

    public func request(_ id: String) async throws -> (request: RemoteRequest, json: [UInt8]) {
        let path = "/v1/requests/\(try Self.segment(id, "request id"))"
        let answer = try await get(path)
        return (try Self.decode(RemoteRequest.self, answer.body, "GET \(path)"), answer.body)
    }

    public func codes(_ id: String) async throws -> RemoteCodes {
        let path = "/v1/requests/\(try Self.segment(id, "request id"))/codes"
        let answer = try await get(path)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any],
            let items = object["codes"] as? [[String: Any]]
        else { throw RemoteError(.protocolViolation, "GET \(path): the answer has no 'codes' list") }
        var codes: [RemoteCodes.Code] = []
        for item in items {
            guard let serial = item["serial"] as? String, let code = item["code"] as? String else {
                throw RemoteError(.protocolViolation, "GET \(path): a code without 'serial' or 'code'")
            }
            let index = (item["index"] as? Int) ?? (item["index"] as? String).flatMap { Int($0) }
            codes.append(.init(index: index, serial: serial, code: code))
        }
        return RemoteCodes(id: object["id"] as? String ?? id, status: object["status"] as? String ?? "",
                           codes: codes)
    }

    /// A decision on one request: `approve`, `endorse`, or `refuse` with a reason code.
    public func decide(_ decision: String, request id: String, reason: String?, note: String?) async throws
        -> (request: RemoteRequest, json: [UInt8])
    {
        var body: [String: String] = [:]
        if let reason { body["reason"] = reason }
        if let note { body["note"] = note }
        let path = "/v1/requests/\(try Self.segment(id, "request id"))/\(decision)"
        let answer = try await post(path, json: try Self.encode(body))
        return (try Self.decode(RemoteRequest.self, answer.body, "POST \(path)"), answer.body)
    }

    /// One decision on a whole list of requests in one action (`POST /v1/decisions`).
    public func decide(_ decision: String, requests ids: [String], reason: String?) async throws -> [UInt8] {
        struct Body: Encodable {
            var decision: String
            var requests: [String]
            var reason: String?
        }
        return try await post("/v1/decisions", json: try Self.encode(Body(decision: decision, requests: ids,
                                                                          reason: reason))).body
    }

    /// One page of the caller's permits, and the cursor of the next page (nil at the end).
    public func permits(after: String?, limit: Int, expiringBefore: String?) async throws
        -> (permits: [RemotePermit], next: String?)
    {
        var query = ["limit=\(limit)"]
        if let after { query.append("after=" + Self.queryValue(after)) }
        if let expiringBefore { query.append("expiringBefore=" + Self.queryValue(expiringBefore)) }
        let path = "/v1/permits?" + query.joined(separator: "&")
        let answer = try await get(path)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any],
            let items = object["permits"] as? [[String: Any]]
        else { throw RemoteError(.protocolViolation, "GET /v1/permits: the answer has no 'permits' list") }
        var permits: [RemotePermit] = []
        for item in items {
            guard let serial = item["serial"] as? String else {
                throw RemoteError(.protocolViolation, "GET /v1/permits: a permit without 'serial'")
            }
            let json = (try? JSONSerialization.data(withJSONObject: item, options: [.sortedKeys])).map(Array.init)
            permits.append(RemotePermit(serial: serial, plate: item["plate"] as? String,
                                        validUntil: item["validUntil"] as? String, state: item["state"] as? String,
                                        json: json ?? []))
        }
        let next = (object["next"] as? String) ?? (object["after"] as? String)
        return (permits, items.count < limit ? nil : (next ?? permits.last?.serial))
    }

    /// Asks for a permit's revocation (a dispatcher for its own firm's: lost, stolen, off-duty).
    public func revoke(serial: String, reason: String, note: String?) async throws -> [UInt8] {
        var body = ["reason": reason]
        if let note { body["note"] = note }
        return try await post("/v1/permits/\(try Self.segment(serial, "serial"))/revoke",
                              json: try Self.encode(body)).body
    }

    /// Exchanges a one-time enrolment code for the firm's first dispatcher token (`POST /v1/enrol`, no token).
    public func enrol(code: String, label: String) async throws -> (token: String, credential: String, firm: String) {
        let answer = try await post("/v1/enrol", json: try Self.encode(["code": code, "label": label]))
        guard let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any],
            let token = object["token"] as? String
        else { throw RemoteError(.protocolViolation, "POST /v1/enrol: the answer has no 'token'") }
        return (token, object["credential"] as? String ?? "", object["firm"] as? String ?? "")
    }

    // MARK: - Encoding

    static func encode(_ value: some Encodable) throws(RemoteError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return Array(try encoder.encode(value)) } catch {
            throw RemoteError(.protocolViolation, "cannot encode the request body", underlying: error)
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ what: String) throws(RemoteError) -> T {
        do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch {
            throw RemoteError(.protocolViolation, "\(what): the answer is not what the API promises "
                + "(\(DecodingErrorText.describe(error)))", underlying: error)
        }
    }

    /// An id or serial as one path segment: letters, digits and `-_.` only, so it cannot reach another route.
    static func segment(_ text: String, _ what: String) throws(RemoteError) -> String {
        guard (1...64).contains(text.utf8.count),
            text.unicodeScalars.allSatisfy({ ("a"..."z").contains($0)
                || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) }),
            text != ".", text != ".."
        else {
            throw RemoteError(.usage, "\(what) '\(SafeText.escaped(String(text.prefix(64))))' is not one: "
                + "letters, digits, '-', '_' and '.' only")
        }
        return text
    }

    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-_.~"))) ?? ""
    }
}
