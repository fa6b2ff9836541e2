public import Hummingbird
import Foundation

/// An error answer as RFC 9457 problem details (`application/problem+json`), with a stable `code` that
/// clients switch on; `detail` is for people and may change.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let detail: String
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ code: String, _ detail: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.detail = detail
        self.retryAfter = retryAfter
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: [String: Any] = [
            "type": "https://greenlane.invalid/problems/\(code)", "title": status.reasonPhrase, "status": status.code,
            "code": code, "detail": detail, "instance": request.uri.path,
        ]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // The answers more than one route gives.
    static let unauthenticated = Problem(.unauthorized, "auth.required",
                                         "a valid API token is required (Authorization: Bearer …)")
    static func notFound(_ what: String) -> Problem { Problem(.notFound, "notFound", "no \(what)") }
    static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, "role.forbidden", detail) }
}
