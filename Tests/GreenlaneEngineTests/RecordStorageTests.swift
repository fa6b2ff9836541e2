import GreenlaneEngine
import GreenlaneRegistry
import Testing

/// PermitRecord is written column by column and read back through Decodable: the two must agree on every
/// column, replacement links and the window included.
@Suite struct RecordStorageTests {
    @Test func everyColumnOfAnIssuedPermitReadsBackUnchanged() throws {
        let (engine, registry) = try makeEngine()
        let (first, _) = try issueAll(
            engine, [request(plate: "29C-400.01"), request(plate: "29C-400.02", vehicleClass: "car")])
        let (second, _) = try issueAll(engine, [request(plate: "29C-400.01", zones: "dong-da")], replace: true)
        var issued: [PermitRecord] = []
        for result in first + second {
            guard case .issued(let record, _) = result else {
                Issue.record("every row must be issued: \(result)")
                continue
            }
            issued.append(record)
        }
        #expect(issued.count == 3)
        #expect(issued[2].replaces == issued[0].serial)
        #expect(issued.contains { $0.windowStart == nil } && issued.contains { $0.windowStart != nil })
        for record in issued {
            #expect(try registry.permit(record.serial)?.permit == record)
        }
    }
}
