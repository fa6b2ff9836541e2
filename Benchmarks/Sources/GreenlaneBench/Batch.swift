import Foundation
import GreenlaneCrypto
import GreenlaneEngine
import GreenlaneFormat
import GreenlanePostgresStore
import GreenlaneRegistryLocation
import GreenlaneRequestCSV
import GreenlaneSQLiteStore
import GreenlaneStore

/// Issue, recorded: a CSV fleet into a fresh registry end to end (read the CSV, check each row against the
/// policy, allocate serials, sign, commit every permit and its audit entry), compared with raw EVP signing of
/// the same Sig_structure size on one core, measured in the same process before and after the batch.
enum Batch {
    static func run(csv: String, algorithm name: String, jobs: Int, registryPath: String, chunk: Int?) async throws {
        let algorithm: SignatureAlgorithm = name == "eddsa" ? .eddsa : .es256
        let s = try Throughput.setup(algorithm)
        let policy = try Policy.load(path: "Samples/policy.json")
        let registry: any PermitStore = PostgresLocation.isURL(registryPath)
            ? try await RegistryLocation.open(registryPath, environment: ProcessInfo.processInfo.environment)
            : try await BenchRegistry.fresh(path: registryPath, policy: policy)
        let firmLines = try readText("Samples/firms.csv").split(separator: "\n").dropFirst()
        for line in firmLines {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            try await Registry(store: registry).addFirm(
                Firm(id: fields[0], legalName: fields[1], kind: Firm.Kind(rawValue: fields[2])!, licence: fields[3],
                     createdAt: Timestamp.parse("2021-07-23T12:00:00+07:00")!),
                context: BenchRegistry.context)
        }
        let engine = try PermitEngine(policy: policy, store: registry, key: s.key)
        var options = PermitEngine.BatchOptions(context: BenchRegistry.context)
        options.jobs = jobs
        if let chunk { options.chunkSize = chunk }

        let rawBefore = rawSignRate(s)
        let clock = ContinuousClock()
        let start = clock.now
        let rows = try RequestCSV.read(path: csv)
        let afterRead = clock.now
        var issued = 0
        var refused = 0
        let summary = try await engine.issue(rows.requests, malformed: rows.malformed, options: options) { results in
            for result in results {
                if case .issued = result { issued += 1 } else { refused += 1 }
            }
        }
        let elapsed = seconds(start.duration(to: clock.now))
        let readSeconds = seconds(start.duration(to: afterRead))
        let rawAfter = rawSignRate(s)
        let rawOneCore = (rawBefore + rawAfter) / 2

        let total = rows.requests.count + rows.malformed.count
        guard refused == 0, issued == total, summary.issued == total else {
            throw BenchError("batch: \(issued) issued, \(refused) refused of \(total): every row must be issued")
        }
        let stored = try await registry.statistics(now: options.now).total
        guard stored == total else { throw BenchError("batch: the registry holds \(stored) permits, expected \(total)") }

        let rate = Double(total) / elapsed
        let a = algorithm.rawValue
        let store = PostgresLocation.isURL(registryPath) ? "PostgreSQL" : "SQLite"
        row("issue \(a), recorded: \(formatRate(Double(total))) CSV rows → fresh \(store) registry, jobs=\(jobs)",
            "\(formatRate(rate)) /s (\(format1(elapsed)) s)", "raw EVP sign, 1 core \(formatRate(rawOneCore)) /s",
            // Issue 13's targets: 35% of raw signing on one core, 50% when --jobs 2 signs on the second core.
            rate / rawOneCore, jobs > 1 ? 0.50 : 0.35)
        note("\(a) jobs=\(jobs): CSV read \(format1(readSeconds)) s, policy+registry+signing \(format1(elapsed - readSeconds)) s; "
            + "raw sign before \(formatRate(rawBefore)) /s, after \(formatRate(rawAfter)) /s; "
            + "\(stored) permits committed"
            + (PostgresLocation.isURL(registryPath) ? " (PostgreSQL)"
                : "; registry \(fileSize(registryPath) / 1024) KiB + WAL \(fileSize(registryPath + "-wal") / 1024) KiB"))
        if jobs > 1 {
            let rawParallel = parallelRate(threads: jobs, perThread: 4000) { (try? s.key.sign(s.toBeSigned))?.count ?? 0 }
            note("\(a): raw EVP sign on \(jobs) threads \(formatRate(rawParallel)) /s "
                + "(\(format1(rawParallel / rawOneCore))x one core): the ceiling for jobs=\(jobs)")
        }
        print("BATCH \(a) \(jobs) \(rate) \(rawOneCore)")
    }

    /// Median of 5 rounds of 2,000 raw signatures over the pass's Sig_structure.
    static func rawSignRate(_ s: Throughput.Setup) -> Double {
        let key = s.key, tbs = s.toBeSigned
        let rates = measureInterleaved(
            [BenchCase(name: "raw-sign") { (try? key.sign(tbs))?.count ?? 0 }], rounds: 5, iterations: 2000,
            warmup: 500)
        return median(rates["raw-sign"]!)
    }
}

/// A fresh registry as `registry init --policy` makes it, and who acts in the benchmarks.
enum BenchRegistry {
    /// The bench account, acting as of 26 July 2021 08:00 (the sample order's first day).
    static let context = try! AuditContext(
        account: "bench", recordedAt: Int64(Date().timeIntervalSince1970),
        pinnedAt: Timestamp.parse("2021-07-26T08:00:00+07:00")!)

    static func fresh(path: String, policy: Policy) async throws -> SQLiteStore {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let settings = RegistrySettings(
            issuer: policy.issuer, station: policy.station, serialPrefix: policy.serialPrefix(forStation: policy.station)!,
            createdAt: context.effectiveTime)
        return try await SQLiteStore.create(path: path, settings: settings, context: context)
    }
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}
