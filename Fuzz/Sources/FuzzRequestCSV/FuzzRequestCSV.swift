import FuzzSupport
import GreenlaneRequestCSV
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Target (d): arbitrary bytes as a fleet request CSV. RequestCSV.read takes a path, so each input is
// written to one file on tmpfs (/dev/shm when it exists, else $TMPDIR), rewritten in place every run.
// Invariants: it returns or throws EngineError (never traps), every request and refusal names a row
// ("NAME row N") with N ≥ 2, row numbers never decrease, and there are no more rows than input lines
// allow (a row needs at least one byte and a line ending, except the last).

let path: String = {
    var folder = "/dev/shm"
    var info = stat()
    if stat(folder, &info) != 0 { folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp" }
    return "\(folder)/greenlane-fuzz-\(getpid()).csv"
}()

func rowNumber(_ source: String) -> Int? {
    guard let range = source.range(of: " row ", options: .backwards) else { return nil }
    return Int(source[range.upperBound...])
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { invariantFailed("cannot write \(path)") }
    var written = 0
    while written < size {
        let count = write(fd, data + written, size - written)
        guard count > 0 else { invariantFailed("cannot write \(path)") }
        written += count
    }
    close(fd)
    guard let rows = try? RequestCSV.read(path: path) else { return 0 }
    let sources = rows.requests.map(\.source) + rows.malformed.map(\.source)
    for source in sources {
        guard let number = rowNumber(source), number >= 2 else { invariantFailed("bad row name '\(source)'") }
        if number - 1 > size { invariantFailed("row \(number) from \(size) bytes") }
    }
    for (a, b) in zip(rows.requests, rows.requests.dropFirst()) {
        if let x = rowNumber(a.source), let y = rowNumber(b.source), x >= y {
            invariantFailed("row numbers out of order: \(a.source), \(b.source)")
        }
    }
    return 0
}
