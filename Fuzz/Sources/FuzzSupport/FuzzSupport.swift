#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the repository is: $GREENLANE_ROOT, else two folders up from this package (Fuzz/..).
public let repositoryRoot: String = {
    if let root = getenv("GREENLANE_ROOT") { return String(cString: root) }
    var path = #filePath  // .../Fuzz/Sources/FuzzSupport/FuzzSupport.swift
    for _ in 0..<4 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
    return path
}()

/// The path of a file of the repository (`Keys/demo-trust.json`).
public func fixture(_ relative: String) -> String {
    repositoryRoot + "/" + relative
}

/// Stops the run as a crash libFuzzer records (abort → deadly signal → crash-* file), with a message.
public func invariantFailed(_ message: String) -> Never {
    printError("fuzz invariant failed: \(message)")
    abort()
}

/// One line on standard error through write(2): stdio's `stderr` global is not concurrency-safe in Swift 6.
public func printError(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let count = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        guard count > 0 else { return }
        offset += count
    }
}
