import CQRencode

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A QR symbol: the module matrix libqrencode chose for a text.
public struct QRCode: Sendable {
    /// Symbol version, 1...40.
    public let version: Int
    /// Modules per side, without quiet zone (17 + 4 x version).
    public let size: Int
    /// The text the symbol carries.
    public let text: String
    /// Row-major, `size * size` entries, true for dark.
    private let modules: [Bool]

    /// The most bytes any text can take: 2,331 is version 40-M in byte mode; anything longer cannot fit,
    /// and refusing it early keeps libqrencode from working on megabytes.
    static let maxTextBytes = 2_331 * 2

    /// Encodes with libqrencode at error-correction level M, smallest version that fits (QRcode_encodeString,
    /// version 0, case-sensitive, hint QR_MODE_8 so libqrencode picks alphanumeric mode for our codes).
    public init(encoding text: String) throws(QRError) {
        let byteCount = text.utf8.count
        guard byteCount > 0 else { throw QRError(.invalidText, "cannot encode empty text in a QR code") }
        guard !text.utf8.contains(0) else {
            throw QRError(.invalidText, "text holds a NUL character, which a QR text code cannot carry here")
        }
        guard byteCount <= Self.maxTextBytes else {
            throw QRError(.textTooLong, "text of \(byteCount) bytes is too long for any QR symbol at level M")
        }
        errno = 0
        guard let symbol = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else {
            let reason = errno
            if reason == ERANGE || reason == EINVAL {
                throw QRError(
                    .textTooLong, "text of \(byteCount) bytes does not fit the largest QR symbol (version 40-M)")
            }
            throw QRError(.encodingFailed, "libqrencode failed to encode \(byteCount) bytes (errno \(reason))")
        }
        defer { QRcode_free(symbol) }
        let version = Int(symbol.pointee.version)
        let width = Int(symbol.pointee.width)
        // Trust nothing we did not ask for: the matrix is read through a raw pointer.
        guard (1...40).contains(version), width == 17 + 4 * version, let data = symbol.pointee.data else {
            throw QRError(.encodingFailed, "libqrencode returned an inconsistent symbol (version \(version))")
        }
        let buffer = UnsafeBufferPointer(start: data, count: width * width)
        // Bit 0 of each byte is the module's colour; the other bits say what the module is for.
        self.modules = buffer.map { $0 & 1 == 1 }
        self.version = version
        self.size = width
        self.text = text
    }

    /// Whether the module at column `x`, row `y` is dark; anything outside the symbol is quiet zone (light).
    public func isDark(x: Int, y: Int) -> Bool {
        guard (0..<size).contains(x), (0..<size).contains(y) else { return false }
        return modules[y * size + x]
    }
}
