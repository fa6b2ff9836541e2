public import GreenlaneSupport

/// Finds and decodes QR codes in PNG and JPEG images (screenshots, scans, phone photos).
///
/// The work is done in libgreenlane-scanner.so, opened on first use: libpng or libjpeg-turbo decode the file
/// to 8-bit gray (transparent pixels composited over white, the EXIF orientation applied), zxing-cpp 1.4
/// looks for QR codes, and retries on altered copies (inverted, enlarged, reduced, smoothed, sharpened) find
/// what a first pass misses. BENCHMARKS.md has the decode rates on the degraded-image corpus.
public enum QRReader {
    /// Files larger than this are refused before reading.
    public static let maxFileBytes = 64 * 1024 * 1024
    /// Widest or tallest image read, in pixels.
    public static let maxSide = 10_000
    /// Largest image read: a 48-megapixel phone photo fits. Peak memory is about 6 bytes a pixel.
    public static let maxPixels = 50_000_000
    /// What libjpeg may allocate for one image (progressive JPEGs buffer every coefficient).
    public static let maxDecoderMemory = 512 * 1024 * 1024

    /// Reads every QR code in a PNG or JPEG file. Returns the decoded texts; none found -> `.noCodeFound`;
    /// neither PNG nor JPEG -> `.unsupportedImage`; damaged -> `.corruptImage`; unreadable ->
    /// `.unreadableFile`; more than `maxSide` a side or `maxPixels` -> `.imageTooLarge`.
    public static func read(imageAt path: String) throws(ScanError) -> [String] {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.read(path, what: "image", limit: maxFileBytes)
        } catch {
            throw ScanError(.unreadableFile, error.reason, underlying: error)
        }
        do {
            return try read(image: bytes)
        } catch {
            throw error.at(path: path)
        }
    }

    /// Reads every QR code in a PNG or JPEG held in memory. See `read(imageAt:)`.
    public static func read(image bytes: [UInt8]) throws(ScanError) -> [String] {
        let library = try ScannerLibrary.shared.get()
        // Every text is at most the 2,953 bytes of a version 40 symbol; a few hundred symbols fit.
        var out = [UInt8](repeating: 0, count: 1 << 20)
        var message = [CChar](repeating: 0, count: 512)
        let outCount = out.count, messageCount = message.count
        let status = bytes.withUnsafeBufferPointer { file in
            out.withUnsafeMutableBufferPointer { out in
                message.withUnsafeMutableBufferPointer { message in
                    library.read(
                        file.baseAddress, file.count, Int32(maxSide), Int64(maxPixels), Int64(maxDecoderMemory), out.baseAddress, outCount, message.baseAddress,
                        messageCount)
                }
            }
        }
        guard status > 0 else { throw error(status, message) }
        var texts: [String] = []
        var offset = 0
        for _ in 0..<Int(status) {
            let length = out[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | Int($1) }
            guard offset + 4 + length <= out.count else { break }
            texts.append(String(decoding: out[offset + 4..<offset + 4 + length], as: UTF8.self))
            offset += 4 + length
        }
        return texts
    }

    /// The image as the reader sees it: 8-bit gray, row-major, the EXIF orientation applied.
    public static func grayPixels(image bytes: [UInt8]) throws(ScanError) -> (width: Int, height: Int, pixels: [UInt8]) {
        let library = try ScannerLibrary.shared.get()
        var width: Int32 = 0, height: Int32 = 0
        var pixels: UnsafeMutablePointer<UInt8>?
        var message = [CChar](repeating: 0, count: 512)
        let messageCount = message.count
        let status = bytes.withUnsafeBufferPointer { file in
            message.withUnsafeMutableBufferPointer { message in
                library.decode(
                    file.baseAddress, file.count, Int32(maxSide), Int64(maxPixels), Int64(maxDecoderMemory), &width, &height, &pixels, message.baseAddress, messageCount)
            }
        }
        guard status == 0, let pixels else { throw error(status, message) }
        defer { library.free(pixels) }
        let count = Int(width) * Int(height)
        return (Int(width), Int(height), Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    private static func error(_ status: Int32, _ message: [CChar]) -> ScanError {
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let code: ScanError.Code
        switch ScannerLibrary.Status(rawValue: status) {
        case .unsupported: code = .unsupportedImage
        case .corrupt: code = .corruptImage
        case .tooLarge: code = .imageTooLarge
        case .noCode: code = .noCodeFound
        case .failed, nil: code = .scanFailed
        }
        return ScanError(code, reason.isEmpty ? "the image reader failed (status \(status))" : reason)
    }
}
