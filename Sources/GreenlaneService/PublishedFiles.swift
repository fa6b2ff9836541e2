import Hummingbird
import GreenlaneCrypto
import GreenlaneFormat
import GreenlaneSupport
import GreenlaneVerifier
import Synchronization
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The static read side: the trust file and the signed revocation list that the authority's export writes
/// into one folder, served under `/published/` to anyone, with a strong ETag (the SHA-256 of the bytes), 304
/// for `If-None-Match`, `Cache-Control` and `Last-Modified`. No token and no database: a request costs one
/// `stat`, and the bytes are read and hashed again only when the file changed (the export renames a new file
/// into place), so load on the write API cannot stop checkpoints from fetching them. The same folder can be
/// copied to nginx or a CDN (docs/SERVICE.md).
final class PublishedFiles: Sendable {
    /// The files and their media types; nothing else in the folder is served.
    static let files: [String: String] = [
        "trust.json": "application/json",
        "revocations.glr": "application/cose; cose-type=\"cose-sign1\"",
    ]

    struct Snapshot: Sendable {
        var stamp: [Int64]
        var bytes: [UInt8]
        var etag: String
        var lastModified: String
    }

    let directory: String?
    let maxAge: Int
    private let cache = Mutex<[String: Snapshot]>([:])

    init(directory: String?, maxAge: Int) {
        self.directory = directory
        self.maxAge = maxAge
    }

    /// The file as it is now, or nil when it is not published (no folder configured, or no such file).
    func snapshot(_ name: String) throws -> Snapshot? {
        guard let directory, Self.files[name] != nil else { return nil }
        let path = directory + "/" + name
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let stamp = [Int64(info.st_dev), Int64(info.st_ino), Int64(info.st_size), Int64(info.st_mtim.tv_sec),
                     Int64(info.st_mtim.tv_nsec)]
        if let cached = cache.withLock({ $0[name] }), cached.stamp == stamp { return cached }
        let bytes = try FileReader.read(path, what: "published \(name)", limit: VerifiedRevocationList.maxFileBytes)
        let snapshot = Snapshot(stamp: stamp, bytes: bytes, etag: "\"" + Hex.encode(SHA256.hash(bytes)) + "\"",
                                lastModified: Self.httpDate(Int64(info.st_mtim.tv_sec)))
        cache.withLock { $0[name] = snapshot }
        return snapshot
    }

    /// GET /published/{file}: the bytes, or 304 when `If-None-Match` names the current ETag.
    func serve(_ request: Request, context: ServiceContext) async throws -> Response {
        let name = context.parameters.get("file") ?? ""
        let found: Snapshot?
        do { found = try snapshot(name) } catch {
            throw Problem(.serviceUnavailable, "published.unreadable", "published \(name) cannot be read")
        }
        guard let file = found, let type = Self.files[name] else {
            throw Problem.notFound("published file \(SafeText.escaped(String(name.prefix(64))))")
        }
        var headers: HTTPFields = [
            .eTag: file.etag, .lastModified: file.lastModified,
            .cacheControl: "public, max-age=\(maxAge), must-revalidate",
        ]
        if let wanted = request.headers[.ifNoneMatch], Self.matches(wanted, file.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = type
        headers[.contentLength] = String(file.bytes.count)
        let body = request.method == .head ? ResponseBody() : .init(byteBuffer: ByteBuffer(bytes: file.bytes))
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Why the published list is not fit to serve now, or nil when it is: missing, not verifiable against the
    /// published trust file, or past its nextUpdate (overdue). Nil when nothing is published.
    func unreadiness(now: Int64) -> String? {
        guard directory != nil else { return nil }
        let trust: Snapshot?, listed: Snapshot?
        do { trust = try snapshot("trust.json") } catch { return "the published trust.json cannot be read" }
        do { listed = try snapshot("revocations.glr") } catch { return "the published revocations.glr cannot be read" }
        guard let trustFile = trust else { return "no trust.json is published" }
        guard let listFile = listed else { return "no revocation list (revocations.glr) is published" }
        let list: VerifiedRevocationList
        do {
            list = try VerifiedRevocationList(signed: listFile.bytes, trust: try TrustSet(trustFile: trustFile.bytes))
        } catch {
            return "the published revocation list does not verify against the published trust file: \(error.reason)"
        }
        guard now <= list.list.nextUpdate else {
            return "the published revocation list \(list.list.sequence) is overdue: it was due to be replaced at "
                + Timestamp.rfc3339(list.list.nextUpdate)
        }
        return nil
    }

    /// `If-None-Match`: `*` or a list of entity tags (weak comparison, RFC 9110 §13.1.2).
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { part in
            let tag = part.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }

    /// An IMF-fixdate (`Tue, 01 Dec 2026 14:30:50 GMT`).
    static func httpDate(_ time: Int64) -> String {
        var seconds = time_t(time)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(1900 + parts.tm_year) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
