import Foundation

// greenlane-bench: run from the repository root (scripts/bench.sh does). Subcommands:
//   throughput [--rounds R] [--iterations N]        verify and sign figures vs raw EVP, ES256 and EdDSA
//   batch --csv FILE --alg es256|eddsa --jobs J --registry FILE|URL
//                                                   CSV -> fresh registry through PermitEngine, vs raw signing
//                                                   (a file is made afresh; a postgres:// URL names an empty
//                                                   registry `registry init` made with Samples/policy.json)
//   make-registry --permits N --registry FILE|URL --policy FILE [--jobs J]
//                                                   fills a registry `registry init` made with that policy:
//                                                   N realistic permits through PermitEngine, 1% revoked
//   list-latency --registry FILE|URL --plate P [--at TIME] [--runs N]
//                                                   first pages through an open store (no process start-up)
//   sizes                                           characters and QR version of the typical and largest pass

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func readText(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("cannot read \(path)") }
    return String(decoding: data, as: UTF8.self)
}

extension String {
    func trimmingWhitespace() -> String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

func option(_ name: String, _ arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "throughput":
        try Throughput.run(
            rounds: Int(option("--rounds", arguments) ?? "") ?? 9,
            iterations: Int(option("--iterations", arguments) ?? "") ?? 4000)
    case "batch":
        try await Batch.run(
            csv: option("--csv", arguments) ?? "/tmp/greenlane-bench-requests.csv",
            algorithm: option("--alg", arguments) ?? "es256",
            jobs: Int(option("--jobs", arguments) ?? "") ?? 1,
            registryPath: option("--registry", arguments) ?? "/tmp/greenlane-bench-batch.sqlite",
            chunk: Int(option("--chunk", arguments) ?? ""))
    case "make-registry":
        try await RegistryGenerator.run(
            permits: Int(option("--permits", arguments) ?? "") ?? 1_000_000,
            location: option("--registry", arguments) ?? "/tmp/greenlane-bench-1m.sqlite",
            policyPath: option("--policy", arguments) ?? "Samples/policy.json",
            jobs: Int(option("--jobs", arguments) ?? "") ?? 2)
    case "list-latency":
        try await ListLatency.run(
            location: option("--registry", arguments) ?? "/tmp/greenlane-bench-1m.sqlite",
            plate: option("--plate", arguments) ?? "29C-123.45",
            at: option("--at", arguments) ?? "2021-08-27T18:00:00+07:00",
            runs: Int(option("--runs", arguments) ?? "") ?? 20)
    case "sizes":
        try Sizes.run()
    default:
        print("usage: greenlane-bench throughput|batch|make-registry|list-latency|sizes [options]  (see Benchmarks/Sources/GreenlaneBench/main.swift)")
        exit(64)
    }
} catch {
    print("greenlane-bench: \(error)")
    exit(1)
}
