import CPNG

/// An 8-bit grayscale image, row-major, one byte per pixel.
struct GrayImage {
    let width: Int
    let height: Int
    let pixels: [UInt8]
}

/// Loads any PNG (palette, gray, gray+alpha, RGB, RGBA, 1 to 16 bits, interlaced or not) as 8-bit gray.
enum PNGDecoder {
    /// Largest accepted side: a 10,000 x 10,000 screenshot or scan is already 100 MB of gray pixels.
    static let maxSide = 10_000
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func gray8(_ bytes: [UInt8]) throws(QRError) -> GrayImage {
        guard bytes.count >= signature.count, bytes.prefix(signature.count).elementsEqual(signature) else {
            throw QRError(.notAPNG, "the data (\(bytes.count) bytes) does not start with the PNG signature")
        }
        let reader = PNGReadStruct()
        guard let png = reader.png, let info = reader.info else {
            throw QRError(.corruptPNG, "libpng could not create a read structure (out of memory)")
        }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(QRError) -> GrayImage in
            var source = greenlane_png_source(data: buffer.baseAddress, size: buffer.count, offset: 0)
            return try withUnsafeMutablePointer(to: &source) { (sourcePointer) throws(QRError) -> GrayImage in
                try decode(png: png, info: info, source: sourcePointer, reader: reader)
            }
        }
    }

    private static func decode(
        png: png_structp, info: png_infop, source: UnsafeMutablePointer<greenlane_png_source>,
        reader: PNGReadStruct
    ) throws(QRError) -> GrayImage {
        guard greenlane_png_read_header(png, info, source) == 1 else {
            throw QRError(.corruptPNG, "libpng rejected the PNG header: \(reader.message)")
        }
        let width = Int(png_get_image_width(png, info))
        let height = Int(png_get_image_height(png, info))
        guard (1...maxSide).contains(width), (1...maxSide).contains(height) else {
            throw QRError(
                .imageTooLarge, "the image is \(width) x \(height) pixels; at most \(maxSide) x \(maxSide) is read")
        }
        guard greenlane_png_setup_gray8(png, info) == 1 else {
            throw QRError(.corruptPNG, "libpng cannot convert the image to gray: \(reader.message)")
        }
        let channels = Int(png_get_channels(png, info))
        let rowBytes = Int(png_get_rowbytes(png, info))
        // After the transforms each pixel is gray, or gray + alpha: one byte each.
        guard channels == 1 || channels == 2, rowBytes == width * channels else {
            throw QRError(
                .corruptPNG, "libpng gave \(channels) channels, \(rowBytes) bytes a row; expected 8-bit gray")
        }
        var raw = [UInt8](repeating: 0, count: rowBytes * height)
        let ok = raw.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return 0 }
            var rows: [UnsafeMutablePointer<UInt8>?] = (0..<height).map { base + $0 * rowBytes }
            return rows.withUnsafeMutableBufferPointer { greenlane_png_read_rows(png, info, $0.baseAddress) }
        }
        guard ok == 1 else {
            throw QRError(.corruptPNG, "libpng could not read the image data: \(reader.message)")
        }
        guard channels == 2 else { return GrayImage(width: width, height: height, pixels: raw) }
        // Composite over white, as a viewer shows a transparent image on a page.
        var pixels = [UInt8](repeating: 255, count: width * height)
        for index in 0..<pixels.count {
            let gray = Int(raw[2 * index]), alpha = Int(raw[2 * index + 1])
            pixels[index] = UInt8((gray * alpha + 255 * (255 - alpha) + 127) / 255)
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }
}

/// Owns a libpng read structure, its info structure and the buffer libpng's error handler writes to.
private final class PNGReadStruct {
    let error = UnsafeMutablePointer<greenlane_png_error>.allocate(capacity: 1)
    private(set) var png: png_structp?
    private(set) var info: png_infop?

    init() {
        error.initialize(to: greenlane_png_error())
        png = greenlane_png_create_read(error)
        if let png { info = png_create_info_struct(png) }
    }

    var message: String { pngMessage(error) }

    deinit {
        if png != nil {
            var infoPointer = info
            png_destroy_read_struct(&png, &infoPointer, nil)
        }
        error.deinitialize(count: 1)
        error.deallocate()
    }
}
