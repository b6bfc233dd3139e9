import HardwareSim
import StrideCore
import Testing

// The virtual runner's stride-to-stride variability as the core measures it, the figures
// the drift detector's false-alarm and detection times rest on: per-leg coefficient of
// variation of contact time and PTA, the correlation of a leg's successive strides, and
// the spread of the stride-pair SI, per pair and over the long run (batch means of 32
// pairs, × √32: equal to the per-pair σ for uncorrelated pairs, larger when slow
// per-leg wander carries from pair to pair).
//
// The runner draws each contact's contact time and PTA independently (GaitTimeline:
// Variability.typical, CV 2.5 % and 8 %, no correlation between strides). DriftScenarioTests'
// SynthRunner (StrideCoreTests) adds slow per-leg wander; StrideSynthRunnerTests prints the
// same figures for it, so the two can be compared line by line.
//
// Run: swift test --filter StrideVariabilityOnRunnerTests

/// Stride-to-stride figures of one metric.
struct StrideSeriesFigures: CustomStringConvertible {
    var cv: [Side: Double] = [:]
    /// Correlation of a leg's successive strides (lag 1), mean of both legs.
    var lag1 = 0.0
    /// Correlation of the left and right values within a stride pair.
    var leftRight = 0.0
    /// σ of the stride-pair SI, points.
    var pairSigma = 0.0
    /// Long-run σ of the pair SI (batch means), points.
    var pairLongRunSigma = 0.0
    var pairs = 0

    var description: String {
        func r(_ x: Double, _ d: Double = 100) -> String { String((x * d).rounded() / d) }
        return "CV L \(r(100 * (cv[.left] ?? .nan))) %, R \(r(100 * (cv[.right] ?? .nan))) %; lag-1 r \(r(lag1)); L-R r \(r(leftRight)); "
            + "pair SI σ \(r(pairSigma)) points, long-run σ \(r(pairLongRunSigma)) points (\(pairs) pairs)"
    }

    /// Pairs per batch for the long-run σ: a 32-step SI window (SymmetryWindow's default).
    static let batchPairs = 32

    /// Figures from each leg's values in stride order, paired by order (`pairs[i]` = the
    /// i-th left and right value).
    init(left: [Double], right: [Double]) {
        func meanOf(_ x: ArraySlice<Double>) -> Double { x.reduce(0, +) / Double(x.count) }
        func sd(_ x: ArraySlice<Double>) -> Double {
            let m = meanOf(x)
            return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
        }
        func correlation(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
            let ma = meanOf(a), mb = meanOf(b)
            var sab = 0.0, saa = 0.0, sbb = 0.0
            for (x, y) in zip(a, b) {
                sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb)
            }
            return sab / (saa * sbb).squareRoot()
        }
        cv[.left] = sd(left[...]) / meanOf(left[...])
        cv[.right] = sd(right[...]) / meanOf(right[...])
        lag1 = (correlation(left.dropLast(), left.dropFirst()) + correlation(right.dropLast(), right.dropFirst())) / 2
        let n = Swift.min(left.count, right.count)
        pairs = n
        leftRight = correlation(left.prefix(n), right.prefix(n))
        let si = (0..<n).map { symmetryIndex(left[$0], right[$0]) }
        pairSigma = sd(si[...])
        let batches = stride(from: 0, to: n - Self.batchPairs + 1, by: Self.batchPairs).map { meanOf(si[$0..<($0 + Self.batchPairs)]) }
        pairLongRunSigma = sd(batches[...]) * Double(Self.batchPairs).squareRoot()
    }
}

@Suite("Stride-to-stride variability of the virtual runner")
struct StrideVariabilityOnRunnerTests {
    @Test func isUncorrelatedWithTheModelsCVs() throws {
        // 20 minutes of steady running at 3.3 m/s; strides from minute 1 (the baseline's
        // warm-up) on. Seed 5: not the scenario's own, to show nothing hinges on it.
        var s = try scenario("steady-symmetric", seed: 5)
        s.durationMin = 21
        let runner = VirtualRunner(scenario: s)
        let run = analyse(runDetectors(runner, FeedOptions(rateHz: 800, fromS: -1, toS: s.durationS)), keepStrides: true)
        let from = runner.ns(60)
        let good = run.strides.filter { $0.quality.isGood && $0.startNs >= from }
        let truth = runner.recordGroundTruth().strides.filter { $0.activity == .running && $0.steady && $0.icNs >= from }
        let v = runner.scenario.variability
        print("runner model (Variability.typical): contact-time CV \(100 * v.contactTimeCV) %, PTA CV \(100 * v.ptaCV) %, strides independent")
        for (metric, name, truthValue) in [(StrideMetric.contactTime, "contact time", { (t: StrideTruth) in t.contactTimeS }),
                                           (.peakTibialAcceleration, "PTA", { (t: StrideTruth) in t.ptaG })] {
            func series(_ side: Side) -> [Double] { good.filter { $0.side == side }.compactMap { $0.value(metric) } }
            let measured = StrideSeriesFigures(left: series(.left), right: series(.right))
            let intended = StrideSeriesFigures(left: truth.filter { $0.side == .left }.map(truthValue),
                                               right: truth.filter { $0.side == .right }.map(truthValue))
            print("runner \(name), measured by the core: \(measured)")
            print("runner \(name), the runner's truth:    \(intended)")
            #expect(measured.pairs > 1500)
            // Independent strides: no lag-1 correlation beyond sampling noise (3/√n ≈ 0.075),
            // and the long-run σ of the pair SI is the per-pair σ (within the ~±25 % a σ from
            // ~55 batches has at 2 standard errors).
            #expect(abs(measured.lag1) < 0.08, "\(name) lag-1 r \(measured.lag1)")
            #expect(abs(measured.leftRight) < 0.08, "\(name) L-R r \(measured.leftRight)")
            let ratio = measured.pairLongRunSigma / measured.pairSigma
            #expect(ratio > 0.75 && ratio < 1.25, "\(name) long-run / per-pair σ \(ratio)")
            // The core measures about the model's CV: the detector and the chip add little.
            let modelCV = metric == .contactTime ? v.contactTimeCV : v.ptaCV
            for side in [Side.left, .right] {
                let cv = measured.cv[side] ?? 0
                #expect(cv > 0.9 * modelCV && cv < 1.25 * modelCV, "\(name) \(side) CV \(cv)")
            }
        }
    }
}
