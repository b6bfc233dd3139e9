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
// Callgrind: CORE_PER_SAMPLE_CALLGRIND=shank|sacrum|twoShanks|pipeline runs that case for
// 60 s of data without the harness and exits, so
//   valgrind --tool=callgrind --toggle-collect='*measuredSeconds*' .build/release/CorePerSample
// counts the instructions of the measured part only.
import Benchmark
import Foundation
import HardwareSim
import StrideCore
#if canImport(StrideDaemon)
import StrideDaemon
#endif

/// Sample rate, Hz.
let rateHz = 800.0
/// Samples per sensor per iteration (1 s).
let samplesPerIteration = 800
/// Seconds of running fed before measuring.
let warmUpSeconds = 90
/// Seconds of running generated (warm-up plus the measured pool).
let generatedSeconds = 150

/// The runner's sensor-frame samples of one placement, generated once.
func runnerSamples(_ placement: Placement) -> [IMUSample] {
    let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    guard let scenario = try? ScenarioParser.load(path: root.appendingPathComponent("config/scenarios/steady-symmetric.yaml").path)
    else { return [] }
    let runner = VirtualRunner(scenario: scenario)
    let source = runner.source(for: placement)
    let periodNs = UInt64((1e9 / rateHz).rounded())
    return (0..<(generatedSeconds * samplesPerIteration)).map { k in
        let t = runner.startNs + UInt64(k) * periodNs
        let s = source.sample(atNs: t)
        return IMUSample(timeNs: t, accel: s.accel)
    }
}

/// Hands out consecutive seconds of samples from the pool after the warm-up, shifting
/// times by the pool's length on every lap so that they keep increasing.
struct SamplePool {
    let samples: [IMUSample]
    let first: Int
    var next: Int
    var lap: UInt64 = 0
    let lapNs: UInt64
    /// One second, time-shifted, in a buffer allocated once.
    let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: samplesPerIteration)

    init(_ samples: [IMUSample]) {
        self.samples = samples
        first = warmUpSeconds * samplesPerIteration
        next = first
        let span = samples.count - first
        lapNs = UInt64(Double(span) / rateHz * 1e9)
    }

    var warmUp: ArraySlice<IMUSample> { samples[0..<first] }

    /// Fills `buffer` with the next second.
    mutating func nextSecond() -> UnsafeBufferPointer<IMUSample> {
        for i in 0..<samplesPerIteration {
            if next >= samples.count { next = first; lap += 1 }
            var s = samples[next]
            s.timeNs += lap &* lapNs
            buffer[i] = s
            next += 1
        }
        return UnsafeBufferPointer(buffer)
    }
}

/// Two shank detectors through the event merger into the stride analyser: the calls
/// GaitPipeline makes, for when StrideDaemon is not importable.
final class TwoShankCore {
    var left = ShankEventDetector(configuration: .init(side: .left, sampleRateHz: rateHz))
    var right = ShankEventDetector(configuration: .init(side: .right, sampleRateHz: rateHz))
    var merger = EventMerger(sources: 2, maximumLatencyNs: UInt64((ShankEventDetector.maximumLatencySeconds + 2) * 1e9), capacity: 128)
    var analyzer = StrideAnalyzer()
    var outputs = 0

    func feed(_ l: UnsafeBufferPointer<IMUSample>, _ r: UnsafeBufferPointer<IMUSample>) {
        // 32-sample drains, alternating legs, as the acquisition delivers them.
        var i = 0
        while i < l.count {
            let end = min(l.count, i + 32)
            for k in i..<end {
                left.process(l[k]) { e in merger.add(e) { analyzer.process($0, activity: .running) { _ in outputs += 1 } } }
            }
            merger.advance(0, toNs: l[end - 1].timeNs) { analyzer.process($0, activity: .running) { _ in outputs += 1 } }
            for k in i..<end {
                right.process(r[k]) { e in merger.add(e) { analyzer.process($0, activity: .running) { _ in outputs += 1 } } }
            }
            merger.advance(1, toNs: r[end - 1].timeNs) { analyzer.process($0, activity: .running) { _ in outputs += 1 } }
            i = end
        }
    }
}

/// One case's state, built in setup.
final class CoreCase {
    enum Kind: String { case shank, sacrum, twoShanks, pipeline }
    let kind: Kind
    var shank = ShankEventDetector(configuration: .init(side: .left, sampleRateHz: rateHz))
    var sacrum = SacrumEventDetector(configuration: .init(sampleRateHz: rateHz, mounting: .xUpYForward))
    var two = TwoShankCore()
#if canImport(StrideDaemon)
    let pipeline = GaitPipeline(placements: [(.leftShank, sampleRateHz: rateHz), (.rightShank, sampleRateHz: rateHz)],
                                analyzer: StrideAnalyzerConfiguration())
#endif
    var poolA: SamplePool
    var poolB: SamplePool
    var events = 0

    init(_ kind: Kind) {
        self.kind = kind
        switch kind {
        case .shank: poolA = SamplePool(runnerSamples(.leftShank)); poolB = poolA
        case .sacrum: poolA = SamplePool(runnerSamples(.sacrum)); poolB = poolA
        case .twoShanks, .pipeline: poolA = SamplePool(runnerSamples(.leftShank)); poolB = SamplePool(runnerSamples(.rightShank))
        }
        // Warm up on the pool's first seconds, then one measured-style second.
        let a = Array(poolA.warmUp), b = Array(poolB.warmUp)
        a.withUnsafeBufferPointer { l in b.withUnsafeBufferPointer { r in run(l, r) } }
        runOneSecond()
    }

    func run(_ l: UnsafeBufferPointer<IMUSample>, _ r: UnsafeBufferPointer<IMUSample>) {
        switch kind {
        case .shank: for s in l { shank.process(s) { _ in events += 1 } }
        case .sacrum: for s in l { sacrum.process(s) { _ in events += 1 } }
        case .twoShanks: two.feed(l, r)
        case .pipeline:
#if canImport(StrideDaemon)
            var i = 0
            while i < l.count {
                let end = min(l.count, i + 32)
                pipeline.process(.leftShank, UnsafeBufferPointer(rebasing: l[i..<end])) { _ in events += 1 }
                pipeline.process(.rightShank, UnsafeBufferPointer(rebasing: r[i..<end])) { _ in events += 1 }
                i = end
            }
#else
            two.feed(l, r)
#endif
        }
    }

    func runOneSecond() {
        let l = poolA.nextSecond()
        let r = kind == .twoShanks || kind == .pipeline ? poolB.nextSecond() : l
        run(l, r)
    }

    @inline(never)
    func measuredSeconds(_ n: Int) {
        for _ in 0..<n { runOneSecond() }
    }
}

let benchmarks: @Sendable () -> Void = {
    if let name = ProcessInfo.processInfo.environment["CORE_PER_SAMPLE_CALLGRIND"], let kind = CoreCase.Kind(rawValue: name) {
        let c = CoreCase(kind)
        c.measuredSeconds(60)
        print("callgrind case \(name): 60 s = \(60 * samplesPerIteration) samples per sensor, events \(c.events + c.two.outputs)")
        exit(0)
    }
    Benchmark.defaultConfiguration = .init(
        // Per iteration = 800 samples per sensor (1 s at 800 Hz).
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        maxDuration: .seconds(2),
        maxIterations: 1000
    )
    var kinds: [(CoreCase.Kind, String)] = [
        (.shank, "ShankEventDetector, 800 samples"),
        (.sacrum, "SacrumEventDetector, 800 samples"),
        (.twoShanks, "two shanks + EventMerger + StrideAnalyzer, 2 x 800 samples"),
    ]
#if canImport(StrideDaemon)
    kinds.append((.pipeline, "GaitPipeline two shanks + analyzer, 2 x 800 samples"))
#endif
    // Control: the same loop with no samples, to show the harness's own allocations.
    Benchmark("control: empty iteration") { benchmark in
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations { blackHole(i) }
        benchmark.stopMeasurement()
    }
    for (kind, title) in kinds {
        Benchmark(title) { benchmark, c in
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
