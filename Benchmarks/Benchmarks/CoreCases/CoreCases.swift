// The stride-core cases that CorePerSample times and CoreInstructions counts: the virtual
// runner's samples of one placement, generated once, and the detector, merger and analyser
// calls GaitPipeline makes, warmed up on 90 s of running. A library of its own so that the
// instruction counter links neither the benchmark harness nor its malloc interposer
// (valgrind crashes when the interposer's process starts a thread).
import Foundation
import HardwareSim
import StrideCore
#if canImport(StrideDaemon)
import StrideDaemon
#endif

/// Sample rate, Hz.
public let rateHz = 800.0
/// Samples per sensor per iteration (1 s).
public let samplesPerIteration = 800
/// Seconds of running fed before measuring.
public let warmUpSeconds = 90
/// Seconds of running generated (warm-up plus the measured pool).
public let generatedSeconds = 150

/// The runner's sensor-frame samples of one placement, generated once.
public func runnerSamples(_ placement: Placement) -> [IMUSample] {
    let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.appendingPathComponent("config/scenarios/steady-symmetric.yaml").path
    let scenario: Scenario
    do { scenario = try ScenarioParser.load(path: path) } catch {
        // Without its signals no case means anything: stop with the reason.
        fatalError("CoreCases: cannot load the scenario \(path): \(error)")
    }
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
public struct SamplePool {
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
public final class TwoShankCore {
    var left = ShankEventDetector(configuration: .init(side: .left, sampleRateHz: rateHz))
    var right = ShankEventDetector(configuration: .init(side: .right, sampleRateHz: rateHz))
    var merger = EventMerger(sources: 2, maximumLatencyNs: UInt64((ShankEventDetector.maximumLatencySeconds + 2) * 1e9), capacity: 128)
    var analyzer = StrideAnalyzer()
    public var outputs = 0

    public func feed(_ l: UnsafeBufferPointer<IMUSample>, _ r: UnsafeBufferPointer<IMUSample>) {
        // 32-sample drains, alternating legs, as the acquisition delivers them.
        var i = 0
        while i < l.count {
            let end = min(l.count, i + 32)
            Self.drain(UnsafeBufferPointer(rebasing: l[i..<end]), source: 0, &left, &merger, &analyzer, &outputs)
            Self.drain(UnsafeBufferPointer(rebasing: r[i..<end]), source: 1, &right, &merger, &analyzer, &outputs)
            i = end
        }
    }

    /// One drain of one leg. The state is passed inout so that each property is accessed
    /// once a drain: a class's stored property mutated once a sample would pay Swift's
    /// dynamic exclusivity check every time (about 100 instructions under callgrind), a
    /// cost of this harness that GaitPipeline does not have.
    static func drain(_ chunk: UnsafeBufferPointer<IMUSample>, source: Int, _ detector: inout ShankEventDetector,
                      _ merger: inout EventMerger, _ analyzer: inout StrideAnalyzer, _ outputs: inout Int) {
        guard let last = chunk.last else { return }
        for s in chunk {
            detector.process(s) { e in merger.add(e) { analyzer.process($0, activity: .running) { _ in outputs += 1 } } }
        }
        merger.advance(source, toNs: last.timeNs) { analyzer.process($0, activity: .running) { _ in outputs += 1 } }
    }
}

/// One case's state, built in setup.
public final class CoreCase {
    public enum Kind: String, CaseIterable {
        case shank, sacrum, twoShanks, pipeline

        /// The cases this build can run: GaitPipeline only when StrideDaemon is importable.
        public static var available: [Kind] {
#if canImport(StrideDaemon)
            allCases
#else
            allCases.filter { $0 != .pipeline }
#endif
        }
    }
    public let kind: Kind
    var shank = ShankEventDetector(configuration: .init(side: .left, sampleRateHz: rateHz))
    var sacrum = SacrumEventDetector(configuration: .init(sampleRateHz: rateHz, mounting: .xUpYForward))
    public var two = TwoShankCore()
#if canImport(StrideDaemon)
    let pipeline = GaitPipeline(placements: [(.leftShank, sampleRateHz: rateHz), (.rightShank, sampleRateHz: rateHz)],
                                analyzer: StrideAnalyzerConfiguration())
#endif
    var poolA: SamplePool
    var poolB: SamplePool
    public var events = 0

    public init(_ kind: Kind) {
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
        case .shank: Self.feed(l, &shank, &events)
        case .sacrum: Self.feed(l, &sacrum, &events)
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

    /// One detector over a buffer, its state accessed once (see TwoShankCore.drain).
    static func feed(_ samples: UnsafeBufferPointer<IMUSample>, _ detector: inout ShankEventDetector, _ events: inout Int) {
        for s in samples { detector.process(s) { _ in events += 1 } }
    }

    static func feed(_ samples: UnsafeBufferPointer<IMUSample>, _ detector: inout SacrumEventDetector, _ events: inout Int) {
        for s in samples { detector.process(s) { _ in events += 1 } }
    }

    public func runOneSecond() {
        let l = poolA.nextSecond()
        let r = kind == .twoShanks || kind == .pipeline ? poolB.nextSecond() : l
        run(l, r)
    }

    @inline(never)
    public func measuredSeconds(_ n: Int) {
        for _ in 0..<n { runOneSecond() }
    }
}

