import Foundation
import GreenlaneFormat
import Testing

/// RFC 9285 vectors plus properties.
@Suite struct Base45Tests {
    struct Pair: Sendable, CustomTestStringConvertible {
        let utf8: String
        let base45: String
        var testDescription: String { "\"\(utf8)\" ↔ \"\(base45)\"" }
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let base45: String
        let why: String
        var testDescription: String { "\"\(base45)\": \(why)" }
    }

    static let file: CBOR = {
        let url = Bundle.module.url(forResource: "rfc9285", withExtension: "json", subdirectory: "Vectors")!
        return try! DiagnosticNotation.parse(String(contentsOf: url, encoding: .utf8))
    }()

    static let pairs: [Pair] = file.mapValue!["encode"]!.arrayValue!.map {
        Pair(utf8: $0.mapValue!["utf8"]!.textValue!, base45: $0.mapValue!["base45"]!.textValue!)
    }

    static let invalid: [Invalid] = file.mapValue!["invalid"]!.arrayValue!.map {
        Invalid(base45: $0.mapValue!["base45"]!.textValue!, why: $0.mapValue!["why"]!.textValue!)
    }

    @Test func inventory() {
        #expect(Self.pairs.count == 5)
        #expect(Self.invalid.count == 7)
    }

    @Test(arguments: pairs)
    func encodesAndDecodes(_ pair: Pair) throws {
        #expect(Base45.encode(Array(pair.utf8.utf8)) == pair.base45)
        #expect(try Base45.decode(pair.base45) == Array(pair.utf8.utf8))
        #expect(try Base45.decode(Substring(pair.base45)) == Array(pair.utf8.utf8))
    }

    /// The expected code and offset follow from the vector's own explanation and text.
    @Test(arguments: invalid)
    func rejects(_ vector: Invalid) {
        let error = #expect(throws: FormatError.self) { try Base45.decode(vector.base45) }
        #expect(error?.layer == .base45)
        if vector.why.contains("alphabet") {
            #expect(error?.code == .invalidCharacter)
            let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8
            let offset = Array(vector.base45.utf8).firstIndex { !alphabet.contains($0) }
            #expect(error?.offset == offset)
        } else if vector.why.contains("exceeds") {
            #expect(error?.code == .valueOutOfRange)
            #expect(error?.offset == (vector.base45.count - 1) / 3 * 3)
        } else if vector.why.contains("length") {
            #expect(error?.code == .invalidLength)
            #expect(error?.offset == vector.base45.count - 1)
        } else {
            Issue.record("unclassified vector \(vector.base45): \(vector.why)")
        }
    }

    @Test func otherInvalidInput() throws {
        for (text, code, offset) in [
            ("BB8€", FormatError.Code.invalidCharacter, 3), ("BB8\u{0}A", .invalidCharacter, 3),
            ("AAAAAa", .invalidCharacter, 5), ("AAAGGW", .valueOutOfRange, 3), ("AAA:", .invalidLength, 3),
            ("AAAa", .invalidCharacter, 3), ("FGW", nil, nil), ("U5", nil, nil), ("V5", .valueOutOfRange, 0),
        ] as [(String, FormatError.Code?, Int?)] {
            do {
                let bytes = try Base45.decode(text)
                #expect(code == nil, "\(text) decoded to \(bytes)")
            } catch {
                #expect(error.code == code, "\(text)")
                #expect(error.offset == offset, "\(text)")
            }
        }
        #expect(try Base45.decode("FGW") == [0xFF, 0xFF])
        #expect(try Base45.decode("U5") == [0xFF])
    }

    @Test func substringOfALargerString() throws {
        let text = "GL1:%69 VD92EX0 tail"
        let lower = "GL1:%69 VD92Ex0"
        let start = text.index(text.startIndex, offsetBy: 4)  // same position in both
        let end = text.index(start, offsetBy: 11)
        #expect(try Base45.decode(text[start..<end]) == Array("Hello!!".utf8))
        // Offsets are within the substring, not the whole string.
        let error = #expect(throws: FormatError.self) { try Base45.decode(lower[start...]) }
        #expect(error?.code == .invalidCharacter)
        #expect(error?.offset == 9)
        #expect(error?.reason.contains("lower case") == true)
    }

    @Test func everyPairAndByteRoundTrips() throws {
        var all: [UInt8] = []
        for value in 0...0xFFFF { all += [UInt8(value >> 8), UInt8(value & 0xFF)] }
        #expect(try Base45.decode(Base45.encode(all)) == all)
        for value in 0...0xFF { #expect(try Base45.decode(Base45.encode([UInt8(value)])) == [UInt8(value)]) }
        var random = SplitMix64(seed: 9285)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let text = Base45.encode(bytes)
            #expect(text.utf8.count == length / 2 * 3 + length % 2 * 2)
            #expect(try Base45.decode(text) == bytes)
        }
    }
}
