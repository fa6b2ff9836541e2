import CZBar

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// zbar, opened with `dlopen` the first time an image is scanned rather than linked.
///
/// Linked, libzbar and the twenty libraries it needs (X11, D-Bus, video4linux, libjpeg, systemd, libgcrypt…)
/// are mapped and relocated by every `greenlane` process, which costs the checkpoint's `greenlane verify CODE`
/// several milliseconds of start-up for a feature it does not use (see BENCHMARKS.md, cold start). zbar.h
/// still supplies the types and constants; only the dozen functions below are looked up.
struct ZBarLibrary: @unchecked Sendable {  // immutable C function pointers
    /// The shared object name of Debian's runtime package (libzbar0, a dependency of libzbar-dev).
    static let soname = "libzbar.so.0"

    let imageScannerCreate: @convention(c) () -> OpaquePointer?
    let imageScannerDestroy: @convention(c) (OpaquePointer?) -> Void
    let imageScannerSetConfig: @convention(c) (OpaquePointer?, zbar_symbol_type_t, zbar_config_t, Int32) -> Int32
    let imageCreate: @convention(c) () -> OpaquePointer?
    let imageDestroy: @convention(c) (OpaquePointer?) -> Void
    let imageSetFormat: @convention(c) (OpaquePointer?, UInt) -> Void
    let imageSetSize: @convention(c) (OpaquePointer?, UInt32, UInt32) -> Void
    let imageSetData: @convention(c) (OpaquePointer?, UnsafeRawPointer?, UInt, OpaquePointer?) -> Void
    let scanImage: @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32
    let imageFirstSymbol: @convention(c) (OpaquePointer?) -> OpaquePointer?
    let symbolGetType: @convention(c) (OpaquePointer?) -> zbar_symbol_type_t
    let symbolGetData: @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    let symbolGetDataLength: @convention(c) (OpaquePointer?) -> UInt32
    let symbolNext: @convention(c) (OpaquePointer?) -> OpaquePointer?

    /// Opened once per process; the library stays loaded until exit.
    static let shared: Result<ZBarLibrary, QRError> = Result { () throws(QRError) in try ZBarLibrary() }

    private init() throws(QRError) {
        guard let handle = dlopen(Self.soname, RTLD_NOW | RTLD_LOCAL) else {
            let detail = dlerror().map { String(cString: $0) } ?? Self.soname
            throw QRError(.scanFailed, "cannot read QR images: \(detail) (install the Debian package libzbar0)")
        }
        func symbol<F>(_ name: String) throws(QRError) -> F {
            guard let address = dlsym(handle, name) else {
                throw QRError(.scanFailed, "cannot read QR images: \(Self.soname) has no function \(name)")
            }
            return unsafeBitCast(address, to: F.self)
        }
        imageScannerCreate = try symbol("zbar_image_scanner_create")
        imageScannerDestroy = try symbol("zbar_image_scanner_destroy")
        imageScannerSetConfig = try symbol("zbar_image_scanner_set_config")
        imageCreate = try symbol("zbar_image_create")
        imageDestroy = try symbol("zbar_image_destroy")
        imageSetFormat = try symbol("zbar_image_set_format")
        imageSetSize = try symbol("zbar_image_set_size")
        imageSetData = try symbol("zbar_image_set_data")
        scanImage = try symbol("zbar_scan_image")
        imageFirstSymbol = try symbol("zbar_image_first_symbol")
        symbolGetType = try symbol("zbar_symbol_get_type")
        symbolGetData = try symbol("zbar_symbol_get_data")
        symbolGetDataLength = try symbol("zbar_symbol_get_data_length")
        symbolNext = try symbol("zbar_symbol_next")
    }
}
