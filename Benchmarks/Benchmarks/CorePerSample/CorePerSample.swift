// Per-sample cost of the stride core, steady state: ShankEventDetector, SacrumEventDetector,
// and two shanks through the event merger and the stride analyser (GaitPipeline when the
// main package exports StrideDaemon; see Benchmarks/Package.swift).
//
// ONE ITERATION = 800 samples per sensor = 1 s of data at 800 Hz (the shank rate of the
// issue's targets). Divide wallClock and mallocCountTotal by 800 for per-sample figures
// (the two-shank cases process 1600 samples an iteration: 800 per leg).
//
// The virtual runner's signals (steady-symmetric scenario) are generated in setup, not in
// the measured loop; each case is warmed up on 90 s of running first (calibration, rhythm
// lock, baseline learnt), then fed the following seconds, cycling through the array with
// its times shifted so they keep increasing.
//
// The cases themselves live in CoreCases; CoreInstructions counts their instructions under
// callgrind (scripts/count-instructions.sh).
import Benchmark
import CoreCases

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // Per iteration = 800 samples per sensor (1 s at 800 Hz).
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        maxDuration: .seconds(2),
        maxIterations: 1000
    )
    let titles: [CoreCase.Kind: String] = [
        .shank: "ShankEventDetector, 800 samples",
        .sacrum: "SacrumEventDetector, 800 samples",
        .twoShanks: "two shanks + EventMerger + StrideAnalyzer, 2 x 800 samples",
        .pipeline: "GaitPipeline two shanks + analyzer, 2 x 800 samples",
    ]
    // Control: the same loop with no samples, to show the harness's own allocations.
    Benchmark("control: empty iteration") { benchmark in
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations { blackHole(i) }
        benchmark.stopMeasurement()
    }
    for kind in CoreCase.Kind.available {
        Benchmark(titles[kind] ?? kind.rawValue) { benchmark, c in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                c.runOneSecond()
            }
            benchmark.stopMeasurement()
            blackHole(c.events + c.two.outputs)
        } setup: {
            CoreCase(kind)
        }
    }
}
