@testable import GreenlaneFormat
import Testing

/// Decodes expecting failure; returns the error so callers can check code and offset.
func cborError(
    _ bytes: [UInt8], mode: CBORDecodingMode = .deterministic, limits: CBORLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) -> FormatError? {
    let error = #expect(throws: FormatError.self, sourceLocation: sourceLocation) {
        try CBOR.decode(bytes, limits: limits, mode: mode)
    }
    #expect(error?.layer == .cbor, sourceLocation: sourceLocation)
    return error
}

@Suite struct CBORTests {
    // MARK: Encoding

    /// RFC 8949 4.2.1's own example order.
    @Test func deterministicMapKeyOrder() throws {
        let map: CBOR = [false: 7, [-1]: 6, [100]: 5, "aa": 4, "z": 3, -1: 2, 100: 1, 10: 0]
        let expected: [UInt8] = [
            0xA8, 0x0A, 0x00, 0x18, 0x64, 0x01, 0x20, 0x02, 0x61, 0x7A, 0x03,
            0x62, 0x61, 0x61, 0x04, 0x81, 0x18, 0x64, 0x05, 0x81, 0x20, 0x06, 0xF4, 0x07,
        ]
        for _ in 0..<5 { #expect(map.encoded() == expected) }  // whatever the Dictionary's order
        #expect(try CBOR.decode(expected) == map)
    }

    @Test(arguments: [
        (CBOR.unsigned(0), "00"), (.unsigned(23), "17"), (.unsigned(24), "1818"), (.unsigned(255), "18ff"),
        (.unsigned(256), "190100"), (.unsigned(65535), "19ffff"), (.unsigned(65536), "1a00010000"),
        (.unsigned(0xFFFF_FFFF), "1affffffff"), (.unsigned(0x1_0000_0000), "1b0000000100000000"),
        (-1, "20"), (-24, "37"), (-25, "3818"), (CBOR(Int64.min), "3b7fffffffffffffff"),
        (.negative(.max), "3bffffffffffffffff"), (.bytes([]), "40"), (.bytes(Array(repeating: 1, count: 24)),
        "5818" + String(repeating: "01", count: 24)), ("", "60"), (.tagged(24, .bytes([])), "d81840"),
        (.tagged(.max, .null), "dbfffffffffffffffff6"), (.simple(0), "e0"), (.simple(19), "f3"),
        (.simple(32), "f820"), (.simple(255), "f8ff"), (.float(0.0), "f90000"), (.float(-0.0), "f98000"),
        (.float(1.5), "f93e00"), (.float(65504), "f97bff"), (.float(65505), "fa477fe100"),
        (.float(0x1p-24), "f90001"), (.float(0x1p-25), "fa33000000"), (.float(0x3p-24), "f90003"),
        (.float(0x1.8p-24), "fa33c00000"), (.float(0x1p-14), "f90400"), (.float(0x1p-149), "fa00000001"),
        (.float(0x1p-150), "fb3690000000000000"), (.float(1.1), "fb3ff199999999999a"),
        (.float(Double(Float.greatestFiniteMagnitude)), "fa7f7fffff"), (.float(.infinity), "f97c00"),
        (.float(-.infinity), "f9fc00"), (.float(.nan), "f97e00"),
        (.float(Double(bitPattern: 0x7FF0_0000_0000_0001)), "f97e00"), (.float(-.nan), "f97e00"),
    ])
    func encodes(item: CBOR, hex: String) throws {
        #expect(item.encoded().hex == hex)
        #expect(try CBOR.decode(item.encoded()) == item)
    }

    /// Every binary16 value survives decode, and the encoder picks half for exactly those values.
    @Test func everyHalfFloat() throws {
        for bits in UInt16.min...UInt16.max {
            let bytes: [UInt8] = [0xF9, UInt8(bits >> 8), UInt8(bits & 0xFF)]
            let value = CBORFloat.double(halfBits: bits)
            if value.isNaN {
                #expect(CBOR.float(value).encoded() == [0xF9, 0x7E, 0x00])
                if bits != 0x7E00 { #expect(cborError(bytes)?.code == .nonCanonical) }
                continue
            }
            // Independent of the conversion under test: Float16 is exact wherever the platform has it.
            #if !(os(macOS) && arch(x86_64))
            #expect(value.bitPattern == Double(Float16(bitPattern: bits)).bitPattern)
            #endif
            #expect(CBOR.float(value).encoded() == bytes)
            #expect(try CBOR.decode(bytes) == .float(value))
            // Longer forms of the same value are refused in deterministic mode, accepted otherwise.
            var single: [UInt8] = [0xFA]
            CBOR.appendBigEndian(UInt64(Float(value).bitPattern), byteCount: 4, to: &single)
            #expect(try CBOR.decode(single, mode: .wellFormed) == .float(value))
            if bits % 97 == 0 { #expect(cborError(single)?.code == .nonCanonical) }
        }
    }

    @Test func integerConversions() {
        #expect(CBOR(0) == .unsigned(0))
        #expect(CBOR(-1) == .negative(0))
        #expect(CBOR(Int.min) == .negative(UInt64(Int.max)))
        #expect(CBOR(Int64.max) == .unsigned(UInt64(Int64.max)))
        for value in [0, 1, -1, 23, -24, 1000, -1000, Int.max, Int.min] {
            #expect(CBOR(value).intValue == value)
            #expect(CBOR(value).int64Value == Int64(value))
        }
        #expect(CBOR.unsigned(.max).intValue == nil)
        #expect(CBOR.unsigned(.max).uint64Value == .max)
        #expect(CBOR.negative(.max).int64Value == nil)
        #expect(CBOR.negative(UInt64(Int64.max) + 1).int64Value == nil)
        #expect(CBOR.negative(0).uint64Value == nil)
        #expect(CBOR.text("1").intValue == nil)
        let map: CBOR = [1: "one", -7: "minus seven", "1": "text"]
        #expect(map[1] == "one")
        #expect(map[-7] == "minus seven")
        #expect(map[2] == nil)
        #expect(CBOR.array([1])[0] == nil)
        #expect(map.mapValue?.count == 3)
        #expect(CBOR.bytes([1]).bytesValue == [1] && CBOR.text("a").textValue == "a")
        #expect(CBOR.array([1]).arrayValue == [1] && CBOR.text("a").arrayValue == nil)
    }

    @Test func equalityAndHashing() {
        #expect(CBOR.float(.nan) == .float(Double(bitPattern: 0x7FF8_0000_0000_0001)))
        #expect(CBOR.float(0.0) != .float(-0.0))
        #expect(CBOR.float(1) != .unsigned(1))
        let set: Set<CBOR> = [.float(.nan), .float(-.nan), .float(0.0), .float(-0.0), [1: 2], [1: 2]]
        #expect(set.count == 4)
    }

    // MARK: Strictness

    @Test(arguments: [
        ("1817", CBOR.unsigned(23)), ("190017", 23), ("1a00000017", 23), ("1b0000000000000017", 23),
        ("1900ff", 255), ("1a0000ffff", 65535), ("1b00000000ffffffff", .unsigned(0xFFFF_FFFF)),
        ("3817", -24), ("590001ff", .bytes([0xFF])), ("580161", .bytes([0x61])), ("780161", "a"),
        ("9800", .array([])), ("b800", .map([:])), ("d80040", .tagged(0, .bytes([]))), ("811900ff", .array([255])),
        ("fa3fc00000", .float(1.5)), ("fb3ff8000000000000", .float(1.5)), ("fa7f800000", .float(.infinity)),
        ("fb3ff0000000000000", .float(1)), ("f97e01", .float(.nan)), ("fa7fc00001", .float(.nan)),
    ])
    func nonShortestRejected(hex: String, value: CBOR) throws {
        let bytes = [UInt8](hex: hex)
        let error = cborError(bytes)
        #expect(error?.code == .nonCanonical)
        #expect(error?.offset == (hex.hasPrefix("81") ? 1 : 0))
        #expect(try CBOR.decode(bytes, mode: .wellFormed) == value)
    }

    @Test func unsortedKeysRejected() throws {
        // 2 before 1; and 256 (19 0100) after "a" (61 61): sorted by length first (RFC 7049), not bytewise.
        for (hex, offset) in [("a2020001 00", 3), ("a2616100 19010000", 4), ("a3010003 00 0200", 5)] {
            let bytes = [UInt8](hex: hex.filter { $0 != " " })
            let error = cborError(bytes)
            #expect(error?.code == .unsortedMapKeys)
            #expect(error?.offset == offset)
            #expect(try CBOR.decode(bytes, mode: .wellFormed).mapValue?.count == Int(bytes[0] & 0x1F))
        }
    }

    @Test(arguments: [
        ("a201000100", 3, CBORDecodingMode.deterministic), ("a201000100", 3, .wellFormed),
        ("a201001801 00", 3, .wellFormed), ("a2f93c0000fa3f80000000", 5, .wellFormed),
        ("a2f97e0000fb7ff800000000000100", 5, .wellFormed), ("a2810100810100", 4, .deterministic),
        ("bf6161006161 01ff", 4, .wellFormed), ("a27f6161ff006161 00", 6, .wellFormed),
        ("a2a1010200a1010201", 5, .deterministic),
    ])
    func duplicateKeysRejected(hex: String, offset: Int, mode: CBORDecodingMode) {
        let bytes = [UInt8](hex: hex.filter { $0 != " " })
        let error = cborError(bytes, mode: mode)
        #expect(error?.code == .duplicateMapKey)
        #expect(error?.offset == offset)
    }

    @Test(arguments: [
        ("62c328", 1), ("61ff", 1), ("61c3", 1), ("63eda080", 1), ("62c080", 1), ("64f4908080", 1),
        ("63e08080", 1), ("64f0808080", 1), ("6461f09f98", 2), ("826161 62 61 80", 5), ("a1 61 fe 00", 2),
    ])
    func invalidUTF8Rejected(hex: String, offset: Int) {
        let bytes = [UInt8](hex: hex.filter { $0 != " " })
        for mode in [CBORDecodingMode.deterministic, .wellFormed] {
            let error = cborError(bytes, mode: mode)
            #expect(error?.code == .invalidUTF8)
            #expect(error?.offset == offset)
        }
    }

    @Test func indefiniteTextChunksMustEachBeValid() throws {
        // ü split across two chunks: the whole is valid UTF-8, the chunks are not (RFC 8949 3.2.3).
        #expect(cborError([UInt8](hex: "7f61c361bcff"), mode: .wellFormed)?.code == .invalidUTF8)
        #expect(try CBOR.decode([UInt8](hex: "7f62c3bc60ff"), mode: .wellFormed) == "ü")
        // Chunks must be definite strings of the same type.
        for hex in ["5f6161ff", "7f4161ff", "5f5f40ffff", "7f00ff"] {
            #expect(cborError([UInt8](hex: hex), mode: .wellFormed)?.code == .indefiniteLength)
        }
    }

    @Test func validUTF8Accepted() throws {
        let text = "a\u{7F}\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFF}\u{10000}\u{10FFFF} Hà Nội 🚒"
        #expect(try CBOR.decode(CBOR.text(text).encoded()) == .text(text))
    }

    /// The hand-written validator (used before macOS 15 and for error offsets) agrees with the standard library.
    @Test func utf8ValidatorMatchesStandardLibrary() throws {
        guard #available(macOS 15, iOS 18, *) else { return }
        var random = SplitMix64(seed: 8949)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                    0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for _ in 0..<50_000 {
            let length = Int(random.next() % 7)
            let bytes = (0..<length).map { _ in interesting[Int(random.next() % UInt64(interesting.count))] }
            let ours = bytes.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0) }
            let library = String(validating: bytes, as: UTF8.self)
            #expect((ours == nil) == (library != nil), "\(bytes.hex)")
            if let ours {
                // Everything before the reported offset is valid on its own.
                #expect(String(validating: bytes[..<ours], as: UTF8.self) != nil, "\(bytes.hex)")
            }
        }
    }

    /// A nested item cut at every length: always truncated, never a crash or another error.
    @Test func everyPrefixIsTruncated() {
        let item: CBOR = [
            1: [1, -300, "text ü", .bytes([1, 2, 3]), [.null, .undefined, true]],
            -2: .tagged(18, [.bytes(Array(repeating: 7, count: 300)), [:], .float(1.1), .float(100_000)]),
            "k": [.unsigned(.max): .negative(.max), .simple(40): .float(1.5)],
        ]
        let bytes = item.encoded()
        for length in 0..<bytes.count {
            for mode in [CBORDecodingMode.deterministic, .wellFormed] {
                let error = cborError(Array(bytes[..<length]), mode: mode)
                #expect(error?.code == .truncated, "prefix of \(length) bytes")
                #expect((error?.offset ?? .max) <= length)
            }
        }
        let indefinite = [UInt8](hex: "bf61610161629f0203ff637374725f4101ff7f6163ff00ff")
        #expect((try? CBOR.decode(indefinite, mode: .wellFormed)) != nil)
        for length in 0..<indefinite.count {
            #expect(cborError(Array(indefinite[..<length]), mode: .wellFormed)?.code == .truncated)
        }
    }

    @Test func trailingBytesRejected() {
        for (hex, offset) in [("0000", 1), ("80ff", 1), ("a0a0", 1), ("61616100", 2), ("9fff00", 2)] {
            let error = cborError([UInt8](hex: hex), mode: .wellFormed)
            #expect(error?.code == .trailingBytes)
            #expect(error?.offset == offset)
        }
        #expect(cborError([])?.code == .truncated)
    }

    @Test func depthBombRejected() throws {
        for opener: UInt8 in [0x81, 0x9F, 0xC6, 0xA1] {
            let bomb = [UInt8](repeating: opener, count: 10_000) + [0x00]
            let error = cborError(bomb, mode: .wellFormed)
            #expect(error?.code == .tooDeep)
            #expect(error?.offset == 16)
        }
        // Sixteen levels are allowed, seventeen are not.
        _ = try CBOR.decode([UInt8](repeating: 0x81, count: 15) + [0x00])
        #expect(cborError([UInt8](repeating: 0x81, count: 16) + [0x00])?.code == .tooDeep)
        let shallow = CBORLimits(maxDepth: 2)
        #expect(try CBOR.decode([0x81, 0x00], limits: shallow) == [0])
        #expect(cborError([0x81, 0x81, 0x00], limits: shallow)?.code == .tooDeep)
    }

    @Test(arguments: [
        "5bffffffffffffffff", "7bffffffffffffffff", "9bffffffffffffffff", "bbffffffffffffffff",
        "5b7fffffffffffffff", "5affffffff00", "9b8000000000000000", "bb4000000000000000", "a2000000",
        "5f5bffffffffffffffffff", "83010203ffff", "a1ff",
    ])
    func hugeDeclaredLengthRejected(hex: String) {
        // Each declares far more than is present; nothing is allocated for it.
        let bytes = [UInt8](hex: hex.filter { $0 != " " }).dropLast(hex == "83010203ffff" ? 3 : 0)
        let error = cborError(Array(bytes), mode: .wellFormed)
        #expect(error?.code == .truncated)
    }

    @Test func tooManyItemsRejected() throws {
        let big = CBOR.array(Array(repeating: 0, count: 5000)).encoded()
        #expect(cborError(big)?.code == .tooManyItems)
        #expect(try CBOR.decode(big, limits: CBORLimits(maxItems: 5001)).arrayValue?.count == 5000)
        // Every element, key, value and tag content counts; so does the top-level item.
        let tight = CBORLimits(maxItems: 10)
        _ = try CBOR.decode(CBOR.array(Array(repeating: 0, count: 9)).encoded(), limits: tight)
        #expect(cborError(CBOR.array(Array(repeating: 0, count: 10)).encoded(), limits: tight)?.code == .tooManyItems)
        let map = CBOR.map(Dictionary(uniqueKeysWithValues: (0..<5).map { (CBOR($0), CBOR.null) }))
        #expect(cborError(map.encoded(), limits: tight)?.code == .tooManyItems)
        let fourPairs = CBOR.map(Dictionary(uniqueKeysWithValues: (0..<4).map { (CBOR($0), CBOR.null) }))
        #expect(try CBOR.decode(fourPairs.encoded(), limits: tight) == fourPairs)
        let tags = [UInt8](repeating: 0xC1, count: 9) + [0x00]
        _ = try CBOR.decode(tags, limits: CBORLimits(maxDepth: 10, maxItems: 10))
        #expect(cborError(tags, limits: CBORLimits(maxDepth: 10, maxItems: 9))?.code == .tooManyItems)
        // Indefinite containers have no count to check up front; they are counted as they go.
        let stream = [0x9F] + [UInt8](repeating: 0x00, count: 5000) + [0xFF]
        #expect(cborError(stream, mode: .wellFormed)?.code == .tooManyItems)
    }

    @Test func reservedAndMalformedRejected() {
        for major: UInt8 in 0...7 {
            for additional: UInt8 in 28...30 {
                let bytes: [UInt8] = [major << 5 | additional, 0, 0, 0, 0, 0, 0, 0, 0]
                for mode in [CBORDecodingMode.deterministic, .wellFormed] {
                    let error = cborError(bytes, mode: mode)
                    #expect(error?.code == .reservedValue)
                    #expect(error?.offset == 0)
                }
            }
        }
        // Additional information 31 means nothing for integers and tags.
        for initial: UInt8 in [0x1F, 0x3F, 0xDF] {
            #expect(cborError([initial, 0x00], mode: .wellFormed)?.code == .reservedValue)
        }
        // simple(0)...simple(31) in the two-byte form (RFC 8949 3.3).
        for value: UInt8 in 0..<32 {
            #expect(cborError([0xF8, value], mode: .wellFormed)?.code == .reservedValue)
        }
        // A break where an item should be.
        for hex in ["ff", "81ff", "a1ff00", "bf01ff", "c0ff", "a101ff", "9f01a1ff00ff"] {
            #expect(cborError([UInt8](hex: hex), mode: .wellFormed)?.code == .unexpectedBreak, "\(hex)")
        }
    }

    @Test func indefiniteLengthRejectedInDeterministicMode() throws {
        for (hex, value) in [("5fff", CBOR.bytes([])), ("7fff", ""), ("9fff", []), ("bfff", [:]),
                             ("5f4101ff", .bytes([1])), ("81bf0102ff", [[1: 2]])] {
            let bytes = [UInt8](hex: hex)
            let error = cborError(bytes)
            #expect(error?.code == .indefiniteLength)
            #expect(error?.offset == (hex.hasPrefix("81") ? 1 : 0))
            #expect(try CBOR.decode(bytes, mode: .wellFormed) == value)
        }
    }

    @Test func simpleValues() throws {
        for value: UInt8 in 0..<20 {
            #expect(try CBOR.decode([0xE0 | value]) == .simple(value))
        }
        #expect(try CBOR.decode([0xF4]) == false)
        #expect(try CBOR.decode([0xF5]) == true)
        #expect(try CBOR.decode([0xF6]) == .null)
        #expect(try CBOR.decode([0xF7]) == .undefined)
        for value: UInt8 in 32...255 {
            #expect(try CBOR.decode([0xF8, value]) == .simple(value))
        }
    }

    /// Seeded random trees: encode, decode (both modes), compare; the encoding is stable.
    @Test func randomRoundTrip() throws {
        var random = SplitMix64(seed: 0x6C_616E_65)
        let limits = CBORLimits(maxDepth: 16, maxItems: 100_000)
        for _ in 0..<2000 {
            let item = CBOR.random(using: &random, depth: 0)
            let bytes = item.encoded()
            let decoded = try CBOR.decode(bytes, limits: limits)
            #expect(decoded == item, "\(bytes.hex)")
            #expect(decoded.encoded() == bytes)
            #expect(try CBOR.decode(bytes, limits: limits, mode: .wellFormed) == item)
            var appended: [UInt8] = [0x99]
            item.encode(into: &appended)
            #expect(Array(appended.dropFirst()) == bytes)
        }
    }
}

/// A small seeded generator so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension CBOR {
    static func random(using rng: inout SplitMix64, depth: Int) -> CBOR {
        let kinds = depth >= 5 ? 9 : 12
        switch Int.random(in: 0..<kinds, using: &rng) {
        case 0: return .unsigned(randomArgument(using: &rng))
        case 1: return .negative(randomArgument(using: &rng))
        case 2:
            let count = Int.random(in: 0..<40, using: &rng)
            return .bytes((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case 3:
            let scalars = (0..<Int.random(in: 0..<12, using: &rng)).compactMap { _ in
                let top = [UInt32(0x7F), 0x7FF, 0xFFFF, 0x10FFFF].randomElement(using: &rng)!
                return Unicode.Scalar(top.randomScalar(using: &rng))
            }
            return .text(String(String.UnicodeScalarView(scalars)))
        case 4:
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return .float(Double(bitPattern: rng.next()))
            case 1: return .float(Double(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))))
            case 2: return .float(CBORFloat.double(halfBits: UInt16.random(in: 0...UInt16.max, using: &rng)))
            default: return .float([0.0, -0.0, .infinity, -.infinity, .nan, 1.0].randomElement(using: &rng)!)
            }
        case 5: return .simple([UInt8](0..<20).randomElement(using: &rng)! | (Bool.random(using: &rng) ? 0 : 32))
        case 6: return [.bool(true), .bool(false), .null, .undefined].randomElement(using: &rng)!
        case 7: return CBOR(Int.random(in: -1000...1000, using: &rng))
        case 8: return .text(["", "a", "kid", "ü", "水", "🚒"].randomElement(using: &rng)!)
        case 9:
            let count = Int.random(in: 0..<6, using: &rng)
            return .array((0..<count).map { _ in CBOR.random(using: &rng, depth: depth + 1) })
        case 10:
            var map: [CBOR: CBOR] = [:]
            for _ in 0..<Int.random(in: 0..<6, using: &rng) {
                map[CBOR.random(using: &rng, depth: depth + 1)] = CBOR.random(using: &rng, depth: depth + 1)
            }
            return .map(map)
        default: return .tagged(randomArgument(using: &rng), CBOR.random(using: &rng, depth: depth + 1))
        }
    }

    /// Arguments spread over every head width, with the width boundaries likely.
    static func randomArgument(using rng: inout SplitMix64) -> UInt64 {
        let bound: UInt64 = [24, 0x100, 0x1_0000, 0x1_0000_0000, .max].randomElement(using: &rng)!
        return Bool.random(using: &rng) ? bound &- 1 : UInt64.random(in: 0...bound &- 1, using: &rng)
    }
}

extension UInt32 {
    /// A random scalar value up to self, skipping surrogates.
    func randomScalar(using rng: inout SplitMix64) -> UInt32 {
        let value = UInt32.random(in: 0...self, using: &rng)
        return (0xD800...0xDFFF).contains(value) ? 0x41 : value
    }
}
