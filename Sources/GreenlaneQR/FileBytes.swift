#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads whole files with the C library: Foundation is not needed for this.
enum FileBytes {
    static func read(_ path: String, maxBytes: Int) throws(QRError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw QRError(.unreadableFile, "cannot open: \(errorText(errno))").at(path: path)
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 {
                guard bytes.count + count <= maxBytes else {
                    throw QRError(.unreadableFile, "the file is larger than \(maxBytes) bytes").at(path: path)
                }
                bytes.append(contentsOf: chunk[0..<count])
            }
            if count < chunk.count {
                if ferror(file) != 0 {
                    throw QRError(.unreadableFile, "cannot read: \(errorText(errno))").at(path: path)
                }
                return bytes
            }
        }
    }

    private static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
