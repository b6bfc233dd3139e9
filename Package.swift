// swift-tools-version: 6.1
// StrideGuard: a running-gait wearable daemon. See ../shared/DESIGN.md for the layout.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "StrideGuard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "strideguard", targets: ["strideguard"]),
        .library(name: "StrideCore", targets: ["StrideCore"]),
        .library(name: "Hardware", targets: ["Hardware"]),
        .library(name: "HardwareSim", targets: ["HardwareSim"]),
        .library(name: "StrideDaemon", targets: ["StrideDaemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // The daemon: configuration from YAML with environment overrides, the run store.
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // The stride-asymmetry core: pure Swift, no Foundation, no I/O.
        .target(name: "StrideCore", swiftSettings: strict),
        // Hardware protocols and the accelerometer drivers.
        .target(name: "Hardware", dependencies: ["StrideCore"], swiftSettings: strict),
        // C shim over libi2c and libgpiod (v1 or v2 API).
        .target(
            name: "CLinuxShim",
            linkerSettings: [.linkedLibrary("i2c"), .linkedLibrary("gpiod")]
        ),
        .target(name: "LinuxHardware", dependencies: ["Hardware", "CLinuxShim"], swiftSettings: strict),
        // Register-level chip models, simulated bus and GPIO, virtual clock, virtual runner.
        .target(name: "HardwareSim", dependencies: ["Hardware", "StrideCore", .product(name: "Yams", package: "Yams")], path: "HardwareSim", swiftSettings: strict),
        .target(
            name: "StrideDaemon",
            dependencies: [
                "StrideCore", "Hardware", "LinuxHardware",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // The daemon worn by the virtual runner: `simulate` and the whole-daemon tests.
        .target(
            name: "DaemonSimulation",
            dependencies: ["StrideDaemon", "HardwareSim", "Hardware", "StrideCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "strideguard",
            dependencies: [
                "StrideCore", "Hardware", "LinuxHardware", "HardwareSim", "StrideDaemon", "DaemonSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "StrideCoreTests", dependencies: ["StrideCore"], swiftSettings: strict),
        .testTarget(name: "HardwareTests", dependencies: ["Hardware", "HardwareSim"], swiftSettings: strict),
        .testTarget(name: "HardwareSimTests", dependencies: ["HardwareSim", "Hardware"], swiftSettings: strict),
        .testTarget(name: "LinuxHardwareTests", dependencies: ["LinuxHardware", "Hardware"], swiftSettings: strict),
        .testTarget(name: "StrideDaemonTests", dependencies: ["StrideDaemon", "HardwareSim", "DaemonSimulation"], swiftSettings: strict),
        .testTarget(name: "CoreOnRunnerTests", dependencies: ["StrideCore", "HardwareSim"], swiftSettings: strict),
    ]
)
