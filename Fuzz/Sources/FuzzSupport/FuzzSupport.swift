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

/// Reads a whole file, or stops the fuzzer: a target without its fixtures would fuzz nothing useful.
public func readFixture(_ relative: String) -> [UInt8] {
    let path = repositoryRoot + "/" + relative
    guard let file = fopen(path, "rb") else {
        printError("fuzz: cannot open \(path) (set GREENLANE_ROOT)")
        exit(2)
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        bytes.append(contentsOf: chunk[0..<count])
        if count < chunk.count { return bytes }
    }
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
