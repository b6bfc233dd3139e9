import Foundation
import StrideCore
import Testing

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny seeded generator so runs are reproducible.
struct SeededRNG: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Standard normal by Box-Muller.
    mutating func gaussian() -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
    mutating func uniform(_ r: ClosedRange<Double>) -> Double { Double.random(in: r, using: &self) }
}

/// One block of a synthetic session.
enum SynthSegment {
    /// Running at a speed, km/h, for a duration, s.
    case run(kmh: Double, seconds: Double)
    /// Walking for a duration, s.
    case walk(seconds: Double)
    /// Standing still (no events), s.
    case stop(seconds: Double)
}

/// An event-level virtual runner for the core's tests: step-by-step gait events with
/// realistic stride-to-stride variability, speed-dependent cadence, contact time and PTA,
/// slow correlated fluctuations, stops and walking breaks, and per-leg drift factors.
///
/// Model (values from running-gait-facts.md and the issue): cadence ~170 steps/min at
/// 12 km/h, +2.5 steps/min per km/h; contact 225 ms at 12 km/h, −8 ms per km/h; PTA 9 g at
/// 12 km/h, +0.7 g per km/h; loading rate = PTA / rise time (20 ms). Stride-to-stride CV:
/// step time 2 %, contact time 4 %, PTA 9 %, rise time 6 %. Each noise is 75 % white, 15 %
/// a slow AR(1) shared by both legs and by step time, contact time and PTA (φ = 0.98: the
/// runner's cadence wander at a given pace; a slower cadence lengthens contact and raises
/// impact, Heiderscheit et al. 2011), and 10 % a per-leg AR(1) (φ = 0.9).
struct SynthRunner {
    var cadenceAt12 = 170.0, cadencePerKmh = 2.5
    var contactAt12Ms = 225.0, contactPerKmhMs = -8.0
    var ptaAt12 = 9.0, ptaPerKmh = 0.7
    var riseMs = 20.0
    var cvStep = 0.02, cvContact = 0.04, cvPTA = 0.09, cvRise = 0.06
    /// Baseline per-leg factors (healthy asymmetry): [left, right].
    var contactLeg = [1.0, 1.0], ptaLeg = [1.0, 1.0]
    /// Drift factor per leg as a function of session time (s).
    var contactDrift: (Int, Double) -> Double = { _, _ in 1 }
    var ptaDrift: (Int, Double) -> Double = { _, _ in 1 }
    /// Strides after a restart that look like an acceleration (contact +15 %, PTA −10 %).
    var accelerationSteps = 12

    var rng: SeededRNG
    private var arCommon = 0.0               // shared by step, contact, PTA and both legs
    private var arLeg = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]

    init(seed: UInt64) { rng = SeededRNG(seed: seed) }

    private mutating func noise(_ k: Int, leg: Int) -> Double {
        // The shared wander advances once a step (on the step-time draw, k = 0).
        if k == 0 { arCommon = 0.98 * arCommon + (1 - 0.98 * 0.98).squareRoot() * rng.gaussian() }
        arLeg[leg][k] = 0.9 * arLeg[leg][k] + (1 - 0.81).squareRoot() * rng.gaussian()
        return 0.75.squareRoot() * rng.gaussian() + 0.15.squareRoot() * arCommon + 0.10.squareRoot() * arLeg[leg][k]
    }

    /// Runs the session, calling `sink` with each event (in time order) and the activity a
    /// classifier would report. Returns the session's end time, ns.
    @discardableResult
    mutating func run(_ segments: [SynthSegment], startNs: UInt64 = 1_000_000_000,
                      sink: (GaitEvent, Activity) -> Void) -> UInt64 {
        var t = Double(startNs) * 1e-9
        var leg = 0
        var speed = 10.0
        var pendingTO: (Double, GaitEvent)? = nil
        var stepsSinceResume = 0
        var previous: SynthSegment? = nil
        for seg in segments {
            switch seg {
            case .stop(let s):
                if let (_, e) = pendingTO { sink(e, .unknown); pendingTO = nil }
                t += s
                stepsSinceResume = 0
            case .walk(let s):
                let end = t + s
                if case .walk? = previous {} else { stepsSinceResume = 0 }
                while t < end {
                    let step = 60.0 / 110 * (1 + 0.02 * rng.gaussian())
                    let contact = 0.65 * (1 + 0.03 * rng.gaussian())
                    let act: Activity = stepsSinceResume < 2 ? .unknown : .walking
                    if let (tt, e) = pendingTO, tt <= t { sink(e, act); pendingTO = nil }
                    let side: Side = leg == 0 ? .left : .right
                    sink(GaitEvent(kind: .initialContact, side: side, timeNs: UInt64(t * 1e9), peakG: 3, loadingRateGPerS: 60), act)
                    if let (_, e) = pendingTO { sink(e, act); pendingTO = nil }
                    pendingTO = (t + contact, GaitEvent(kind: .toeOff, side: side, timeNs: UInt64((t + contact) * 1e9)))
                    t += step
                    leg = 1 - leg
                    stepsSinceResume += 1
                }
            case .run(let target, let s):
                let end = t + s
                let from = speed
                let segStart = t
                if case .run? = previous {} else { stepsSinceResume = 0 }
                while t < end {
                    // 10 s linear speed transition between running blocks.
                    let f = Swift.min(1, (t - segStart) / 10)
                    speed = from + (target - from) * f
                    let cadence = cadenceAt12 + cadencePerKmh * (speed - 12)
                    let step = 60 / cadence * (1 + cvStep * noise(0, leg: leg))
                    var contact = (contactAt12Ms + contactPerKmhMs * (speed - 12)) * 1e-3
                        * contactLeg[leg] * contactDrift(leg, t) * (1 + cvContact * noise(1, leg: leg))
                    var pta = (ptaAt12 + ptaPerKmh * (speed - 12)) * ptaLeg[leg] * ptaDrift(leg, t)
                        * (1 + cvPTA * noise(2, leg: leg))
                    if stepsSinceResume < accelerationSteps {
                        contact *= 1.15
                        pta *= 0.9
                    }
                    contact = Swift.min(contact, step - 0.03)
                    pta = Swift.max(pta, 1)
                    let rise = riseMs * 1e-3 * (1 + cvRise * rng.gaussian())
                    let act: Activity = stepsSinceResume < 2 ? .unknown : .running
                    if let (_, e) = pendingTO { sink(e, act); pendingTO = nil }
                    let side: Side = leg == 0 ? .left : .right
                    sink(GaitEvent(kind: .initialContact, side: side, timeNs: UInt64(t * 1e9), peakG: Float(pta),
                                   clipped: false, loadingRateGPerS: Float(pta / rise)), act)
                    pendingTO = (t + contact, GaitEvent(kind: .toeOff, side: side, timeNs: UInt64((t + contact) * 1e9)))
                    t += step
                    leg = 1 - leg
                    stepsSinceResume += 1
                }
            }
            previous = seg
        }
        if let (_, e) = pendingTO { sink(e, .running) }
        return UInt64(t * 1e9)
    }

    /// A session of about `hours` hours: a 3 min easy warm-up, then running blocks of
    /// 2-8 min at 10-13.5 km/h, with a 1-2 min walking break or a 20-90 s stop every
    /// 20-40 min.
    static func varied(hours: Double, rng: inout SeededRNG) -> [SynthSegment] {
        var segs: [SynthSegment] = [.run(kmh: 10, seconds: 180)]
        var total = 180.0
        var nextBreak = rng.uniform(1200...2400)
        // Varied pace during the baseline period (first 10 min) as on a real run.
        while total < 600 {
            let s = rng.uniform(90...150)
            segs.append(.run(kmh: rng.uniform(10...13.5), seconds: s))
            total += s
        }
        while total < hours * 3600 {
            if total >= nextBreak {
                if rng.uniform(0...1) < 0.5 {
                    let s = rng.uniform(60...120); segs.append(.walk(seconds: s)); total += s
                } else {
                    let s = rng.uniform(20...90); segs.append(.stop(seconds: s)); total += s
                }
                nextBreak = total + rng.uniform(1200...2400)
            }
            let s = rng.uniform(120...480)
            segs.append(.run(kmh: rng.uniform(10...13.5), seconds: s))
            total += s
        }
        return segs
    }
}

/// Everything an analyser emitted in a session.
struct SessionLog {
    var strides: [StrideRecord] = []
    var windows: [SymmetryWindowReport] = []
    var baseline: BaselineModel?
    var alerts: [CompensationAlert] = []
    var runningSeconds = 0.0
    var peakRatio = 0.0
}

/// Runs an analyser over a synthetic session.
func analyse(_ runner: inout SynthRunner, _ segments: [SynthSegment],
             configuration: StrideAnalyzerConfiguration = StrideAnalyzerConfiguration(),
             keepStrides: Bool = false) -> SessionLog {
    var analyzer = StrideAnalyzer(configuration: configuration)
    var log = SessionLog()
    runner.run(segments) { event, activity in
        analyzer.process(event, activity: activity) { out in
            switch out {
            case .stride(let s): if keepStrides { log.strides.append(s) }
            case .window(let w): if keepStrides { log.windows.append(w) }
            case .baselineLearnt(let b): log.baseline = b
            case .alert(let a): log.alerts.append(a)
            }
        }
    }
    log.runningSeconds = Double(analyzer.runningNs) * 1e-9
    log.peakRatio = analyzer.compensationMonitor.peakRatio
    return log
}

@Suite struct StrideSynthRunnerTests {
    /// The generator's own figures match its model (so the scenario tests mean something).
    @Test func generatorVariability() {
        var runner = SynthRunner(seed: 7)
        let log = analyse(&runner, [.run(kmh: 12, seconds: 1200)], keepStrides: true)
        let good = log.strides.filter { $0.quality.isGood && $0.side == .left }
        let ct = good.compactMap { $0.value(.contactTime) }
        let pta = good.compactMap { $0.value(.peakTibialAcceleration) }
        func cv(_ x: [Double]) -> Double {
            let m = x.reduce(0, +) / Double(x.count)
            return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)).squareRoot() / m
        }
        let cadence = 60_000 / (good.compactMap { $0.value(.strideTime) }.reduce(0, +) / Double(good.count)) * 2
        print("synth: cadence \(cadence) steps/min, contact CV \(cv(ct)), PTA CV \(cv(pta)), good strides \(good.count)")
        #expect(abs(cadence - 170) < 2)
        #expect(cv(ct) > 0.03 && cv(ct) < 0.05)
        #expect(cv(pta) > 0.075 && cv(pta) < 0.105)
    }
}

/// The generator's stride-to-stride correlation, in the figures StrideVariabilityOnRunnerTests
/// (CoreOnRunnerTests) prints for the virtual runner: lag-1 correlation of a leg's
/// successive strides, left-right correlation within a pair, the pair SI's σ per pair and
/// over the long run (batch means of 32 pairs × √32).
@Suite struct SynthRunnerCorrelationTests {
    @Test func perLegWanderCarriesThePairSIFromPairToPair() {
        var runner = SynthRunner(seed: 7)
        let log = analyse(&runner, [.run(kmh: 12, seconds: 3600)], keepStrides: true)
        let good = log.strides.filter { $0.quality.isGood && Double($0.startNs) * 1e-9 > 61 }
        func mean(_ x: ArraySlice<Double>) -> Double { x.reduce(0, +) / Double(x.count) }
        func sd(_ x: ArraySlice<Double>) -> Double {
            let m = mean(x)
            return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
        }
        func correlation(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
            let ma = mean(a), mb = mean(b)
            var sab = 0.0, saa = 0.0, sbb = 0.0
            for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
            return sab / (saa * sbb).squareRoot()
        }
        for (metric, cv) in [(StrideMetric.contactTime, runner.cvContact), (.peakTibialAcceleration, runner.cvPTA)] {
            let l = good.filter { $0.side == .left }.compactMap { $0.value(metric) }
            let r = good.filter { $0.side == .right }.compactMap { $0.value(metric) }
            let n = min(l.count, r.count)
            let lag1 = (correlation(l.dropLast(), l.dropFirst()) + correlation(r.dropLast(), r.dropFirst())) / 2
            let lr = correlation(l.prefix(n), r.prefix(n))
            let si = (0..<n).compactMap { SymmetryIndex.percent(left: l[$0], right: r[$0]) }
            let batches = stride(from: 0, to: si.count - 31, by: 32).map { mean(si[$0..<($0 + 32)]) }
            let pairSigma = sd(si[...]), longRun = sd(batches[...]) * 32.0.squareRoot()
            print(String(format: "synth %@: CV %.1f %%, lag-1 r %.2f, L-R r %.2f, pair SI σ %.2f points, long-run σ %.2f points (%d pairs)",
                         metric.label, 100 * cv, lag1, lr, pairSigma, longRun, si.count))
            // The model (SynthRunner's doc): per-leg noise = √0.75 white + √0.15 shared AR(1)
            // (φ = 0.98 a step) + √0.10 per-leg AR(1) (φ = 0.9 a stride). Lag 1 (two steps):
            // 0.15·0.98² + 0.10·0.9 = 0.23; left-right (one step): 0.15·0.98 = 0.15. Pair SI
            // ≈ 100·cv·(uL − uR): per pair √(1.5 + 0.2 + 0.006) = 1.31·100·cv; long run, the
            // per-leg AR(1)'s (1 + φ)/(1 − φ) = 19 on its 0.2, less the bias of 32-pair batch
            // means (2φ(1 − φ³²)/(32(1 − φ)²) = 5.4): √(1.5 + 0.2·13.6) = 2.05·100·cv.
            #expect(abs(lag1 - 0.23) < 0.06, "\(metric.label) lag-1 r \(lag1)")
            #expect(abs(lr - 0.15) < 0.06, "\(metric.label) L-R r \(lr)")
            #expect(abs(pairSigma / (131 * cv) - 1) < 0.1, "\(metric.label) pair SI σ \(pairSigma)")
            #expect(abs(longRun / (205 * cv) - 1) < 0.3, "\(metric.label) long-run σ \(longRun)")
        }
    }
}
