#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file, refusing anything over `limit` bytes before reading it all.
/// Returns the bytes, or the system's reason the file could not be read.
package func readFile(_ path: String, limit: Int) -> Result<[UInt8], FileReadError> {
    guard let file = fopen(path, "rb") else { return .failure(FileReadError(String(cString: strerror(errno)))) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        bytes.append(contentsOf: chunk[0..<count])
        if bytes.count > limit { return .failure(FileReadError("larger than \(limit) bytes")) }
        if count < chunk.count {
            return ferror(file) != 0 ? .failure(FileReadError("read error")) : .success(bytes)
        }
    }
}

package struct FileReadError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
