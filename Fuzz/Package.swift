// swift-tools-version: 6.1
// libFuzzer targets for StrideGuard's input parsers, kept in their own package so the main
// build, the test run and CI never compile them. Each executable exposes
// LLVMFuzzerTestOneInput and is linked with -sanitize=fuzzer; its main hands it to libFuzzer;
// scripts/fuzz.sh builds them into Fuzz/.build and runs each for a bounded time.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between clones
// (main, ci-check, ...): derive it instead of hard-coding it.
let strideGuard = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let harness: [SwiftSetting] = [.swiftLanguageMode(.v6)]

func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: strideGuard) },
        swiftSettings: harness
    )
}

let package = Package(
    name: "StrideGuardFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver"], swiftSettings: harness),
        fuzzTarget("FuzzConfiguration", ["StrideDaemon"]),
        fuzzTarget("FuzzScenario", ["HardwareSim"]),
        fuzzTarget("FuzzRecordingCSV", ["StrideDaemon", "StrideCore"]),
        fuzzTarget("FuzzSampleChunk", ["StrideDaemon", "StrideCore"]),
        fuzzTarget("FuzzRunRecord", ["StrideDaemon"]),
    ]
)
