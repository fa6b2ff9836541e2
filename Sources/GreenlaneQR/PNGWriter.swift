import CPNG

extension QRCode {
    /// 8-bit grayscale PNG through libpng (write to memory with png_set_write_fn), black on white,
    /// `moduleSize` pixels per module, quiet zone of `quietZone` modules (at least 4 by the QR spec).
    ///
    /// `moduleSize` must be 1...64 and `quietZone` 4...64: a PNG is meant to be scanned on its own, and
    /// scanners (zbar among them) miss symbols whose quiet zone is thinner than the spec's 4 modules.
    public func png(moduleSize: Int = 8, quietZone: Int = 4) throws(QRError) -> [UInt8] {
        guard (1...64).contains(moduleSize) else {
            throw QRError(.invalidArgument, "module size \(moduleSize) must be 1 to 64 pixels")
        }
        guard (4...64).contains(quietZone) else {
            throw QRError(.invalidArgument, "quiet zone \(quietZone) must be 4 to 64 modules (ISO/IEC 18004)")
        }
        let side = (size + 2 * quietZone) * moduleSize  // at most (177 + 128) * 64: no overflow
        var pixels = [UInt8](repeating: 255, count: side * side)
        for y in 0..<size {
            for x in 0..<size where isDark(x: x, y: y) {
                let left = (x + quietZone) * moduleSize
                let top = (y + quietZone) * moduleSize
                for row in top..<top + moduleSize {
                    let start = row * side + left
                    for index in start..<start + moduleSize { pixels[index] = 0 }
                }
            }
        }
        return try PNGEncoder.gray8(pixels: pixels, width: side, height: side)
    }
}

/// Writes 8-bit grayscale PNGs into memory.
enum PNGEncoder {
    static func gray8(pixels: [UInt8], width: Int, height: Int) throws(QRError) -> [UInt8] {
        guard width > 0, height > 0, width <= Int(UInt32.max), pixels.count == width * height else {
            throw QRError(.invalidArgument, "\(pixels.count) pixels do not make a \(width) x \(height) image")
        }
        let writer = PNGWriteStruct()
        guard let png = writer.png, let info = writer.info else {
            throw QRError(.pngWriteFailed, "libpng could not create a write structure (out of memory)")
        }
        let sink = PNGByteSink()
        let unmanagedSink = Unmanaged.passRetained(sink)
        defer { unmanagedSink.release() }
        png_set_write_fn(png, unmanagedSink.toOpaque(), pngAppend, pngFlush)
        var copy = pixels
        let ok = copy.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return 0 }
            var rows: [UnsafeMutablePointer<UInt8>?] = (0..<height).map { base + $0 * width }
            return rows.withUnsafeMutableBufferPointer { rowPointers in
                greenlane_png_write_gray8(png, info, UInt32(width), UInt32(height), rowPointers.baseAddress)
            }
        }
        guard ok == 1 else {
            throw QRError(.pngWriteFailed, "libpng could not write the image: \(writer.message)")
        }
        return sink.bytes
    }
}

/// Collects what libpng writes. A class so libpng can hold a pointer to it through the write callback.
private final class PNGByteSink {
    var bytes: [UInt8] = []
}

// Never calls png_error: a longjmp must not cross this Swift frame.
private func pngAppend(_ png: png_structp?, _ data: png_bytep?, _ count: Int) {
    guard let png, let data, count > 0, let context = png_get_io_ptr(png) else { return }
    let sink = Unmanaged<PNGByteSink>.fromOpaque(context).takeUnretainedValue()
    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: count))
}

// Without a flush function libpng would fflush() the io pointer as if it were a FILE *.
private func pngFlush(_ png: png_structp?) {}

/// Owns a libpng write structure, its info structure and the buffer libpng's error handler writes to.
private final class PNGWriteStruct {
    let error = UnsafeMutablePointer<greenlane_png_error>.allocate(capacity: 1)
    private(set) var png: png_structp?
    private(set) var info: png_infop?

    init() {
        error.initialize(to: greenlane_png_error())
        png = greenlane_png_create_write(error)
        if let png { info = png_create_info_struct(png) }
    }

    var message: String { pngMessage(error) }

    deinit {
        if png != nil {
            var infoPointer = info
            png_destroy_write_struct(&png, &infoPointer)
        }
        error.deinitialize(count: 1)
        error.deallocate()
    }
}

/// libpng's last error message, from the buffer the error handler in shim.h fills.
func pngMessage(_ error: UnsafeMutablePointer<greenlane_png_error>) -> String {
    withUnsafeBytes(of: &error.pointee.message) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return bytes.isEmpty ? "unknown libpng error" : String(decoding: bytes, as: UTF8.self)
    }
}
