// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "oversight",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "oversight", targets: ["oversight"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // Pure domain: task banks, study files, session log, assistant seam. No terminal code.
        .target(
            name: "OversightCore",
            dependencies: ["CLibcrypto", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // libcrypto (OpenSSL 3) from Debian's libssl-dev (scripts/setup.sh installs it): SHA-256.
        // Its headers and library are on the default paths; the module map links it.
        .systemLibrary(name: "CLibcrypto"),
        // ncursesw from Debian's libncurses-dev (scripts/setup.sh installs it). No pkgConfig:
        // SwiftPM drops its -D flags with a warning on every build, and shim.h defines what
        // the wide-character API needs; the module map links ncursesw.
        .systemLibrary(name: "CNcursesw"),
        // The participant screen: pure state/update/render plus the ncurses and headless drivers.
        .target(
            name: "OversightTUI",
            dependencies: ["OversightCore", "CNcursesw"]
        ),
        // Network and local-model assistants, and the model-alone baseline.
        .target(
            name: "OversightAssistants",
            dependencies: ["OversightCore"]
        ),
        // Scoring of session logs and baseline files.
        .target(
            name: "OversightScoring",
            dependencies: ["OversightCore"]
        ),
        // Simulated participants driving the real session runtime (`oversight simulate`).
        .target(
            name: "OversightSimulation",
            dependencies: ["OversightCore", "OversightTUI", "OversightAssistants"]
        ),
        .executableTarget(
            name: "oversight",
            dependencies: [
                "OversightCore", "OversightTUI", "OversightAssistants", "OversightScoring", "OversightSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A private tmux server driving the real binary: the end-to-end tests and the benchmarks.
        .target(name: "TmuxSupport"),
        // Benchmarks, run on demand: `swift run -c release oversight-bench --help`.
        .executableTarget(
            name: "oversight-bench",
            dependencies: [
                "OversightCore", "OversightTUI", "OversightAssistants", "OversightScoring", "OversightSimulation",
                "TmuxSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks"
        ),
        .testTarget(name: "OversightCoreTests", dependencies: ["OversightCore"], exclude: ["Fixtures"]),
        .testTarget(name: "OversightTUITests", dependencies: ["OversightTUI", "OversightCore"], exclude: ["Snapshots"]),
        .testTarget(name: "OversightAssistantsTests",
                    dependencies: ["OversightAssistants", "OversightCore", "OversightTUI", "OversightSimulation"]),
        .testTarget(name: "OversightScoringTests", dependencies: ["OversightScoring", "OversightCore"], exclude: ["Fixtures"]),
        .testTarget(name: "OversightSimulationTests",
                    dependencies: ["OversightSimulation", "OversightScoring", "OversightCore", "OversightTUI"]),
        .testTarget(name: "EndToEndTests", dependencies: ["OversightCore", "TmuxSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
