public import GreenlaneSupport

/// The error of GreenlaneQR: `code` is what callers branch on; `reason` is for people and names the file.
public enum QRDomain: ErrorDomain {}
public typealias QRError = CodedError<QRDomain>

extension QRError.Code where Domain == QRDomain {
    /// The text is too long for the largest symbol (version 40) at level M.
    public static var textTooLong: Self { .init("textTooLong", kind: .rejected) }
    /// Text that is empty or holds a NUL character (libqrencode takes C strings).
    public static var invalidText: Self { .init("invalidText", kind: .rejected) }
    /// libqrencode failed for another reason (out of memory).
    public static var encodingFailed: Self { .init("encodingFailed", kind: .runtime) }
    /// A size, module size or quiet zone outside what the function accepts.
    public static var invalidArgument: Self { .init("invalidArgument", kind: .usage) }
    /// libpng could not write the image.
    public static var pngWriteFailed: Self { .init("pngWriteFailed", kind: .runtime) }
    /// The bytes do not start with the PNG signature.
    public static var notAPNG: Self { .init("notAPNG", kind: .malformed) }
    /// A PNG signature followed by data libpng rejects (truncated, bad CRC, bad zlib stream).
    public static var corruptPNG: Self { .init("corruptPNG", kind: .malformed) }
    /// An image larger than the reader accepts, refused before allocating pixels.
    public static var imageTooLarge: Self { .init("imageTooLarge", kind: .malformed) }
    /// A file that cannot be opened or read.
    public static var unreadableFile: Self { .init("unreadableFile", kind: .setup) }
    /// zbar scanned the image and found no QR code.
    public static var noCodeFound: Self { .init("noCodeFound", kind: .malformed) }
    /// zbar could not scan the image at all.
    public static var scanFailed: Self { .init("scanFailed", kind: .runtime) }
}

extension QRError {
    /// The same error, now naming the file it came from.
    func at(path: String) -> QRError { prefixed(path + ": ") }
}
