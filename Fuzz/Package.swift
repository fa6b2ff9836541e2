// swift-tools-version:6.1
// libFuzzer targets for greenlane. A separate package so the fuzzing build (instrumented, release) never
// touches the main build. Build one target:
//   swift build -c release --sanitize=fuzzer --product FuzzPassVerifier --scratch-path .build-fuzz
// (NOT -Xswiftc -sanitize=fuzzer: that links a binary that never calls the target.) See scripts/fuzz.sh.
import PackageDescription

let settings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "greenlane-fuzz",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "FuzzPassVerifier", targets: ["FuzzPassVerifier"]),
        .executable(name: "FuzzRevocationList", targets: ["FuzzRevocationList"]),
        .executable(name: "FuzzTrustFile", targets: ["FuzzTrustFile"]),
        .executable(name: "FuzzRequestCSV", targets: ["FuzzRequestCSV"]),
        .executable(name: "FuzzCBOR", targets: ["FuzzCBOR"]),
        .executable(name: "FuzzSignedClaims", targets: ["FuzzSignedClaims"]),
    ],
    dependencies: [
        .package(name: "greenlane", path: ".."),
    ],
    targets: [
        // Paths to the repository's keys and samples, shared by the targets.
        .target(name: "FuzzSupport", swiftSettings: settings),
        .executableTarget(
            name: "FuzzPassVerifier",
            dependencies: [
                "FuzzSupport",
                .product(name: "GreenlaneVerifier", package: "greenlane"),
                .product(name: "GreenlaneFormat", package: "greenlane"),
                .product(name: "GreenlaneCrypto", package: "greenlane"),
            ],
            swiftSettings: settings),
        .executableTarget(
            name: "FuzzRevocationList",
            dependencies: [
                "FuzzSupport",
                .product(name: "GreenlaneVerifier", package: "greenlane"),
                .product(name: "GreenlaneFormat", package: "greenlane"),
            ],
            swiftSettings: settings),
        .executableTarget(
            name: "FuzzTrustFile",
            dependencies: [
                "FuzzSupport",
                .product(name: "GreenlaneVerifier", package: "greenlane"),
                .product(name: "GreenlaneCrypto", package: "greenlane"),
            ],
            swiftSettings: settings),
        .executableTarget(
            name: "FuzzRequestCSV",
            dependencies: [
                "FuzzSupport",
                .product(name: "_GreenlaneRequestCSVForFuzzing", package: "greenlane"),
            ],
            swiftSettings: settings),
        .executableTarget(
            name: "FuzzCBOR",
            dependencies: [
                "FuzzSupport",
                .product(name: "GreenlaneFormat", package: "greenlane"),
            ],
            swiftSettings: settings),
        // Claims shaped by the fuzzer, signed with a test key: the checks after the signature, and the verdict.
        .executableTarget(
            name: "FuzzSignedClaims",
            dependencies: [
                "FuzzSupport",
                .product(name: "GreenlaneVerifier", package: "greenlane"),
                .product(name: "GreenlaneFormat", package: "greenlane"),
                .product(name: "GreenlaneCrypto", package: "greenlane"),
                .product(name: "GreenlaneIssuing", package: "greenlane"),
                .product(name: "GreenlaneMessages", package: "greenlane"),
            ],
            swiftSettings: settings),
    ]
)
