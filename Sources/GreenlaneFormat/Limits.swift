/// Every size limit greenlane enforces, written once. The pass decoder, the signer's checks, the command line,
/// the registry's schema and the CDDL in docs/FORMAT.md all follow this table; `LimitsTableTests` fails when
/// the schema or the docs carry another number.
///
/// Ranges are in UTF-8 bytes unless said otherwise.
public enum Limits {
    // MARK: The pass (docs/FORMAT.md §1.2, §1.3)

    /// `iss`, the issuing authority ("VN-HN").
    public static let issuer = 1...32
    /// The serial, carried in `cti` ("HN-000123").
    public static let serial = 1...24
    /// The firm id ("VNPOST"), on passes and in the registry.
    public static let firmID = 1...16
    /// A station's serial prefix ("HN"): letters and digits, no dash, so `HN-000123` and `HNC-000123` never mix.
    public static let serialPrefix = 1...6
    /// The issuing station ("SGTVT").
    public static let station = 1...24
    /// The plate as carried: letters and digits only ("29C12345").
    public static let compactPlate = 7...12
    /// The plate as stored in the registry, with its separators ("29C-123.45").
    public static let storedPlate = 7...16
    /// The driver's full name, NFC.
    public static let driverName = 2...96
    /// A whole code, in characters: a version 40 QR symbol holds 4,296; a real pass is about 300.
    public static let codeCharacters = 2_048
    /// A COSE message after inflating: a zlib bomb stops here.
    public static let coseBytes = 4_096

    // MARK: The revocation list (docs/FORMAT.md §4)

    /// A revocation reason code ("lost", "firm-suspended").
    public static let revocationReason = 1...32
    /// Entries in one list.
    public static let revocationEntries = 1_000_000
    /// A list file, in bytes.
    public static let revocationListFileBytes = 64 << 20

    // MARK: The office's own inputs

    /// A fleet or firm CSV file, refused before it is read.
    public static let csvFileBytes: Int64 = 512 << 20
    /// One CSV row, as written between line ends (quoted line breaks included).
    public static let csvRecordBytes = 16 << 10
    /// One CSV field, as written between commas (quotes included); the longest real one has about 330 bytes.
    public static let csvFieldBytes = 4 << 10
    /// Data rows in one batch.
    public static let csvRows = 1_000_000
    /// A firm's legal name, a licence number, a suspension reason (characters).
    public static let firmText = 1...200
    /// A revocation note, kept in the registry only (characters).
    public static let revocationNote = 1...500
    /// Whom an operator acts for (`--actor`, characters).
    public static let onBehalfOf = 1...64
    /// A trust file, in bytes.
    public static let trustFileBytes = 1 << 20
    /// A policy file, in bytes.
    public static let policyFileBytes = 1 << 20
}
