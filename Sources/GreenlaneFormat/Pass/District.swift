/// Hanoi's 30 district-level units (12 urban districts, 1 town, 17 rural districts) as in 2021.
///
/// A pass's zones are a bitmask over this table: bit `n` is the district with `bit == n`. The bit
/// order follows the official administrative code (ascending), so the table never needs reordering
/// and a mask stays meaningful across versions. Never renumber a bit: passes in the field use it.
public struct District: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Bit position in the zones mask, 0 to 29.
    public let bit: Int
    /// Official administrative code of the district-level unit.
    public let code: Int
    /// Short ASCII identifier used on the command line and in files (`ba-dinh`).
    public let slug: String
    /// Vietnamese name with its kind (`Quận Ba Đình`).
    public let vietnameseName: String
    /// The name without the kind (`Ba Đình`), for compact output.
    public let shortName: String
    /// English name (`Ba Dinh District`).
    public let englishName: String

    public var description: String { slug }
    public static func < (lhs: District, rhs: District) -> Bool { lhs.bit < rhs.bit }

    public static let all: [District] = {
        let rows: [(Int, String, String, Kind)] = [
            (1, "ba-dinh", "Ba Đình", .urban),
            (2, "hoan-kiem", "Hoàn Kiếm", .urban),
            (3, "tay-ho", "Tây Hồ", .urban),
            (4, "long-bien", "Long Biên", .urban),
            (5, "cau-giay", "Cầu Giấy", .urban),
            (6, "dong-da", "Đống Đa", .urban),
            (7, "hai-ba-trung", "Hai Bà Trưng", .urban),
            (8, "hoang-mai", "Hoàng Mai", .urban),
            (9, "thanh-xuan", "Thanh Xuân", .urban),
            (16, "soc-son", "Sóc Sơn", .rural),
            (17, "dong-anh", "Đông Anh", .rural),
            (18, "gia-lam", "Gia Lâm", .rural),
            (19, "nam-tu-liem", "Nam Từ Liêm", .urban),
            (20, "thanh-tri", "Thanh Trì", .rural),
            (21, "bac-tu-liem", "Bắc Từ Liêm", .urban),
            (250, "me-linh", "Mê Linh", .rural),
            (268, "ha-dong", "Hà Đông", .urban),
            (269, "son-tay", "Sơn Tây", .town),
            (271, "ba-vi", "Ba Vì", .rural),
            (272, "phuc-tho", "Phúc Thọ", .rural),
            (273, "dan-phuong", "Đan Phượng", .rural),
            (274, "hoai-duc", "Hoài Đức", .rural),
            (275, "quoc-oai", "Quốc Oai", .rural),
            (276, "thach-that", "Thạch Thất", .rural),
            (277, "chuong-my", "Chương Mỹ", .rural),
            (278, "thanh-oai", "Thanh Oai", .rural),
            (279, "thuong-tin", "Thường Tín", .rural),
            (280, "phu-xuyen", "Phú Xuyên", .rural),
            (281, "ung-hoa", "Ứng Hòa", .rural),
            (282, "my-duc", "Mỹ Đức", .rural),
        ]
        return rows.enumerated().map { bit, row in
            let (code, slug, name, kind) = row
            // Slugs are ASCII: capitalised by hand, since the first use of Unicode case mapping costs a cold
            // start of `greenlane verify` more than the rest of this table.
            let english = slug.split(separator: "-").map { word in
                String(Unicode.Scalar(word.utf8.first! &- 32)) + word.dropFirst()
            }.joined(separator: " ")
            return District(
                bit: bit, code: code, slug: slug, vietnameseName: kind.vietnamese + " " + name,
                shortName: name, englishName: english + " " + kind.english)
        }
    }()

    /// Slugs and lower-cased Vietnamese names (short and full), built once.
    private static let byName: [String: District] = {
        var names: [String: District] = [:]
        for district in all {
            for name in [district.slug, district.shortName.lowercased(), district.vietnameseName.lowercased()] {
                names[name] = district
            }
        }
        return names
    }()

    /// Looks a district up by slug (`ba-dinh`), official code (`1`, `001`) or Vietnamese short name.
    public init?(_ text: String) {
        // A slug, as checkpoints write it, first: it needs no name table, and building one lower-cases every
        // Vietnamese name, 0.5 ms of a 5 ms cold start of `greenlane verify` (BENCHMARKS.md).
        if let match = District.all.first(where: { $0.slug == text }) {
            self = match
            return
        }
        // Exact spelling next: lower-casing Unicode text costs more than the rest of a request's checks.
        if let match = District.byName[text] ?? District.byName[text.lowercased()] {
            self = match
        } else if let code = Int(text), let match = District.all.first(where: { $0.code == code }) {
            self = match
        } else {
            return nil
        }
    }

    private init(
        bit: Int, code: Int, slug: String, vietnameseName: String, shortName: String, englishName: String
    ) {
        self.bit = bit
        self.code = code
        self.slug = slug
        self.vietnameseName = vietnameseName
        self.shortName = shortName
        self.englishName = englishName
    }

    private enum Kind {
        case urban, town, rural
        var vietnamese: String {
            switch self {
            case .urban: "Quận"
            case .town: "Thị xã"
            case .rural: "Huyện"
            }
        }
        var english: String {
            switch self {
            case .urban: "District"
            case .town: "Town"
            case .rural: "Rural District"
            }
        }
    }
}

/// A set of districts, carried in the pass as a 30-bit mask.
public struct Zones: Hashable, Sendable, SetAlgebra, Sequence, CustomStringConvertible {
    public private(set) var mask: UInt32

    public static let allDistrictsMask: UInt32 = (1 << 30) - 1
    public static let all = Zones(uncheckedMask: allDistrictsMask)

    /// Fails when a bit outside the 30 districts is set.
    public init?(mask: UInt32) {
        guard mask & ~Zones.allDistrictsMask == 0 else { return nil }
        self.mask = mask
    }

    private init(uncheckedMask: UInt32) { self.mask = uncheckedMask }

    public init() { mask = 0 }

    public init<S: Sequence>(_ districts: S) where S.Element == District {
        mask = 0
        for district in districts { mask |= 1 << UInt32(district.bit) }
    }

    public var districts: [District] { District.all.filter { contains($0) } }
    public func makeIterator() -> IndexingIterator<[District]> { districts.makeIterator() }
    public var isEmpty: Bool { mask == 0 }
    public var count: Int { mask.nonzeroBitCount }
    public var isAll: Bool { mask == Zones.allDistrictsMask }
    public var description: String { isAll ? "all" : districts.map(\.slug).joined(separator: ",") }

    public func contains(_ member: District) -> Bool { mask & (1 << UInt32(member.bit)) != 0 }
    public func union(_ other: Zones) -> Zones { Zones(uncheckedMask: mask | other.mask) }
    public func intersection(_ other: Zones) -> Zones { Zones(uncheckedMask: mask & other.mask) }
    public func symmetricDifference(_ other: Zones) -> Zones { Zones(uncheckedMask: mask ^ other.mask) }
    @discardableResult
    public mutating func insert(_ newMember: District) -> (inserted: Bool, memberAfterInsert: District) {
        let had = contains(newMember)
        mask |= 1 << UInt32(newMember.bit)
        return (!had, newMember)
    }
    @discardableResult
    public mutating func remove(_ member: District) -> District? {
        guard contains(member) else { return nil }
        mask &= ~(1 << UInt32(member.bit))
        return member
    }
    @discardableResult
    public mutating func update(with newMember: District) -> District? {
        let had = contains(newMember)
        insert(newMember)
        return had ? newMember : nil
    }
    public mutating func formUnion(_ other: Zones) { mask |= other.mask }
    public mutating func formIntersection(_ other: Zones) { mask &= other.mask }
    public mutating func formSymmetricDifference(_ other: Zones) { mask ^= other.mask }

    /// Parses `all` or a comma-separated list of district slugs, codes or names.
    public init(parsing text: String) throws(FormatError) {
        let trimmed = text.trimmingSpaces
        if trimmed.lowercased() == "all" {
            self = .all
            return
        }
        var zones = Zones()
        for part in trimmed.split(separator: ",") {
            let name = String(part).trimmingSpaces
            guard let district = District(name) else {
                throw FormatError(
                    .invalidValue, layer: .claims,
                    "unknown district '\(name)'; use a slug such as ba-dinh, an official code, or 'all'")
            }
            zones.insert(district)
        }
        guard !zones.isEmpty else {
            throw FormatError(.invalidValue, layer: .claims, "no district given")
        }
        self = zones
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space.
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
