/// What `greenlane registry init` records once, and every later command checks: the issuer every pass of
/// this registry names, the station it issues for, the serial prefix of that station, and the group that
/// may read the file (nil: only its owner).
public struct RegistrySettings: Sendable, Hashable {
    public var issuer: String
    public var station: String
    public var serialPrefix: String
    public var fileGroup: String?
    public var createdAt: Int64

    public init(issuer: String, station: String, serialPrefix: String, fileGroup: String? = nil, createdAt: Int64) {
        self.issuer = issuer
        self.station = station
        self.serialPrefix = serialPrefix
        self.fileGroup = fileGroup
        self.createdAt = createdAt
    }

    /// Why these settings cannot be recorded, or nil.
    public func problem() -> String? {
        if issuer.isEmpty || issuer.utf8.count > 64 || issuer.unicodeScalars.contains(where: { !$0.isASCII || $0.value < 0x21 }) {
            return "issuer '\(AuditText.escaped(issuer))' must be 1-64 printable ASCII characters"
        }
        if station.isEmpty || station.utf8.count > 24
            || !station.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || $0 == 0x2D })
        {
            return "station '\(AuditText.escaped(station))' must be 1-24 of A-Z, 0-9 and '-'"
        }
        if !Self.isSerialPrefix(serialPrefix) {
            return "serial prefix '\(AuditText.escaped(serialPrefix))' must be 1-6 of A-Z and 0-9 (no dash)"
        }
        return nil
    }

    /// A serial prefix: 1 to 6 of A-Z and 0-9, no dash, so `PREFIX-NNNNNN` splits one way only and two
    /// stations with different prefixes can never write the same serial.
    public static func isSerialPrefix(_ text: String) -> Bool {
        (1...6).contains(text.utf8.count) && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }
    }
}
