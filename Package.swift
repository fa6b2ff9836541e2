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
        // The checkpoint's binary (verify, inspect, keys), lean so it starts fast; it hands every other command
        // to greenlane-office, installed next to it.
        .executable(name: "greenlane", targets: ["GreenlaneCLI"]),
        .executable(name: "greenlane-office", targets: ["GreenlaneOfficeCLI"]),
        // The issuing service (docs/SERVICE.md): Hummingbird 2, its own product so `greenlane` never links it.
        .executable(name: "greenlane-server", targets: ["GreenlaneServer"]),
        // The signer (docs/SERVICE.md): holds the pass key, answers greenlane-server on a Unix socket; no HTTP.
        .executable(name: "greenlane-signer", targets: ["GreenlaneSigner"]),
        // The image reader both binaries open with dlopen on the first `--image` (Sources/CQRScanner).
        .library(name: "greenlane-scanner", type: .dynamic, targets: ["CQRScanner"]),
        .library(name: "GreenlaneVerifier", targets: ["GreenlaneVerifier"]),
        .library(name: "GreenlaneMessages", targets: ["GreenlaneMessages"]),
        // What GreenlaneVerifier's API is made of (codes, claims, keys), and signing, for Benchmarks/ and Fuzz/.
        .library(name: "GreenlaneFormat", targets: ["GreenlaneFormat"]),
        .library(name: "GreenlaneCrypto", targets: ["GreenlaneCrypto"]),
        .library(name: "GreenlaneIssuing", targets: ["GreenlaneIssuing"]),
        // UNSTABLE, no API promise: only for the packages under Benchmarks/ and Fuzz/ (the leading underscore
        // says so). A service links the store, the engine and its own store target as targets of this package.
        .library(
            name: "_GreenlaneEngineForBenchmarks",
            targets: [
                "GreenlaneStore", "GreenlaneSQLiteStore", "GreenlanePostgresStore", "GreenlaneRegistryLocation",
                "GreenlaneEngine", "GreenlaneRequestCSV",
            ]),
        .library(name: "_GreenlaneRequestCSVForFuzzing", targets: ["GreenlaneRequestCSV"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // The `remote` commands' client (GreenlaneRemote) and TLS on both ends; postgres-nio uses NIOSSL too.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // C libraries from Debian, reached through pkg-config.
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CQRencode", pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),

        // The QR image reader, C++: PNG (libpng), JPEG (libjpeg-turbo), EXIF orientation (libexif), zxing-cpp 1.4
        // with retries. Only ever built into libgreenlane-scanner.so, never linked into a binary.
        .target(
            name: "CQRScanner",
            linkerSettings: [
                // swiftc links every shared object with Swift's start-up object and libswiftCore; this one has no
                // Swift in it and must load where no Swift runtime is installed (the checkpoint package).
                .unsafeFlags(["-nostartfiles", "-static-stdlib", "-no-toolchain-stdlib-rpath"]),
                .linkedLibrary("ZXing"), .linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("exif"),
            ]),

        // Below everything: the one error shape, the one file reader and the one file writer (libc only).
        .target(name: "GreenlaneSupport", swiftSettings: swiftSettings),
        // Every message the checkpoint shows, in Vietnamese and English (no Foundation: the lean binary links it).
        .target(name: "GreenlaneMessages", dependencies: ["GreenlaneSupport"], swiftSettings: swiftSettings),
        // The only target that touches OpenSSL pointers.
        .target(name: "GreenlaneCrypto", dependencies: ["COpenSSL", "GreenlaneSupport"], swiftSettings: swiftSettings),
        // CBOR, base45, zlib, COSE_Sign1, CWT, pass claims: pure data, no I/O.
        .target(name: "GreenlaneFormat", dependencies: ["CZlib", "GreenlaneSupport"], swiftSettings: swiftSettings),
        // What checkpoint software embeds: trust set, revocation list, verification.
        .target(
            name: "GreenlaneVerifier",
            dependencies: ["GreenlaneCrypto", "GreenlaneFormat", "GreenlaneMessages", "GreenlaneSupport"],
            swiftSettings: swiftSettings),
        // QR symbols (libqrencode) as PNG (libpng), SVG and terminal text; pass cards.
        .target(
            name: "GreenlaneQR", dependencies: ["CQRencode", "CPNG", "GreenlaneFormat", "GreenlaneSupport"],
            swiftSettings: swiftSettings),
        // Reading QR codes from PNG and JPEG files: opens libgreenlane-scanner.so with dlopen on first use, so it
        // links nothing and the lean binary can carry it.
        .target(name: "GreenlaneScanner", dependencies: ["GreenlaneSupport"], swiftSettings: swiftSettings),
        // Signing pass codes and revocation lists.
        .target(
            name: "GreenlaneIssuing", dependencies: ["GreenlaneCrypto", "GreenlaneFormat", "GreenlaneSupport"],
            swiftSettings: swiftSettings),
        // The registry's store protocol and its plain records (firms, permits, revocations, the audit log):
        // what the engine talks to. No database library.
        .target(
            name: "GreenlaneStore", dependencies: ["GreenlaneFormat", "GreenlaneCrypto", "GreenlaneSupport"],
            swiftSettings: swiftSettings),
        // The store on embedded SQLite through GRDB (WAL): one desk, the demo. GRDB stays inside.
        .target(
            name: "GreenlaneSQLiteStore",
            dependencies: [
                "GreenlaneStore", "GreenlaneCrypto", "GreenlaneFormat", "GreenlaneSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for binding issuing's multi-row INSERTs without GRDB's boxing (RawInsert.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
        // The store on PostgreSQL through postgres-nio: the shared registry of many stations and server instances.
        // postgres-nio and NIO types stay inside.
        .target(
            name: "GreenlanePostgresStore",
            dependencies: [
                "GreenlaneStore", "GreenlaneFormat", "GreenlaneSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // The permit engine: policy, requests, every registry rule, issuing and renewal, over any store.
        .target(
            name: "GreenlaneEngine",
            dependencies: ["GreenlaneCrypto", "GreenlaneFormat", "GreenlaneIssuing", "GreenlaneStore", "GreenlaneSupport"],
            swiftSettings: swiftSettings),
        // Fleet requests from CSV files (CSV.swift, Foundation streams), bounded; kept out of the engine.
        .target(
            name: "GreenlaneRequestCSV",
            dependencies: [
                "GreenlaneEngine", "GreenlaneFormat", "GreenlaneSupport", .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: swiftSettings),
        // The checkpoint commands (verify, inspect, keys), shared by the two executables below.
        .target(
            name: "GreenlaneCheckpointCLI",
            dependencies: [
                "GreenlaneCrypto", "GreenlaneFormat", "GreenlaneMessages", "GreenlaneVerifier", "GreenlaneSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        // `greenlane`: the checkpoint commands only; no database, image or Foundation libraries (images are read
        // through libgreenlane-scanner.so, opened on the first `--image`).
        .executableTarget(
            name: "GreenlaneCLI",
            dependencies: [
                "GreenlaneCheckpointCLI", "GreenlaneScanner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        // `greenlane-office`: every command, the registry's and `verify --image` included.
        .executableTarget(
            name: "GreenlaneOfficeCLI",
            dependencies: [
                "GreenlaneCheckpointCLI", "GreenlaneCrypto", "GreenlaneFormat", "GreenlaneMessages", "GreenlaneVerifier",
                "GreenlaneIssuing", "GreenlaneStore", "GreenlaneSQLiteStore", "GreenlanePostgresStore", "GreenlaneEngine",
                "GreenlaneRequestCSV", "GreenlaneQR", "GreenlaneScanner", "GreenlaneRemote",
                "GreenlaneSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: swiftSettings),
        // The client of the issuing service for `greenlane-office remote …`: where the server is, the credential
        // file, TLS always verified (a pinnable CA), problem details as errors, retries with one Idempotency-Key.
        .target(
            name: "GreenlaneRemote",
            dependencies: [
                "GreenlaneSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        // Opening a registry from a path or a postgres:// URL, for the service's processes.
        .target(
            name: "GreenlaneRegistryLocation",
            dependencies: ["GreenlaneStore", "GreenlaneSQLiteStore", "GreenlanePostgresStore"],
            swiftSettings: swiftSettings),
        // The signer's side of the service: the key check, issuing an approved request from the store, the
        // framed protocol on the Unix socket, and the client the server uses. NIO only, no Hummingbird.
        .target(
            name: "GreenlaneSigning",
            dependencies: [
                "GreenlaneEngine", "GreenlaneFormat", "GreenlaneIssuing", "GreenlaneStore", "GreenlaneVerifier",
                "GreenlaneSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "GreenlaneSigner",
            dependencies: [
                "GreenlaneSigning", "GreenlaneEngine", "GreenlaneFormat", "GreenlaneIssuing", "GreenlaneSQLiteStore",
                "GreenlaneRegistryLocation", "GreenlaneSupport",
            ],
            swiftSettings: swiftSettings),
        // The issuing service's application: routes, authentication middleware, the request flow over the
        // engine and the store. One `buildApplication` for `greenlane-server` and for the tests.
        .target(
            name: "GreenlaneService",
            dependencies: [
                "GreenlaneCrypto", "GreenlaneFormat", "GreenlaneIssuing", "GreenlaneStore", "GreenlaneSQLiteStore",
                "GreenlaneEngine", "GreenlaneMessages", "GreenlaneSigning", "GreenlaneSupport", "GreenlaneVerifier",
                "GreenlaneRegistryLocation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"), .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings),
        // `greenlane-server`: reads its configuration and runs the application until SIGTERM or SIGINT.
        .executableTarget(
            name: "GreenlaneServer",
            dependencies: [
                "GreenlaneService", "GreenlaneStore", "GreenlaneRegistryLocation", "GreenlaneSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // Writes Samples/codes (one code per verifier outcome) from the demo keys.
        .executableTarget(
            name: "SampleMaker", dependencies: ["GreenlaneCrypto", "GreenlaneFormat", "GreenlaneIssuing", "GreenlaneVerifier"],
            swiftSettings: swiftSettings),

        // For the test targets only: reading a child's output without Foundation's EINTR trap.
        // And greenlane-signer as a child process for the service's and the client's tests.
        .target(name: "GreenlaneTestSupport", dependencies: ["GreenlaneSigning"], path: "Tests/GreenlaneTestSupport",
                swiftSettings: swiftSettings),
        .testTarget(
            name: "GreenlaneSupportTests", dependencies: ["GreenlaneSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GreenlaneMessagesTests",
            dependencies: ["GreenlaneMessages", "GreenlaneVerifier", "GreenlaneSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GreenlaneFormatTests", dependencies: ["GreenlaneTestSupport", "GreenlaneFormat"],
            resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        .testTarget(
            name: "GreenlaneQRTests", dependencies: ["GreenlaneTestSupport", "GreenlaneQR", "GreenlaneScanner", "GreenlaneFormat"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GreenlaneCryptoTests", dependencies: ["GreenlaneTestSupport", "GreenlaneCrypto"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GreenlaneVerifierTests",
            dependencies: ["GreenlaneTestSupport", "GreenlaneVerifier", "GreenlaneIssuing", "GreenlaneCrypto", "GreenlaneFormat"],
            resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        .testTarget(
            name: "GreenlaneEngineTests",
            dependencies: [
                "GreenlaneTestSupport", "GreenlaneEngine", "GreenlaneStore", "GreenlaneSQLiteStore",
                "GreenlaneRequestCSV", "GreenlaneFormat", "GreenlaneCrypto", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: swiftSettings),
        // One suite every store must pass, parameterised by store (Tests/GreenlaneStoreContractTests).
        .testTarget(
            name: "GreenlaneStoreContractTests",
            dependencies: [
                "GreenlaneStore", "GreenlaneSQLiteStore", "GreenlanePostgresStore", "GreenlaneFormat", "GreenlaneSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings),
        // The service against a real server on loopback, one test per attack (Tests/GreenlaneServiceTests).
        .testTarget(
            name: "GreenlaneServiceTests",
            dependencies: [
                "GreenlaneService", "GreenlaneStore", "GreenlaneSQLiteStore", "GreenlaneCrypto", "GreenlaneFormat",
                "GreenlaneIssuing", "GreenlaneEngine", "GreenlaneMessages", "GreenlaneSigning", "GreenlaneSigner",
                "GreenlaneVerifier", "GreenlaneTestSupport",
                "GreenlaneServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // `greenlane remote …` against the real server serving TLS on loopback (Tests/GreenlaneRemoteTests).
        .testTarget(
            name: "GreenlaneRemoteTests",
            dependencies: [
                "GreenlaneTestSupport", "GreenlaneCLI", "GreenlaneOfficeCLI", "GreenlaneService", "GreenlaneStore",
                "GreenlaneSQLiteStore", "GreenlaneFormat", "GreenlaneSigner",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GreenlaneCLITests",
            dependencies: [
                "GreenlaneTestSupport", "GreenlaneCLI", "GreenlaneOfficeCLI", "GreenlaneCheckpointCLI",
                "GreenlaneSQLiteStore",
            ],
            swiftSettings: swiftSettings),
    ]
)
