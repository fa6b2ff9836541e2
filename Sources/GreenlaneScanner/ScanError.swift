public import GreenlaneSupport

/// The error of GreenlaneScanner: `code` is what callers branch on; `reason` is for people and names the file.
public enum ScanDomain: ErrorDomain {}
public typealias ScanError = CodedError<ScanDomain>

extension ScanError.Code where Domain == ScanDomain {
    /// Neither a PNG nor a JPEG (no signature of either).
    public static var unsupportedImage: Self { .init("unsupportedImage", kind: .malformed) }
    /// A PNG or JPEG signature followed by data the decoder rejects (truncated, bad CRC, bad Huffman data).
    public static var corruptImage: Self { .init("corruptImage", kind: .malformed) }
    /// More pixels than the reader accepts, refused before allocating them.
    public static var imageTooLarge: Self { .init("imageTooLarge", kind: .malformed) }
    /// A file that cannot be opened or read.
    public static var unreadableFile: Self { .init("unreadableFile", kind: .setup) }
    /// The image was read and searched; it holds no readable QR code.
    public static var noCodeFound: Self { .init("noCodeFound", kind: .malformed) }
    /// The reader itself failed: libgreenlane-scanner.so or a library it needs is missing, or out of memory.
    public static var scanFailed: Self { .init("scanFailed", kind: .runtime) }
}

extension ScanError {
    /// The same error, now naming the file it came from.
    func at(path: String) -> ScanError { prefixed(path + ": ") }
}
