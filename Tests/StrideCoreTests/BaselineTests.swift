import Foundation
import StrideCore
import Testing

@Suite struct BaselineTests {
    @Test func medianAndMADMatchSorting() {
        var rng = SeededRNG(seed: 3)
        for n in [1, 2, 3, 4, 5, 16, 17, 100, 101, 999] {
            let data = (0..<n).map { _ in rng.gaussian() * 10 + 50 }
            var a = ContiguousArray(data)
            var scratch = ContiguousArray(repeating: 0.0, count: n)
            let r = RobustStatistics.medianAndMAD(&a, count: n, scratch: &scratch)
            let sorted = data.sorted()
            let med = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
            let dev = data.map { abs($0 - med) }.sorted()
            let mad = n % 2 == 1 ? dev[n / 2] : (dev[n / 2 - 1] + dev[n / 2]) / 2
            #expect(r?.median == med)
            #expect(r?.mad == mad)
        }
        var exact: ContiguousArray<Double> = [4, 1, 3, 2, 100]
        var s = ContiguousArray(repeating: 0.0, count: 5)
        let r = RobustStatistics.medianAndMAD(&exact, count: 5, scratch: &s)
        #expect(r?.median == 3)
        #expect(r?.mad == 1)  // |4−3|,|1−3|,0,|2−3|,97 → 1
    }

    /// Feeds `learner` a stride every 350 ms, legs alternating, with the metrics, cadence
    /// and speed `stride` gives for its time (s; stride time follows the cadence), until it
    /// has learnt; `each` sees the learner before each stride is added.
    static func learn(_ learner: inout BaselineLearner,
                      each: (BaselineLearner, Double) -> Void = { _, _ in },
                      stride: (Double) -> (MetricVector, cadence: Double, speed: Double?)) -> BaselineModel? {
        var t: UInt64 = 0
        var added = 0
        while t < 2_000_000_000_000 {
            t += 350_000_000
            var (m, cadence, speed) = stride(Double(t) * 1e-9)
            m[.strideTime] = 120_000 / cadence
            let s = StrideRecord(side: added % 2 == 0 ? .left : .right, index: added, startNs: t, endNs: t + 700_000_000,
                                 metrics: m, rawPeakG: 0, peakClipped: false, quality: [])
            learner.advance(runningNs: t)
            each(learner, Double(t) * 1e-9)
            learner.add(s, cadence: cadence, speed: speed)
            added += 1
            if let model = learner.finishIfDue(runningNs: t, nowNs: t) { return model }
        }
        return nil
    }

    /// With a speed (from a treadmill or GNSS), the regression takes the part of PTA that
    /// speed explains beyond cadence (speed and cadence explain 20-30 % of PTA's variance,
    /// issue 3): PTA rising 1.5 g per m/s with cadence changing independently is learnt
    /// as such, and the expected PTA at another speed follows.
    @Test func learnerSeparatesSpeedFromCadence() {
        var learner = BaselineLearner(configuration: BaselineConfiguration(warmupSeconds: 10, learnSeconds: 300))
        var rng = SeededRNG(seed: 8)
        let model = Self.learn(&learner) { seconds in
            let speed = 3.2 + 0.4 * sin(seconds / 25)              // pace changes, ±0.4 m/s
            let cadence = 170 + 4 * sin(seconds / 11 + 1)          // cadence varying on its own
            var m = MetricVector()
            m[.peakTibialAcceleration] = 10 + 1.5 * (speed - 3.2) - 0.05 * (cadence - 170) + 0.3 * rng.gaussian()
            return (m, cadence, speed)
        }
        guard let model, let s0 = model.speedMetresPerSecond else {
            Issue.record("no baseline with a speed reference")
            return
        }
        let b = model.leg(0, .peakTibialAcceleration)
        print("speed fit: speed slope \(b.speedSlope) g per m/s, cadence slope \(b.cadenceSlope) g/spm, reference \(s0) m/s")
        // The speed ridge (0.01 (m/s)² a stride, against this run's speed variance of 0.08)
        // shrinks the slope by about a tenth, by design: measured 1.40.
        #expect(b.speedSlope > 1.25 && b.speedSlope < 1.55)
        #expect(abs(b.cadenceSlope + 0.05) < 0.02)
        // Expected PTA half a metre per second faster, at the reference cadence: the slope's
        // worth more (0.75 g without the shrinkage).
        let c0 = model.cadenceStepsPerMinute
        let gain = model.expected(0, .peakTibialAcceleration, cadence: c0, speed: s0 + 0.5)
            - model.expected(0, .peakTibialAcceleration, cadence: c0, speed: s0)
        #expect(abs(gain - 0.5 * b.speedSlope) < 1e-9 && gain > 0.6)
        // A stride without a speed is expected as at the reference speed.
        #expect(model.expected(0, .peakTibialAcceleration, cadence: c0, speed: nil)
            == model.expected(0, .peakTibialAcceleration, cadence: c0, speed: s0))
    }

    /// A learner fed strides whose metric is linear in cadence recovers level, slope and
    /// spread; the warm-up is skipped.
    @Test func learnerRecoversLevelSlopeAndSpread() {
        var learner = BaselineLearner(configuration: BaselineConfiguration(warmupSeconds: 60, learnSeconds: 300))
        var rng = SeededRNG(seed: 5)
        let model = Self.learn(&learner, each: { learner, seconds in
            if seconds < 60 { #expect(learner.phase == .warmingUp) }
        }) { seconds in
            let cadence = 170 + 6 * sin(seconds / 40)  // slow pace changes, ±6 spm
            var m = MetricVector()
            m[.contactTime] = 230 - 3 * (cadence - 170) + 9 * rng.gaussian()
            return (m, cadence, nil)
        }
        guard let b = model?.leg(0, .contactTime) else {
            Issue.record("no baseline")
            return
        }
        print("baseline fit: count \(b.count) intercept \(b.intercept) slope \(b.cadenceSlope) ms/spm σ \(b.residualSigma) long-run σ \(b.longRunSigma)")
        #expect(abs(b.cadenceSlope + 3) < 0.2)
        #expect(abs(b.intercept - 230) < 1.5)
        #expect(abs(b.residualSigma - 9) < 1.5)
        #expect(b.longRunSigma >= b.residualSigma)
        #expect(learner.phase == .learnt)
    }

    /// On the synthetic runner the per-runner regression learns the speed-driven cadence
    /// dependence of contact time and PTA (truth: −3.2 ms and +0.28 g per step/min).
    @Test func syntheticRunnerCadenceCorrection() {
        var rng = SeededRNG(seed: 9)
        var runner = SynthRunner(seed: 9)
        let log = analyse(&runner, SynthRunner.varied(hours: 0.3, rng: &rng))
        guard let m = log.baseline else {
            Issue.record("no baseline")
            return
        }
        for metric in [StrideMetric.contactTime, .peakTibialAcceleration, .loadingRate, .flightTime] {
            let l = m.leg(0, metric)
            let p = m.pairSymmetry[metric.rawValue]
            print("synthetic baseline \(metric.label): median \(l.median) slope \(l.cadenceSlope)/spm σ \(l.residualSigma) long-run σ \(l.longRunSigma); pair SI median \(p.median) σ \(p.sigma) long-run \(p.longRunSigma)")
        }
        print("cadence ref \(m.cadenceStepsPerMinute) range \(m.cadenceLow)-\(m.cadenceHigh)")
        #expect(abs(m.leg(0, .contactTime).cadenceSlope + 3.2) < 0.8)
        #expect(abs(m.leg(1, .peakTibialAcceleration).cadenceSlope - 0.28) < 0.1)
    }
}
