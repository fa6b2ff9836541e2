/// What a pass says: the CWT claims (RFC 8392) and greenlane's permit claims.
///
/// See docs/FORMAT.md for the CDDL. Every key is a small integer so the whole pass fits a small QR
/// symbol; the serial travels as the CWT's `cti`, not a second time among the permit claims.
public struct PassClaims: Hashable, Sendable {
    /// Issuing authority (`iss`), e.g. `VN-HN` (ISO 3166-2 code for Hanoi).
    public var issuer: String
    /// `iat`, `nbf`, `exp`: unix seconds.
    public var issuedAt: Int64
    public var notBefore: Int64
    public var expiresAt: Int64
    public var permit: Permit

    public init(issuer: String, issuedAt: Int64, notBefore: Int64, expiresAt: Int64, permit: Permit) {
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.permit = permit
    }

    /// CWT claim keys (RFC 8392, section 4).
    public enum Key {
        public static let issuer = 1
        public static let expiresAt = 4
        public static let notBefore = 5
        public static let issuedAt = 6
        public static let cwtID = 7
        /// greenlane's permit claims: the first private-use claim key (< -65536, RFC 8392 section 9.1).
        public static let permit = -65537
    }

    /// Earliest and latest instants a pass may name (2020-01-01 and 2100-01-01 UTC): anything outside
    /// is a forged or broken code, not a real permit.
    public static let plausibleTimes: ClosedRange<Int64> = 1_577_836_800...4_102_444_800

    public var cbor: CBOR {
        .map([
            .init(Key.issuer): .text(issuer),
            .init(Key.expiresAt): .init(expiresAt),
            .init(Key.notBefore): .init(notBefore),
            .init(Key.issuedAt): .init(issuedAt),
            .init(Key.cwtID): .bytes(Array(permit.serial.utf8)),
            .init(Key.permit): permit.cbor,
        ])
    }

    public func encoded() -> [UInt8] { cbor.encoded() }

    /// Checks that the claims can be issued: the same rules the decoder applies.
    public func validate() throws(FormatError) {
        _ = try validatedEncoding()
    }

    /// The encoding, once the decoder has accepted exactly these bytes: what a signer signs.
    public func validatedEncoding() throws(FormatError) -> [UInt8] {
        let bytes = encoded()
        _ = try PassClaims(decoding: bytes)
        return bytes
    }

    /// Decodes and validates a CWT payload. Unknown claims are refused: a verifier that skipped a claim
    /// it does not understand could accept a pass meant to be restricted.
    public init(decoding payload: [UInt8]) throws(FormatError) {
        let item: CBOR
        do {
            item = try CBOR.decode(payload)
        } catch {
            throw FormatError(error.code, layer: .cbor, "CWT payload: \(error.reason)", offset: error.offset)
        }
        var reader = try ClaimReader(item, what: "CWT claims")
        issuer = try reader.text(Key.issuer, "iss (issuer)", maxBytes: Limits.issuer.upperBound)
        expiresAt = try reader.time(Key.expiresAt, "exp (expiry)")
        notBefore = try reader.time(Key.notBefore, "nbf (not before)")
        issuedAt = try reader.time(Key.issuedAt, "iat (issued at)")
        let cti = try reader.bytes(Key.cwtID, "cti (serial)", maxBytes: Limits.serial.upperBound)
        guard let serial = String(validating: cti, as: UTF8.self) else {
            throw FormatError(.invalidUTF8, layer: .claims, "cti (serial) is not UTF-8 text")
        }
        guard let permitItem = reader.take(Key.permit) else {
            throw FormatError(.missingField, layer: .claims, "permit claims (key \(Key.permit)) are missing")
        }
        try reader.finish()
        permit = try Permit(decoding: permitItem, serial: serial)
        guard notBefore < expiresAt else {
            throw FormatError(.invalidValue, layer: .claims, "nbf (\(notBefore)) is not before exp (\(expiresAt))")
        }
        guard issuedAt < expiresAt else {
            throw FormatError(.invalidValue, layer: .claims, "iat (\(issuedAt)) is not before exp (\(expiresAt))")
        }
    }
}

/// The permit claims: who may drive what, where, when and why.
public struct Permit: Hashable, Sendable {
    /// Human-readable serial, unique per issuer (`HN-000123`); carried as the CWT `cti`.
    public var serial: String
    /// The postal or telecom firm's registry id (`VNPOST`).
    public var firmID: String
    public var plate: Plate
    public var vehicleClass: VehicleClass
    /// Driver's full name in Unicode NFC, diacritics kept (`Nguyễn Văn An`).
    public var driverName: String
    public var driverID: CitizenID
    public var zones: Zones
    public var purpose: Purpose
    /// Hours of the day the pass is valid; nil means all day.
    public var window: DailyWindow?
    /// The issuing station (`SGTVT`, the Department of Transport).
    public var station: String

    public init(
        serial: String, firmID: String, plate: Plate, vehicleClass: VehicleClass, driverName: String,
        driverID: CitizenID, zones: Zones, purpose: Purpose, window: DailyWindow?, station: String
    ) {
        self.serial = serial
        self.firmID = firmID
        self.plate = plate
        self.vehicleClass = vehicleClass
        self.driverName = driverName
        self.driverID = driverID
        self.zones = zones
        self.purpose = purpose
        self.window = window
        self.station = station
    }

    /// Permit claim keys, inside the map under `PassClaims.Key.permit`.
    public enum Key {
        public static let firmID = 1
        public static let plate = 2
        public static let vehicleClass = 3
        public static let driverName = 4
        public static let driverID = 5
        public static let zones = 6
        public static let purpose = 7
        public static let window = 8
        public static let station = 9
    }

    public var cbor: CBOR {
        var map: [CBOR: CBOR] = [
            .init(Key.firmID): .text(firmID),
            .init(Key.plate): .text(plate.compact),
            .init(Key.vehicleClass): .init(vehicleClass.rawValue),
            .init(Key.driverName): .text(driverName),
            .init(Key.driverID): .unsigned(driverID.value),
            .init(Key.zones): .unsigned(UInt64(zones.mask)),
            .init(Key.purpose): .init(purpose.rawValue),
            .init(Key.station): .text(station),
        ]
        if let window {
            map[.init(Key.window)] = .array([.init(window.startMinute), .init(window.endMinute)])
        }
        return .map(map)
    }

    init(decoding item: CBOR, serial: String) throws(FormatError) {
        try Permit.checkSerial(serial)
        self.serial = serial
        var reader = try ClaimReader(item, what: "permit claims")
        firmID = try reader.text(Key.firmID, "firm id", maxBytes: Limits.firmID.upperBound)
        try Permit.checkIdentifier(firmID, "firm id", limit: Limits.firmID)
        let classValue = try reader.uint(Key.vehicleClass, "vehicle class")
        guard let vehicleClass = VehicleClass(rawValue: Int(clamping: classValue)) else {
            throw FormatError(.invalidValue, layer: .claims, "vehicle class \(classValue) is not defined")
        }
        self.vehicleClass = vehicleClass
        // Letters and digits only: the printed form follows from them and the vehicle class, and the
        // separators would cost 2-3 bytes of a code that must fit a small QR symbol.
        let plateText = try reader.text(Key.plate, "plate", maxBytes: Limits.compactPlate.upperBound)
        plate = try Plate(parsing: plateText, vehicleClass: vehicleClass)
        guard plate.compact == plateText else {
            throw FormatError(.nonCanonical, layer: .claims, "plate '\(plateText)' is not in compact canonical form")
        }
        driverName = try reader.text(Key.driverName, "driver name", maxBytes: Limits.driverName.upperBound)
        try Permit.checkName(driverName)
        driverID = try CitizenID(value: reader.uint(Key.driverID, "driver ID"))
        let mask = try reader.uint(Key.zones, "zones")
        guard mask <= UInt64(UInt32.max), let zones = Zones(mask: UInt32(mask)), !zones.isEmpty else {
            throw FormatError(.invalidValue, layer: .claims, "zones mask \(mask) is empty or names no district")
        }
        self.zones = zones
        let purposeValue = try reader.uint(Key.purpose, "purpose")
        guard let purpose = Purpose(rawValue: Int(clamping: purposeValue)) else {
            throw FormatError(.invalidValue, layer: .claims, "purpose \(purposeValue) is not defined")
        }
        self.purpose = purpose
        if let windowItem = reader.take(Key.window) {
            guard case .array(let bounds) = windowItem, bounds.count == 2,
                let start = bounds[0].intValue, let end = bounds[1].intValue
            else {
                throw FormatError(.wrongType, layer: .claims, "daily window must be an array of two minute counts")
            }
            window = try DailyWindow(startMinute: start, endMinute: end)
        } else {
            window = nil
        }
        station = try reader.text(Key.station, "station", maxBytes: Limits.station.upperBound)
        try Permit.checkIdentifier(station, "station", limit: Limits.station)
        try reader.finish()
    }

    /// Serials are ASCII letters, digits and dashes (`HN-000123`), `Limits.serial` long.
    public static func checkSerial(_ serial: String) throws(FormatError) {
        guard Limits.serial.contains(serial.utf8.count),
            serial.utf8.allSatisfy({ isUpperAlnum($0) || $0 == UInt8(ascii: "-") })
        else {
            throw FormatError(.invalidValue, layer: .claims, "serial '\(serial)' must be \(Limits.serial.lowerBound)-\(Limits.serial.upperBound) of A-Z, 0-9 and '-'")
        }
    }

    /// Firm and station ids: upper-case ASCII letters, digits and dashes, starting with a letter or digit, of a
    /// length in `limit` (`Limits.firmID`, `Limits.station`). (A leading dash would read as a flag on a command
    /// line and a formula in a spreadsheet.)
    public static func checkIdentifier(_ id: String, _ what: String, limit: ClosedRange<Int>) throws(FormatError) {
        guard limit.contains(id.utf8.count), id.utf8.allSatisfy({ isUpperAlnum($0) || $0 == UInt8(ascii: "-") }),
            let first = id.utf8.first, isUpperAlnum(first)
        else {
            throw FormatError(
                .invalidValue, layer: .claims, "\(what) '\(id)' must be \(limit.lowerBound)-\(limit.upperBound) of A-Z, 0-9 and '-', starting with A-Z or 0-9")
        }
    }

    /// Names are letters (any script), spaces, apostrophes, dots and dashes, in NFC, `Limits.driverName` long, and
    /// readable (`readabilityProblem`): no invisible letters, no script mixing, at most two marks on a letter.
    public static func checkName(_ name: String) throws(FormatError) {
        guard Limits.driverName.contains(name.utf8.count) else {
            throw FormatError(
                .invalidValue, layer: .claims,
                "driver name must be \(Limits.driverName.lowerBound) to \(Limits.driverName.upperBound) bytes long")
        }
        guard hasNameSpacing(name), name.unicodeScalars.allSatisfy(isNameScalar) else {
            throw FormatError(.invalidValue, layer: .claims, "driver name '\(name)' has characters a name cannot have")
        }
        // Compare bytes: String's == treats canonically equivalent spellings as equal.
        guard name._nfcCodeUnits.elementsEqual(name.utf8) else {
            throw FormatError(.nonCanonical, layer: .claims, "driver name '\(name)' is not in Unicode NFC")
        }
        if let problem = readabilityProblem(name) {
            throw FormatError(.invalidValue, layer: .claims, "driver name '\(shown(name))' \(problem)")
        }
    }

    /// Why a name an officer compares with an ID card could mislead, or nil (docs/FORMAT.md §2, names):
    /// invisible letters (Hangul fillers and every default-ignorable code point), Latin mixed with Cyrillic or
    /// Greek (look-alikes: Cyrillic а, о, Greek ο), and more than two combining marks on one letter or a mark
    /// on no letter. Vietnamese in NFC needs no combining mark at all; two leave room for names of other
    /// languages. ASCII-only names skip every look-up.
    static func readabilityProblem(_ name: String) -> String? {
        if name.utf8.allSatisfy({ $0 < 0x80 }) { return nil }
        var latin = false, greek = false, cyrillic = false
        var marks = 0
        var previousIsLetter = false
        for scalar in name.unicodeScalars {
            // Vietnamese names are ASCII and precomposed Latin letters: those are letters, never marks or
            // invisible, so they skip the property tables (`PassClaimsTests` checks this against them).
            if let isLetter = Self.latinLetterOrASCII(scalar) {
                marks = 0
                previousIsLetter = isLetter
                if isLetter { latin = true }
                continue
            }
            if scalar.properties.isDefaultIgnorableCodePoint {
                return "has an invisible character (U+\(String(scalar.value, radix: 16, uppercase: true)))"
            }
            if scalar.properties.generalCategory == .nonspacingMark || scalar.properties.generalCategory == .enclosingMark {
                marks += 1
                if !previousIsLetter { return "has a combining mark that sits on no letter" }
                if marks > 2 { return "has more than two combining marks on one letter" }
                continue
            }
            marks = 0
            previousIsLetter = scalar.properties.isAlphabetic
            switch scalar.value {
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF: latin = true
            case 0x370...0x3FF, 0x1F00...0x1FFF: greek = true
            case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: cyrillic = true
            default: break
            }
        }
        let scripts = [cyrillic ? "Cyrillic" : nil, greek ? "Greek" : nil, latin ? "Latin" : nil].compactMap { $0 }
        if scripts.count > 1 {
            return "mixes \(scripts.joined(separator: " and ")) letters (look-alikes an officer cannot tell apart)"
        }
        return nil
    }

    /// For ASCII, whether it is a letter; for a precomposed Latin letter (U+00C0–U+024F but × and ÷,
    /// U+1E00–U+1EFF), true; nil for anything else, which the property tables decide.
    static func latinLetterOrASCII(_ scalar: Unicode.Scalar) -> Bool? {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A: true
        case 0x00...0x7F: false
        case 0xD7, 0xF7: nil
        case 0xC0...0x24F, 0x1E00...0x1EFF: true
        default: nil
        }
    }

    /// Invisible and control characters spelled out, so the refusal shows what is there.
    private static func shown(_ name: String) -> String {
        name.unicodeScalars.map { scalar in
            scalar.properties.isDefaultIgnorableCodePoint || scalar.properties.generalCategory == .control
                || scalar.properties.generalCategory == .format
                ? "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}" : String(scalar)
        }.joined()
    }

    /// No space first, last, or twice in a row.
    private static func hasNameSpacing(_ name: String) -> Bool {
        var previous: UInt8 = 0x20
        for byte in name.utf8 {
            if byte == 0x20 && previous == 0x20 { return false }
            previous = byte
        }
        return previous != 0x20
    }

    /// A letter of any script, a combining mark, a space, an apostrophe, a dot or a dash. ASCII is decided
    /// without Unicode property look-ups: this runs for every character of every pass issued and verified.
    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let lowered = scalar.value | 0x20
            return (0x61...0x7A).contains(lowered) || " '.-".unicodeScalars.contains(scalar)
        }
        return scalar.properties.isAlphabetic || scalar.properties.generalCategory == .nonspacingMark
    }

    /// NFC form of a name, with runs of spaces collapsed.
    public static func normalizedName(_ name: String) -> String {
        // FoundationEssentials has no NFC; the standard library's is reached through this SPI-style
        // entry point. Foundation's would add ~3 ms to every verifier start.
        let nfc = String(decoding: name._nfcCodeUnits, as: UTF8.self)
        return nfc.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    private static func isUpperAlnum(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte)
    }
}

/// Reads a claims map: each field exactly once, with its type checked, and nothing left over.
struct ClaimReader {
    private var map: [CBOR: CBOR]
    private let what: String

    init(_ item: CBOR, what: String) throws(FormatError) {
        guard case .map(let map) = item else {
            throw FormatError(.wrongType, layer: .claims, "\(what) must be a CBOR map")
        }
        self.map = map
        self.what = what
    }

    mutating func take(_ key: Int) -> CBOR? { map.removeValue(forKey: CBOR(key)) }

    mutating func required(_ key: Int, _ name: String) throws(FormatError) -> CBOR {
        guard let value = take(key) else {
            throw FormatError(.missingField, layer: .claims, "\(what): \(name) (key \(key)) is missing")
        }
        return value
    }

    mutating func text(_ key: Int, _ name: String, maxBytes: Int) throws(FormatError) -> String {
        guard case .text(let text) = try required(key, name) else {
            throw FormatError(.wrongType, layer: .claims, "\(what): \(name) must be text")
        }
        guard !text.isEmpty, text.utf8.count <= maxBytes else {
            throw FormatError(.invalidValue, layer: .claims, "\(what): \(name) must be 1 to \(maxBytes) bytes")
        }
        return text
    }

    mutating func bytes(_ key: Int, _ name: String, maxBytes: Int) throws(FormatError) -> [UInt8] {
        guard case .bytes(let bytes) = try required(key, name) else {
            throw FormatError(.wrongType, layer: .claims, "\(what): \(name) must be a byte string")
        }
        guard !bytes.isEmpty, bytes.count <= maxBytes else {
            throw FormatError(.invalidValue, layer: .claims, "\(what): \(name) must be 1 to \(maxBytes) bytes")
        }
        return bytes
    }

    mutating func uint(_ key: Int, _ name: String) throws(FormatError) -> UInt64 {
        guard case .unsigned(let value) = try required(key, name) else {
            throw FormatError(.wrongType, layer: .claims, "\(what): \(name) must be an unsigned integer")
        }
        return value
    }

    mutating func time(_ key: Int, _ name: String) throws(FormatError) -> Int64 {
        let value = try uint(key, name)
        guard value <= UInt64(PassClaims.plausibleTimes.upperBound),
            PassClaims.plausibleTimes.contains(Int64(value))
        else {
            throw FormatError(
                .invalidValue, layer: .claims, "\(what): \(name) \(value) is not a date between 2020 and 2100")
        }
        return Int64(value)
    }

    func finish() throws(FormatError) {
        guard let extra = map.keys.first else { return }
        throw FormatError(.invalidValue, layer: .claims, "\(what): unknown claim \(extra.diagnostic)")
    }
}
