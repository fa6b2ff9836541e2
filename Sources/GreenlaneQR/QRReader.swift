import CZBar
public import GreenlaneSupport

/// Finds and decodes QR codes in images.
public enum QRReader {
    /// Files larger than this are refused before reading: a 10,000 x 10,000 RGBA PNG compresses well below.
    static let maxFileBytes = 256 * 1024 * 1024

    /// Reads every QR code in a PNG file (a screenshot, a scan or a photo): libpng loads any colour type /
    /// bit depth into 8-bit gray (transparent pixels composited over white), zbar scans it.
    /// Returns the decoded texts in the order zbar gives them; none found -> `.noCodeFound`; not a PNG ->
    /// `.notAPNG`; unreadable -> `.unreadableFile`; larger than 10,000 x 10,000 pixels -> `.imageTooLarge`.
    public static func read(pngAt path: String) throws(QRError) -> [String] {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.read(path, what: "image", limit: maxFileBytes)
        } catch {
            throw QRError(.unreadableFile, error.reason, underlying: error)
        }
        do {
            return try read(png: bytes)
        } catch {
            throw error.at(path: path)
        }
    }

    /// Reads every QR code in a PNG held in memory. See `read(pngAt:)`.
    public static func read(png bytes: [UInt8]) throws(QRError) -> [String] {
        let image = try PNGDecoder.gray8(bytes)
        return try scan(image)
    }

    /// Scans an 8-bit gray image with zbar, QR codes only.
    static func scan(_ image: GrayImage) throws(QRError) -> [String] {
        guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height else {
            throw QRError(.invalidArgument, "a \(image.width) x \(image.height) image needs that many pixels")
        }
        let zbar = try ZBarLibrary.shared.get()
        let scanner = ZBarScanner(zbar)
        guard let imageScanner = scanner.scanner, let zbarImage = scanner.image else {
            throw QRError(.scanFailed, "zbar could not create a scanner (out of memory)")
        }
        // Only QR: other symbologies would add false positives from text and edges in photos.
        _ = zbar.imageScannerSetConfig(imageScanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        _ = zbar.imageScannerSetConfig(imageScanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        zbar.imageSetFormat(zbarImage, ZBarScanner.y800)
        zbar.imageSetSize(zbarImage, UInt32(image.width), UInt32(image.height))
        return try image.pixels.withUnsafeBufferPointer { (pixels) throws(QRError) -> [String] in
            // No cleanup handler: the pixels belong to Swift and outlive the scan.
            zbar.imageSetData(zbarImage, pixels.baseAddress, UInt(pixels.count), nil)
            defer { zbar.imageSetData(zbarImage, nil, 0, nil) }
            let found = zbar.scanImage(imageScanner, zbarImage)
            guard found >= 0 else {
                throw QRError(.scanFailed, "zbar failed to scan a \(image.width) x \(image.height) image")
            }
            var texts: [String] = []
            var symbol = zbar.imageFirstSymbol(zbarImage)
            while let current = symbol {
                if zbar.symbolGetType(current) == ZBAR_QRCODE, let data = zbar.symbolGetData(current) {
                    let length = Int(zbar.symbolGetDataLength(current))
                    let bytes = UnsafeRawBufferPointer(start: data, count: length)
                    texts.append(String(decoding: bytes, as: UTF8.self))
                }
                symbol = zbar.symbolNext(current)
            }
            guard !texts.isEmpty else {
                throw QRError(.noCodeFound, "no QR code found in the \(image.width) x \(image.height) image")
            }
            return texts
        }
    }
}

/// Owns a zbar image scanner and image.
private final class ZBarScanner {
    /// zbar_fourcc('Y', '8', '0', '0'): 8-bit luminance, one byte per pixel. The C macro is not imported.
    static let y800: UInt = 0x3030_3859

    let zbar: ZBarLibrary
    let scanner: OpaquePointer?
    let image: OpaquePointer?

    init(_ zbar: ZBarLibrary) {
        self.zbar = zbar
        scanner = zbar.imageScannerCreate()
        image = zbar.imageCreate()
    }

    deinit {
        if let image { zbar.imageDestroy(image) }
        if let scanner { zbar.imageScannerDestroy(scanner) }
    }
}
