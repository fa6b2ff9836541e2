import Foundation
import GreenlaneFormat
import Testing

/// Every entry of RFC 8949 appendix A (cbor/test-vectors appendix_a.json).
@Suite struct CBORVectorTests {
    struct Vector: CustomTestStringConvertible, Sendable {
        let index: Int
        let bytes: [UInt8]
        let hex: String
        let roundtrip: Bool
        /// From `decoded` (JSON) or, where the entry has none, from `diagnostic`.
        let expected: CBOR
        let fromDiagnostic: Bool
        var testDescription: String { "#\(index) \(hex)" }
    }

    /// What each vector is expected to do.
    enum Category: String, CaseIterable {
        /// Core deterministic already: both modes decode it and the encoder reproduces the bytes.
        case deterministic
        /// Indefinite length somewhere: .wellFormed decodes it, .deterministic refuses.
        case indefiniteLength
        /// A float in a longer form than needed: .wellFormed decodes it, .deterministic refuses.
        case longFloat
        /// f818, simple(24) in two bytes: RFC 7049 listed it; RFC 8949 3.3 makes it not well formed.
        case notWellFormed
    }

    static let vectors: [Vector] = {
        let url = Bundle.module.url(forResource: "appendix_a", withExtension: "json", subdirectory: "Vectors")!
        let file = try! DiagnosticNotation.parse(String(contentsOf: url, encoding: .utf8))
        return file.arrayValue!.enumerated().map { index, entry in
            let base64 = entry.mapValue!["cbor"]!.textValue!
            let hex = entry.mapValue!["hex"]!.textValue!
            let bytes = [UInt8](Data(base64Encoded: base64)!)
            precondition(bytes == [UInt8](hex: hex), "vector \(index): base64 and hex disagree")
            let roundtrip = entry.mapValue!["roundtrip"]! == .bool(true)
            if let decoded = entry.mapValue!["decoded"] {
                return Vector(
                    index: index, bytes: bytes, hex: hex, roundtrip: roundtrip, expected: decoded,
                    fromDiagnostic: false)
            }
            let diagnostic = entry.mapValue!["diagnostic"]!.textValue!
            return Vector(
                index: index, bytes: bytes, hex: hex, roundtrip: roundtrip,
                expected: try! DiagnosticNotation.parse(diagnostic), fromDiagnostic: true)
        }
    }()

    static func category(of vector: Vector) -> Category {
        if vector.hex == "f818" { return .notWellFormed }
        if vector.roundtrip { return .deterministic }
        return ["f9", "fa", "fb"].contains(vector.hex.prefix(2)) ? .longFloat : .indefiniteLength
    }

    @Test func inventory() {
        #expect(Self.vectors.count == 82)
        #expect(Self.vectors.filter(\.fromDiagnostic).count == 23)
        var counts: [Category: Int] = [:]
        for vector in Self.vectors { counts[Self.category(of: vector), default: 0] += 1 }
        #expect(counts == [.deterministic: 64, .indefiniteLength: 11, .longFloat: 6, .notWellFormed: 1])
    }

    @Test(arguments: vectors)
    func vector(_ vector: Vector) throws {
        switch Self.category(of: vector) {
        case .deterministic:
            let item = try CBOR.decode(vector.bytes, mode: .wellFormed)
            #expect(item == vector.expected)
            #expect(item.encoded() == vector.expected.encoded())
            #expect(item.encoded().hex == vector.hex)
            #expect(vector.expected.encoded().hex == vector.hex)
            #expect(try CBOR.decode(vector.bytes, mode: .deterministic) == vector.expected)

        case .indefiniteLength, .longFloat:
            let item = try CBOR.decode(vector.bytes, mode: .wellFormed)
            #expect(item == vector.expected)
            let encoded = item.encoded()
            #expect(encoded != vector.bytes)
            #expect(try CBOR.decode(encoded, mode: .deterministic) == vector.expected)
            let indefinite = Self.category(of: vector) == .indefiniteLength
            let error = #expect(throws: FormatError.self) {
                try CBOR.decode(vector.bytes, mode: .deterministic)
            }
            #expect(error?.code == (indefinite ? .indefiniteLength : .nonCanonical))
            #expect(error?.layer == .cbor)
            // The first indefinite-length head (no such byte occurs as data in these vectors), or the float.
            let offset = indefinite ? vector.bytes.firstIndex { [0x5F, 0x7F, 0x9F, 0xBF].contains($0) } : 0
            #expect(error?.offset == offset)

        case .notWellFormed:
            #expect(vector.expected == .simple(24))
            for mode in [CBORDecodingMode.wellFormed, .deterministic] {
                let error = #expect(throws: FormatError.self) { try CBOR.decode(vector.bytes, mode: mode) }
                #expect(error?.code == .reservedValue)
                #expect(error?.offset == 0)
            }
        }
    }

    /// Appendix A's NaNs in every width: all decode to NaN and re-encode as f97e00.
    @Test func nanVectors() throws {
        let nans = Self.vectors.filter { $0.expected.encoded() == [0xF9, 0x7E, 0x00] }
        #expect(nans.count == 3)
        for vector in nans {
            let item = try CBOR.decode(vector.bytes, mode: .wellFormed)
            guard case .float(let value) = item else {
                Issue.record("\(vector.hex) did not decode to a float")
                continue
            }
            #expect(value.isNaN)
            #expect(item.encoded() == [0xF9, 0x7E, 0x00])
        }
    }
}
