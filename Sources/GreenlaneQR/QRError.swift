/// The one error type of GreenlaneQR.
///
/// `code` is what callers branch on; `reason` is for people and names the file when there is one.
public struct QRError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A struct with static lets rather than an enum, so codes can be added without breaking `switch`es.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The text is too long for the largest symbol (version 40) at level M.
        public static let textTooLong = Code("textTooLong")
        /// Text that is empty or holds a NUL character (libqrencode takes C strings).
        public static let invalidText = Code("invalidText")
        /// libqrencode failed for another reason (out of memory).
        public static let encodingFailed = Code("encodingFailed")
        /// A size, module size or quiet zone outside what the function accepts.
        public static let invalidArgument = Code("invalidArgument")
        /// libpng could not write the image.
        public static let pngWriteFailed = Code("pngWriteFailed")
        /// The bytes do not start with the PNG signature.
        public static let notAPNG = Code("notAPNG")
        /// A PNG signature followed by data libpng rejects (truncated, bad CRC, bad zlib stream).
        public static let corruptPNG = Code("corruptPNG")
        /// An image larger than the reader accepts, refused before allocating pixels.
        public static let imageTooLarge = Code("imageTooLarge")
        /// A file that cannot be opened or read.
        public static let unreadableFile = Code("unreadableFile")
        /// zbar scanned the image and found no QR code.
        public static let noCodeFound = Code("noCodeFound")
        /// zbar could not scan the image at all.
        public static let scanFailed = Code("scanFailed")
    }

    public let code: Code
    public let reason: String
    /// The file the error is about, when there is one (also named in `reason`).
    public let path: String?
    public let file: String
    public let line: Int

    init(_ code: Code, _ reason: String, path: String? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.path = path
        self.file = file
        self.line = line
    }

    /// The same error, now naming the file it came from.
    func at(path: String) -> QRError {
        QRError(code, path + ": " + reason, path: path, file: file, line: line)
    }

    public var description: String { reason }

    /// Equal when the codes are equal: the reason text and source location are diagnostics, not identity.
    public static func == (lhs: QRError, rhs: QRError) -> Bool { lhs.code == rhs.code }
}
