// swift-tools-version: 6.1
// StrideGuard benchmarks (ordo-one package-benchmark), kept in their own package so the
// main build and the test run do not compile the benchmark framework.
// Run: cd Benchmarks && swift package --disable-sandbox benchmark
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between clones
// (main, ci-check, ...): derive it instead of hard-coding it.
let strideGuard = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

// CoreCases (the stride-core cases of CorePerSample and CoreInstructions) includes the
// GaitPipeline case when the main package exports StrideDaemon as a library product (it
// does); without it the cases measure the same detector/merger/analyzer calls directly.
let mainManifest = (try? String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Package.swift"), encoding: .utf8)) ?? ""
let strideDaemonExported = mainManifest.contains(".library(name: \"StrideDaemon\"")

let package = Package(
    name: "StrideGuardBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "DriverDrain",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Hardware", package: strideGuard),
                .product(name: "HardwareSim", package: strideGuard),
                .product(name: "StrideCore", package: strideGuard),
            ],
            path: "Benchmarks/DriverDrain",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The stride-core cases, shared by the timing benchmark and the instruction counter.
        .target(
            name: "CoreCases",
            dependencies: [
                .product(name: "HardwareSim", package: strideGuard),
                .product(name: "StrideCore", package: strideGuard),
            ] + (strideDaemonExported ? [.product(name: "StrideDaemon", package: strideGuard)] : []),
            path: "Benchmarks/CoreCases",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "CorePerSample",
            dependencies: [
                "CoreCases",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CorePerSample",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Not a benchmark: runs one case under callgrind without the harness's malloc
        // interposer (scripts/count-instructions.sh). Outside Benchmarks/Benchmarks/, where
        // the benchmark plugin would take it for a benchmark target.
        .executableTarget(
            name: "CoreInstructions",
            dependencies: ["CoreCases"],
            path: "Tools/CoreInstructions",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "DaemonSteadyState",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Hardware", package: strideGuard),
                .product(name: "HardwareSim", package: strideGuard),
                .product(name: "StrideDaemon", package: strideGuard),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DaemonSteadyState",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "BuzzerOnset",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Hardware", package: strideGuard),
                .product(name: "StrideDaemon", package: strideGuard),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/BuzzerOnset",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
