import HardwareSim
import StrideCore
import Testing

// Where the windowed PTA symmetry error comes from (issue 3), one part at a time:
// 1. the sub-sample peak estimate: ImpactPeakFit against the three-point parabola on the
//    runner's sampled impacts, read along the true axis (no calibration involved);
// 2. the axis calibration: with a noiseless signal quantised to 49 mg the standing gravity
//    is rounded with nothing to dither it, so each leg's axis tilts by its own rounding and
//    its PTA by its own offset; one LSB of sensor noise mostly removes that;
// 3. the window statistic: the median of 16 strides a leg against a mean of the middle
//    half and the mean, applied alike to truth and measurement on the same strides (the
//    core now takes the mean of the middle three quarters, SymmetryWindow.legSummary);
// 4. the chip's own noise, the ADXL375's against the LSM6DSO32's (ChipNoiseFloorOnRunnerTests).
// Run: swift test --filter PTAErrorSourcesOnRunnerTests   (figures printed, one line each)

private func standardDeviation(_ xs: [Double]) -> Double {
    let m = mean(xs)
    return (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(Swift.max(1, xs.count - 1))).squareRoot()
}

/// Mean of the middle half (a 25 % trimmed mean).
private func middleHalfMean(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    let cut = s.count / 4
    let middle = s[cut..<(s.count - cut)]
    return middle.reduce(0, +) / Double(middle.count)
}

private func threePointVertex(_ a: Double, _ b: Double, _ c: Double) -> Double {
    let den = a - 2 * b + c
    guard den < 0 else { return b }
    let offset = Swift.max(-0.5, Swift.min(0.5, 0.5 * (a - c) / den))
    return b - 0.25 * (a - c) * offset
}

/// Steady, matched, unclipped stances of a run fed as the tests feed it.
private func steadyStances(_ scenario: Scenario, _ c: Case) -> [MatchedStance] {
    let runner = VirtualRunner(scenario: scenario)
    let options = FeedOptions(rateHz: c.rateHz, fromS: -1, toS: c.toS, chip: c.chip, gyro: c.gyro)
    let detected = runDetectors(runner, options)
    let truth = runner.recordGroundTruth(untilNs: runner.ns(c.toS + 3))
    let (_, matched) = score(detected, truth: truth, fromNs: runner.ns(0), toNs: runner.ns(c.toS - 1.5))
    return matched.filter { $0.truthStride?.steady == true && $0.detectedTO != nil && !$0.detectedClipped }
}

private func signedErrorsPct(_ stances: [MatchedStance], _ side: Side) -> [Double] {
    stances.filter { $0.side == side }.map { 100 * (Double($0.detectedPeakG) - Double($0.truthPeakG)) / Double($0.truthPeakG) }
}

/// |SI measured − SI true| of PTA in consecutive 32-step windows of `stances`, each leg
/// summarised by `statistic` alike for truth and measurement.
private func windowSIErrorsOfPTA(_ stances: [MatchedStance], _ statistic: ([Double]) -> Double) -> [Double] {
    windowSIErrors(stances, statistic: statistic, measured: { Double($0.detectedPeakG) }, truth: { Double($0.truthPeakG) })
}

private func r3(_ x: Double) -> String { String((x * 1000).rounded() / 1000) }

// Parts 1-3 feed the ADXL375's quantisation without its noise, to see each part alone.
let errorSourceCases: [Case] = [
    Case(scenario: "steady-symmetric", rateHz: 800, chip: FeedChip.adxl375.noiseless, toS: 180),
    Case(scenario: "steady-symmetric", rateHz: 1600, chip: FeedChip.adxl375.noiseless, seed: 4242, toS: 180),
    Case(scenario: "hills", rateHz: 800, chip: FeedChip.adxl375.noiseless, seed: 3, toS: 300),
]

@Suite("Sources of the PTA symmetry error on the virtual runner")
struct PTAErrorSourcesOnRunnerTests {
    @Test(arguments: errorSourceCases)
    func theHalfKinkFitSpreadsLessThanTheParabola(_ c: Case) throws {
        let scenario = try c.loadScenario()
        let stances = steadyStances(scenario, c)
        // The same impacts sampled on the feed's grid, quantised, read along the true axis.
        let runner = VirtualRunner(scenario: scenario)
        let periodNs = UInt64((1e9 / c.rateHz).rounded())
        let gridStartNs = runner.startNs - 1_000_000_000
        let w = ImpactPeakFit.halfWidthSamples(sampleRateHz: c.rateHz)
        for side in [Side.left, .right] {
            let source = runner.source(for: side == .left ? .leftShank : .rightShank)
            let axis = source.options.rotation.apply((1, 0, 0))
            var fitErrors: [Double] = [], parabolaErrors: [Double] = []
            for m in stances where m.side == side {
                var k = (m.truthIC - 3_000_000 - gridStartNs) / periodNs
                var ys: [Double] = []
                while gridStartNs + k * periodNs < m.truthIC + 30_000_000 {
                    let (a, _) = source.sample(atNs: gridStartNs + k * periodNs)
                    let chip = FeedChip.adxl375
                    func q(_ v: Float) -> Double { Double((Swift.max(-chip.rangeG, Swift.min(chip.rangeG, v)) / chip.gPerLSB).rounded() * chip.gPerLSB) }
                    ys.append(q(a.x) * axis.0 + q(a.y) * axis.1 + q(a.z) * axis.2)
                    k += 1
                }
                let p = ys.indices.max { ys[$0] < ys[$1] }!
                guard p > w, p + w < ys.count else { continue }
                let truth = Double(m.truthPeakG)
                let fit = try #require(ImpactPeakFit.peak(halfWidth: w) { ys[p + $0] })
                fitErrors.append(100 * (fit.value - truth) / truth)
                parabolaErrors.append(100 * (threePointVertex(ys[p - 1], ys[p], ys[p + 1]) - truth) / truth)
            }
            print("[\(c.testDescription)] true axis, \(side): PTA error half-kink fit mean \(r3(mean(fitErrors))) % sd \(r3(standardDeviation(fitErrors))) %; parabola mean \(r3(mean(parabolaErrors))) % sd \(r3(standardDeviation(parabolaErrors))) %; n \(fitErrors.count)")
            #expect(fitErrors.count > 150)
            #expect(standardDeviation(fitErrors) < 0.5 * standardDeviation(parabolaErrors), "\(side)")
            #expect(abs(mean(fitErrors)) < 0.3, "\(side) fit bias \(mean(fitErrors)) %")
        }
    }

    @Test(arguments: errorSourceCases)
    func unditheredQuantisationOffsetsEachLegsAxis(_ c: Case) throws {
        var scenario = try c.loadScenario()
        let plain = steadyStances(scenario, c)
        // One LSB of white noise per axis: the least a real chip shows (the ADXL34x family's
        // datasheets give 1.1-1.5 LSB rms at 100-400 Hz, rising √2 per doubling of the rate).
        for placement in [Placement.leftShank, .rightShank] {
            var o = scenario.sensorOptions(for: placement)
            o.noiseG = Double(FeedChip.adxl375.gPerLSB)
            scenario.sensors[placement] = o
        }
        let dithered = steadyStances(scenario, c)
        func legGap(_ s: [MatchedStance]) -> Double { mean(signedErrorsPct(s, .left)) - mean(signedErrorsPct(s, .right)) }
        for (name, s) in [("noiseless", plain), ("1 LSB noise", dithered)] {
            let l = signedErrorsPct(s, .left), r = signedErrorsPct(s, .right)
            print("[\(c.testDescription)] \(name): detector PTA error left mean \(r3(mean(l))) % sd \(r3(standardDeviation(l))) %, right mean \(r3(mean(r))) % sd \(r3(standardDeviation(r))) %, left − right \(r3(legGap(s))) %")
            // The window statistic, applied alike to truth and measurement.
            let statistics: [(String, ([Double]) -> Double)] = [("median", median), ("middle-half mean", middleHalfMean), ("mean", mean)]
            for (statName, statistic) in statistics {
                let errors = windowSIErrorsOfPTA(s, statistic)
                print("[\(c.testDescription)] \(name), window \(statName): SI(pta) error mean \(r3(mean(errors))) pp, max \(r3(errors.max() ?? .nan)) pp, windows \(errors.count)")
            }
        }
        // The noiseless feed's leg offset is the rounding of each leg's standing gravity
        // (default mountings: about +0.45 % left, +0.1 % right), the same in every case.
        // With noise it shrinks (measured 2026-11-27: 0.01 % and −0.06 % left − right)
        // but not everywhere: steady-symmetric at 800 Hz keeps −0.21 %, not yet explained,
        // so only the noiseless offset is asserted here.
        #expect(legGap(plain) > 0.25, "noiseless leg gap \(legGap(plain)) %")
        #expect(abs(legGap(dithered)) < abs(legGap(plain)), "dithered leg gap \(legGap(dithered)) %")
    }
}

@Suite("The chip's noise floor and the windowed symmetry")
struct ChipNoiseFloorOnRunnerTests {
    // 4. the chip: through the ADXL375's noise (≈ 0.1 g rms at 800 Hz) each stride's PTA
    //    scatters by ≈ 1 %, and no window statistic of 16 strides a leg averages that under
    //    0.5 points in every window; through the LSM6DSO32's (≈ 4 mg) it scatters by < 0.1 %.
    @Test(arguments: [Case(scenario: "steady-symmetric", rateHz: 800, toS: 240), Case(scenario: "hills", rateHz: 800, seed: 3, toS: 300)])
    func theADXL375sNoiseNotTheMethodLimitsTheWindows(_ c: Case) throws {
        let scenario = try c.loadScenario()
        var spread: [String: Double] = [:]
        var worstWindow: [String: Double] = [:]
        for (chip, rate) in [(FeedChip.adxl375, c.rateHz), (FeedChip.lsm6dso32, 833.0)] {
            let s = steadyStances(scenario, Case(scenario: c.scenario, rateHz: rate, chip: chip, seed: c.seed, toS: c.toS))
            let errors = signedErrorsPct(s, .left) + signedErrorsPct(s, .right)
            spread[chip.name] = standardDeviation(errors)
            print("[\(c.scenario) \(chip) @\(Int(rate)) Hz, noise \(r3(chip.noiseG(rateHz: rate))) g] per-stride PTA error sd \(r3(standardDeviation(errors))) %, bias left \(r3(mean(signedErrorsPct(s, .left)))) % right \(r3(mean(signedErrorsPct(s, .right)))) %")
            let statistics: [(String, ([Double]) -> Double)] = [
                ("of the core (mean of the middle 12 of 16)", legSummary), ("median", median),
                ("middle-half mean", middleHalfMean), ("mean", mean),
            ]
            for (name, statistic) in statistics {
                let errors = windowSIErrorsOfPTA(s, statistic)
                if name.hasPrefix("of the core") { worstWindow[chip.name] = errors.max() }
                print("[\(c.scenario) \(chip)] window \(name): SI(pta) error mean \(r3(mean(errors))) pp, max \(r3(errors.max() ?? .nan)) pp, windows \(errors.count)")
            }
        }
        let adxl = try #require(spread["ADXL375"]), lsm = try #require(spread["LSM6DSO32"])
        #expect(adxl > 5 * lsm, "per-stride PTA spread ADXL375 \(adxl) % vs LSM6DSO32 \(lsm) %")
        #expect((worstWindow["LSM6DSO32"] ?? .infinity) <= 0.5)
        #expect((worstWindow["ADXL375"] ?? 0) > 0.5)
    }
}
