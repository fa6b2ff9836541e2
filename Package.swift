// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "greenlane",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "greenlane", targets: ["GreenlaneCLI"]),
        .library(name: "GreenlaneVerifier", targets: ["GreenlaneVerifier"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries from Debian, reached through pkg-config.
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // The only target that touches OpenSSL pointers.
        .target(name: "GreenlaneCrypto", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        // CBOR, base45, zlib, COSE_Sign1, CWT, pass claims: pure data, no I/O.
        .target(name: "GreenlaneFormat", dependencies: ["CZlib"], swiftSettings: swiftSettings),
        // What checkpoint software embeds: trust set, revocation list, verification.
        .target(
            name: "GreenlaneVerifier", dependencies: ["GreenlaneCrypto", "GreenlaneFormat"],
            swiftSettings: swiftSettings),
        // Signing pass codes and revocation lists.
        .target(
            name: "GreenlaneIssuing", dependencies: ["GreenlaneCrypto", "GreenlaneFormat"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "GreenlaneCLI",
            dependencies: [
                "GreenlaneCrypto", "GreenlaneFormat", "GreenlaneVerifier", "GreenlaneIssuing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        .testTarget(
            name: "GreenlaneFormatTests", dependencies: ["GreenlaneFormat"],
            resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        .testTarget(
            name: "GreenlaneCryptoTests", dependencies: ["GreenlaneCrypto"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GreenlaneVerifierTests",
            dependencies: ["GreenlaneVerifier", "GreenlaneIssuing", "GreenlaneCrypto", "GreenlaneFormat"],
            resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        .testTarget(
            name: "GreenlaneCLITests", dependencies: ["GreenlaneCLI"],
            swiftSettings: swiftSettings),
    ]
)
