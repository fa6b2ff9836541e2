// swift-tools-version:6.1
// greenlane's benchmarks: a separate package so that the root `swift build` / `swift test` never build them.
// Run everything with scripts/bench.sh (release builds only). See BENCHMARKS.md.
import PackageDescription

let package = Package(
    name: "greenlane-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "greenlane", path: ".."),
    ],
    targets: [
        // The harness: in-process throughput (ContinuousClock, warm-up, interleaved rounds, median), each
        // figure next to raw OpenSSL EVP sign/verify measured in the same process; batch issuing; the
        // registry generator; code sizes.
        .executableTarget(
            name: "greenlane-bench",
            dependencies: [
                .product(name: "GreenlaneFormat", package: "greenlane"),
                .product(name: "GreenlaneCrypto", package: "greenlane"),
                .product(name: "GreenlaneIssuing", package: "greenlane"),
                .product(name: "GreenlaneVerifier", package: "greenlane"),
                // Unstable: the store, both stores and their opener, the engine and CSV requests, for benchmarks only.
                .product(name: "_GreenlaneEngineForBenchmarks", package: "greenlane"),
            ],
            path: "Sources/GreenlaneBench",
            swiftSettings: [.swiftLanguageMode(.v6)]),
        // The cold-start yardstick: a trivial Swift binary that imports Foundation and prints one line.
        .executableTarget(name: "hello-foundation", path: "Sources/HelloFoundation"),
    ]
)
