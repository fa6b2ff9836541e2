import Foundation
import GRDB
import GreenlaneFormat
import GreenlaneStore
@testable import GreenlaneSQLiteStore
import Testing

/// The limits are written once (`Limits` in GreenlaneFormat); the registry's schema and the CDDL in
/// docs/FORMAT.md carry the same numbers, checked here against the schema SQLite actually holds and the doc
/// as committed. A firm id of 17-24 characters once passed the command line and failed late on a raw SQLite
/// CHECK message because three places disagreed.
@Suite struct LimitsTableTests {
    static let formatDoc: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("docs/FORMAT.md"), encoding: .utf8)) ?? ""
    }()

    /// The `(min..max)` of the CDDL line whose comment starts with `label`.
    func cddlRange(_ label: String) -> ClosedRange<Int>? {
        for line in Self.formatDoc.split(separator: "\n") where line.contains("; " + label) {
            guard let match = line.firstMatch(of: /\.size \((\d+)\.\.(\d+)\)/) else { continue }
            return Int(match.1)!...Int(match.2)!
        }
        return nil
    }

    @Test func theCDDLCarriesTheTablesNumbers() {
        #expect(cddlRange("iss:") == Limits.issuer)
        #expect(cddlRange("cti:") == Limits.serial)
        #expect(cddlRange("firm id") == Limits.firmID)
        #expect(cddlRange("plate,") == Limits.compactPlate)
        #expect(cddlRange("driver's full name") == Limits.driverName)
        #expect(cddlRange("issuing station") == Limits.station)
        #expect(cddlRange("issuer (\"VN-HN\")") == Limits.issuer)
        let reason = Self.formatDoc.firstMatch(of: /GL-Reason = tstr \.regexp "\[a-z0-9-\]\{(\d+),(\d+)\}"/)
        #expect(reason.map { Int($0.1)!...Int($0.2)! } == Limits.revocationReason)
        #expect(Self.formatDoc.contains("longer than \(Limits.codeCharacters.grouped) characters"))
        #expect(Self.formatDoc.contains("inflates at most \(Limits.coseBytes.grouped) bytes"))
        #expect(Self.formatDoc.contains("Entries are bounded (\(Limits.revocationEntries.grouped))"))
        #expect(Self.formatDoc.contains("(\(Limits.revocationListFileBytes >> 20) MiB)"))
    }

    @Test func theSchemaCarriesTheTablesNumbers() async throws {
        let registry = try SQLiteStore(inMemory: RegistrySettings(issuer: "VN-HN", station: "SGTVT", serialPrefix: "HN", createdAt: 0))
        let sql = try registry.readNow { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL").joined(separator: "\n")
        }
        func between(_ column: String) -> ClosedRange<Int>? {
            let pattern = try! Regex("length\\(\(column)\\) (?:NOT )?BETWEEN (\\d+) AND (\\d+)")
            guard let match = sql.firstMatch(of: pattern),
                let low = match.output[1].substring.flatMap({ Int($0) }),
                let high = match.output[2].substring.flatMap({ Int($0) })
            else { return nil }
            return low...high
        }
        #expect(between("id") == Limits.firmID)
        #expect(between("serial") == Limits.serial)
        #expect(between("plate") == Limits.storedPlate)
        #expect(between("NEW\\.reason") == Limits.revocationReason)
        #expect(between("on_behalf_of") == Limits.onBehalfOf)
        #expect(between("note") == Limits.revocationNote)
    }

    @Test func aFirmIDTheDecoderWouldRefuseIsRefusedAtTheCommandLine() {
        let longest = String(repeating: "F", count: Limits.firmID.upperBound)
        #expect(throws: Never.self) { try Permit.checkIdentifier(longest, "firm id", limit: Limits.firmID) }
        #expect(throws: FormatError.self) { try Permit.checkIdentifier(longest + "F", "firm id", limit: Limits.firmID) }
    }
}

extension Int {
    /// 2048 as "2,048", as the docs write numbers (not locale-dependent).
    var grouped: String {
        let digits = String(self)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}
