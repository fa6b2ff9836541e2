#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libgreenlane-scanner.so (Sources/CQRScanner), opened with `dlopen` the first time an image is read.
///
/// Linked, the scanner's libraries (zxing-cpp, libjpeg, libpng, libexif, libstdc++) would be mapped and
/// relocated by every `greenlane` process, which costs `greenlane verify CODE` start-up time for a feature it
/// does not use (BENCHMARKS.md, cold start). The library is looked for next to the running executable, then
/// in `../lib/greenlane/` beside it; nothing is taken from the environment.
struct ScannerLibrary: @unchecked Sendable {  // immutable C function pointers
    static let fileName = "libgreenlane-scanner.so"

    typealias Read = @convention(c) (
        UnsafePointer<UInt8>?, Int, Int32, Int64, Int64, UnsafeMutablePointer<UInt8>?, Int,
        UnsafeMutablePointer<CChar>?, Int
    ) -> Int32
    typealias Decode = @convention(c) (
        UnsafePointer<UInt8>?, Int, Int32, Int64, Int64, UnsafeMutablePointer<Int32>?,
        UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
        UnsafeMutablePointer<CChar>?, Int
    ) -> Int32
    typealias Free = @convention(c) (UnsafeMutablePointer<UInt8>?) -> Void

    /// The `GL_SCAN_` results of qr_scanner.h.
    enum Status: Int32 {
        case unsupported = -1, corrupt = -2, tooLarge = -3, noCode = -4, failed = -5
    }

    let read: Read
    let decode: Decode
    let free: Free

    /// Opened once per process; the library stays loaded until exit.
    static let shared: Result<ScannerLibrary, ScanError> = Result { () throws(ScanError) in try ScannerLibrary() }

    private init() throws(ScanError) {
        var tried: [String] = []
        var handle: UnsafeMutableRawPointer?
        for path in Self.candidates() {
            handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)
            if handle != nil { break }
            tried.append(dlerror().map { String(cString: $0) } ?? path)
        }
        guard let handle else {
            throw ScanError(
                .scanFailed,
                "cannot read QR images: \(tried.joined(separator: "; ")) (install \(Self.fileName) next to the "
                    + "binary, and the Debian packages libzxing2, libjpeg62-turbo, libpng16-16 and libexif12)")
        }
        func symbol<F>(_ name: String) throws(ScanError) -> F {
            guard let address = dlsym(handle, name) else {
                throw ScanError(.scanFailed, "cannot read QR images: \(Self.fileName) has no function \(name)")
            }
            return unsafeBitCast(address, to: F.self)
        }
        read = try symbol("gl_scan_read")
        decode = try symbol("gl_scan_decode")
        free = try symbol("gl_scan_free")
    }

    /// Where the library may be: the running executable's folder, then `../lib/greenlane/` from it.
    static func candidates() -> [String] {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return [fileName] }
        let executable = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = executable.lastIndex(of: "/") else { return [fileName] }
        let folder = String(executable[...slash])
        return [folder + fileName, folder + "../lib/greenlane/" + fileName]
    }
}
