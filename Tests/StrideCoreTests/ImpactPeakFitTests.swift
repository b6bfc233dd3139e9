import Foundation
import StrideCore
import Testing

/// The sub-sample impact peak (ImpactPeakFit) against peaks whose true value is known.
@Suite struct ImpactPeakFitTests {
    /// The highest of `values` and the closure ImpactPeakFit reads around it.
    private func around(_ values: [Double]) -> (index: Int, sample: (Int) -> Double) {
        let p = values.indices.max { values[$0] < values[$1] }!
        return (p, { values[p + $0] })
    }

    @Test func recoversAnExactHalfKinkAtEveryPhase() throws {
        // A − a(x0 − x)² before the peak, A − b(x − x0) after, peak between samples.
        let peak = 10.0, curvature = 0.4, slope = 1.6
        for i in 0..<20 {
            let x0 = 20 + Double(i) / 20
            let values = (0..<40).map { k -> Double in
                let d = Double(k) - x0
                return d <= 0 ? peak - curvature * d * d : peak - slope * d
            }
            let (p, sample) = around(values)
            let fit = try #require(ImpactPeakFit.peak(halfWidth: 2, sample: sample))
            #expect(abs(fit.value - peak) < 2e-3, "phase \(x0): \(fit.value)")
            #expect(abs(Double(p) + fit.offset - x0) < 0.01, "phase \(x0): offset \(fit.offset)")
        }
    }

    /// An impact like the virtual runner's (sin² rise to the peak, then a decaying 30 Hz
    /// ringing) on a slow 1 g background, sampled at `rateHz` with its peak at every
    /// phase: the fit's per-peak error spread must be well below the three-point
    /// parabola's, which is what the windowed PTA symmetry index suffers from.
    @Test(arguments: [800.0, 1000.0, 1600.0])
    func beatsTheParabolaOnASampledImpact(rateHz: Double) throws {
        let rise = 0.010, decay = 0.008, ringHz = 30.0, amplitude = 9.0
        func signal(_ u: Double) -> Double {
            let background = 1 + 0.5 * u  // a slow drift under the impact (g, g/s)
            guard u >= 0 else { return background }
            if u < rise { let s = sin(0.5 * .pi * u / rise); return background + amplitude * s * s }
            let v = u - rise
            return background + amplitude * exp(-v / decay) * cos(2 * .pi * ringHz * v)
        }
        // The true peak: a fine search (the background's slope moves it past the kink slightly).
        var truth = -Double.infinity
        var u = 0.0
        while u < rise + 0.002 { truth = max(truth, signal(u)); u += 1e-7 }
        let h = 1 / rateHz
        var fitErrors: [Double] = [], parabolaErrors: [Double] = []
        for i in 0..<64 {
            let phase = Double(i) / 64 * h
            let values = (0..<60).map { signal(Double($0) * h - 0.02 - phase) }
            let (p, sample) = around(values)
            let w = ImpactPeakFit.halfWidthSamples(sampleRateHz: rateHz)
            let fit = try #require(ImpactPeakFit.peak(halfWidth: w, sample: sample))
            fitErrors.append(100 * (fit.value - truth) / truth)
            let a = values[p - 1], b = values[p], c = values[p + 1]
            let offset = max(-0.5, min(0.5, 0.5 * (a - c) / (a - 2 * b + c)))
            parabolaErrors.append(100 * (b - 0.25 * (a - c) * offset - truth) / truth)
        }
        func spread(_ xs: [Double]) -> Double { xs.max()! - xs.min()! }
        print("[ImpactPeakFit \(Int(rateHz)) Hz] error range over phases: fit \(fitErrors.min()!)…\(fitErrors.max()!) %, parabola \(parabolaErrors.min()!)…\(parabolaErrors.max()!) %")
        #expect(fitErrors.allSatisfy { abs($0) < 0.5 }, "fit errors \(fitErrors)")
        #expect(spread(fitErrors) < 0.4 * spread(parabolaErrors))
    }

    @Test func readsASmoothCapAsItsParabola() throws {
        // A symmetric smooth peak (no kink) is a parabola, whose vertex is exact.
        let values = (0..<30).map { k -> Double in let d = Double(k) - 15.3; return 8 - 0.3 * d * d }
        let (_, sample) = around(values)
        let fit = try #require(ImpactPeakFit.peak(halfWidth: 2, sample: sample))
        #expect(abs(fit.value - 8) < 1e-9)
        #expect(abs(fit.offset - 0.3) < 1e-9)
    }

    @Test func readsAFlatTopAsItsLevel() throws {
        let fit = try #require(ImpactPeakFit.peak(halfWidth: 2) { _ in 5 })
        #expect(fit.value == 5)
    }

    @Test func givesUpWhenNothingFallsAfterTheTop() {
        // Rising on both sides of "the top" (a mis-chosen sample): no falling flank fits.
        #expect(ImpactPeakFit.peak(halfWidth: 2) { 2 * Double($0) } == nil)
    }
}
