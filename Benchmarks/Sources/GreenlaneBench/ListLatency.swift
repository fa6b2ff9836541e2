import Foundation
import GreenlaneFormat
import GreenlanePostgresStore
import GreenlaneRegistryLocation
import GreenlaneStore

/// The auditors' first pages through an open store, as a long-running process (greenlane-server) sees them:
/// no process start-up and no new database session per page, which the new-process figures of
/// scripts/bench-stores.sh include. Each query runs `runs` times after two warm-up runs; the median is reported.
enum ListLatency {
    static func run(location: String, plate: String, at time: String, runs: Int) async throws {
        guard let at = Timestamp.parse(time) else { throw BenchError("list-latency: --at \(time) is not a time") }
        let store = try await RegistryLocation.open(location, environment: ProcessInfo.processInfo.environment)
        let kind = PostgresLocation.isURL(location) ? "PostgreSQL" : "SQLite"
        let permits = try await store.counts().permits
        var firm = PermitFilter(now: at)
        firm.firmID = "VTPOST"
        var byPlate = PermitFilter(now: at)
        byPlate.plate = plate
        var valid = PermitFilter(now: at)
        valid.validAt = at
        let cases: [(String, PermitFilter)] = [
            ("unfiltered", PermitFilter(now: at)), ("by firm (VTPOST)", firm), ("by plate (\(plate))", byPlate),
            ("valid at a time", valid),
        ]
        var medians: [String: Double] = [:]
        let clock = ContinuousClock()
        for (name, filter) in cases {
            var times: [Double] = []
            for round in 0..<(runs + 2) {
                let start = clock.now
                let page = try await store.permitPage(filter, after: nil, count: 50)
                let elapsed = seconds(start.duration(to: clock.now)) * 1000
                guard !page.isEmpty else { throw BenchError("list-latency: \(name) found nothing") }
                if round >= 2 { times.append(elapsed) }
            }
            medians[name] = median(times)
        }
        for (name, _) in cases.dropFirst() {
            let value = medians[name]!
            row("\(kind), \(permits) permits: first page (limit 50) \(name), through an open store (permitPage), "
                + "median of \(runs)",
                String(format: "%.2f ms", value), String(format: "unfiltered first page %.2f ms", medians["unfiltered"]!),
                value / 50, 1.0, atMost: true, targetText: "≤ 50 ms")
        }
    }
}
