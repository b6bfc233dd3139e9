import Hardware
import HardwareSim
import StrideCore

// Scoring the shank detector against the virtual runner's ground truth.
//
// Read this before trusting a figure: the runner is our own model (HardwareSim/Runner).
// Its true initial contact is, by construction, the start of a sin² impact rise, its true
// toe-off the centre of a 6 ms axial notch (and a kink of the shank's angular velocity),
// and its true PTA the peak of the noiseless body-frame axial signal. The detector looks
// for exactly these landmarks, so these figures measure the detector's signal processing
// (sampling, noise, quantisation, mounting rotation, loose-strap ringing), not its
// agreement with a force plate on real tibiae.

/// Where the package's files are (tests run from the package root or elsewhere).
enum Paths {
    static func scenario(_ name: String) -> String {
        let here = #filePath
        // …/Tests/CoreOnRunnerTests/RunnerEvaluation.swift → package root
        var parts = here.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/config/scenarios/\(name).yaml"
    }
}

/// The accelerometer a feed imitates: its scale factor, range and white noise.
///
/// The runner's signal is noiseless; a real chip adds its own noise, which both dithers
/// its quantisation (so the standing gravity that calibrates the axis is not rounded the
/// same way every time) and spreads each stride's peak. The noise over the output's
/// bandwidth, taken as half the data rate, is density × √(rate / 2).
struct FeedChip: Sendable, CustomStringConvertible {
    var name: String
    /// Scale factor, g per LSB.
    var gPerLSB: Float
    /// Measurement range, ± g; beyond it the sample is clipped and flagged.
    var rangeG: Float
    /// White-noise density per axis, g/√Hz.
    var noiseDensity: Double

    /// ADXL375: 49 mg/LSB and ±200 g (datasheet Table 1); its noise as the simulated chip
    /// adds it (`ChipModel.typicalNoiseDensityGPerRootHz`: 0.1 g rms, 2 LSB, at 800 Hz).
    static let adxl375 = FeedChip(name: "ADXL375", gPerLSB: 0.049, rangeG: 200,
                                  noiseDensity: ChipModel.adxl375.typicalNoiseDensityGPerRootHz)
    /// LSM6DSO32 at ±32 g: 0.976 mg/LSB (DS12814 §4.1); noise as above (4 mg rms at 833 Hz).
    static let lsm6dso32 = FeedChip(name: "LSM6DSO32", gPerLSB: 0.000976, rangeG: 32,
                                    noiseDensity: ChipModel.lsm6dso32.typicalNoiseDensityGPerRootHz)

    /// The chip with its noise switched off (quantisation and range only).
    var noiseless: FeedChip { FeedChip(name: name + " (noiseless)", gPerLSB: gPerLSB, rangeG: rangeG, noiseDensity: 0) }

    /// Noise per axis at `rateHz`, g rms.
    func noiseG(rateHz: Double) -> Double { noiseDensity * (rateHz / 2).squareRoot() }

    var description: String { name }
}

extension Case {
    /// The case's scenario file, with its seed when the case names one.
    func loadScenario() throws -> Scenario {
        var scenario = try ScenarioParser.load(path: Paths.scenario(self.scenario))
        if let s = seed { scenario.seed = s }
        return scenario
    }
}

/// How the runner's signal reaches the detector.
struct FeedOptions {
    /// Output data rate, Hz.
    var rateHz: Double = 800
    /// Scenario seconds fed: from (may be −1: the runner stands before the start) to.
    var fromS: Double = -1
    var toS: Double = 180
    /// The chip imitated (noise, quantisation, clipping); nil feeds the runner's signal as is.
    var chip: FeedChip? = .adxl375
    /// Mark samples `.hasGyro` (an LSM6DSO-class chip on the shank).
    var gyro = false
    /// Override the scenario's seed.
    var seed: UInt64?
}

/// Reads the runner's signal the way `chip` would: noise from its own stream, clipping
/// at the range (flagged), rounding to the LSB.
struct ChipReadout {
    let chip: FeedChip?
    let sigma: Double
    var noise: SimRandom

    init(_ chip: FeedChip?, rateHz: Double, seed: UInt64) {
        self.chip = chip
        sigma = chip?.noiseG(rateHz: rateHz) ?? 0
        noise = SimRandom(seed: seed)
    }

    /// The chip's reading of `a` (g), with `.clipped` added to `flags` when it clipped.
    mutating func read(_ a: Vector3, flags: inout SampleFlags) -> Vector3 {
        guard let chip else { return a }
        func one(_ v: Float) -> Float {
            let noisy = sigma > 0 ? v + Float(sigma * noise.gaussian()) : v
            let c = Swift.max(-chip.rangeG, Swift.min(chip.rangeG, noisy))
            if c != noisy { flags.insert(.clipped) }
            return (c / chip.gPerLSB).rounded() * chip.gPerLSB
        }
        return Vector3(x: one(a.x), y: one(a.y), z: one(a.z))
    }
}

/// Detected events of both legs.
struct Detected {
    var events: [Side: [GaitEvent]] = [.left: [], .right: []]
    var calibratedStanding: [Side: Bool] = [:]
}

/// One leg's shank detector fed the runner's sensor-frame signal through the chip of
/// `FeedOptions`, on the sample grid from `fromS`. A value: copy it to continue one feed
/// two ways (DriftTargetsOnRunnerTests' fork).
struct ShankFeed {
    var detector: ShankEventDetector
    var readout: ChipReadout
    var events: [GaitEvent] = []
    /// Time of the next sample, ns.
    var nextNs: UInt64
    let periodNs: UInt64
    let gyro: Bool

    init(_ runner: VirtualRunner, side: Side, _ o: FeedOptions) {
        detector = ShankEventDetector(configuration: .init(side: side, sampleRateHz: o.rateHz))
        // The chip's noise: its own reproducible stream per leg.
        readout = ChipReadout(o.chip, rateHz: o.rateHz, seed: (o.seed ?? runner.scenario.seed) &* 0x9e37_79b9 &+ (side == .left ? 1 : 2))
        nextNs = UInt64(Int64(runner.startNs) + Int64(o.fromS * 1e9))
        periodNs = UInt64((1e9 / o.rateHz).rounded())
        gyro = o.gyro
        events.reserveCapacity(Int((o.toS - o.fromS) * 4))
    }

    /// Feeds `source` up to `toNs`, calling `afterEach` with the detector after every sample.
    mutating func run(_ source: RunnerSignalSource, toNs: UInt64,
                      afterEach: (ShankEventDetector) -> Void = { _ in }) {
        while nextNs < toNs {
            var (a, g) = source.sample(atNs: nextNs)
            var flags: SampleFlags = gyro ? [.hasGyro] : []
            a = readout.read(a, flags: &flags)
            if !gyro { g = .zero }
            detector.process(IMUSample(timeNs: nextNs, accel: a, gyro: g, flags: flags)) { events.append($0) }
            afterEach(detector)
            nextNs += periodNs
        }
    }

    /// Decides what is pending (end of the feed).
    mutating func finish() { detector.finish { events.append($0) } }
}

/// Runs both shank detectors over the runner's sensor-frame samples.
func runDetectors(_ runner: VirtualRunner, _ o: FeedOptions) -> Detected {
    var out = Detected()
    for side in [Side.left, Side.right] {
        var feed = ShankFeed(runner, side: side, o)
        feed.run(runner.source(for: side == .left ? .leftShank : .rightShank), toNs: UInt64(Int64(runner.startNs) + Int64(o.toS * 1e9)))
        feed.finish()
        out.events[side] = feed.events
        out.calibratedStanding[side] = feed.detector.calibratedStanding
    }
    return out
}

/// One matched stance: detection and truth.
struct MatchedStance {
    var side: Side
    var truthIC: UInt64
    var detectedIC: UInt64
    var truthStride: StrideTruth?
    var detectedTO: UInt64?
    var detectedPeakG: Float
    var detectedClipped: Bool
    var truthPeakG: Float
    var detectedLoadingRate: Float = 0
    var truthLoadingRate: Float = 0
}

/// The figures the targets are stated in.
struct Figures {
    var detections = 0, truePositives = 0, truthICs = 0, matchedTruth = 0
    var icErrorsMs: [Double] = []          // absolute
    var icSignedMs: [Double] = []
    var contactErrorsMs: [Double] = []     // absolute
    var toSignedMs: [Double] = []
    var ptaErrorsPct: [Side: [Double]] = [.left: [], .right: []]
    var ptaSignedPct: [Double] = []
    /// |loading-rate error| per unclipped stance, %, per side (the truth: the noiseless
    /// axial rise from contact to peak over its duration, as the detector defines it).
    var loadingRateErrorsPct: [Side: [Double]] = [.left: [], .right: []]
    var loadingRateSignedPct: [Side: [Double]] = [.left: [], .right: []]
    var siErrors: [String: [Double]] = [:]  // metric → |SI_detected − SI_truth| per window
    var windows = 0
    var precision: Double { detections == 0 ? 0 : Double(truePositives) / Double(detections) }
    var recall: Double { truthICs == 0 ? 0 : Double(matchedTruth) / Double(truthICs) }
}

/// A leg's value over a window, as the core's SymmetryWindow takes it.
func legSummary(_ xs: [Double]) -> Double {
    var values = ContiguousArray(xs)
    return SymmetryWindow.legSummary(&values, count: values.count) ?? .nan
}

/// |SI measured − SI true| of one metric over consecutive, non-overlapping windows of
/// `siWindowSteps` stances (a window counts when each leg has at least 8 strides in it),
/// each leg summarised by `statistic` alike for measurement and truth (by default as the
/// core's SymmetryWindow does).
func windowSIErrors(_ stances: [MatchedStance], statistic: ([Double]) -> Double = legSummary,
                    measured: (MatchedStance) -> Double, truth: (MatchedStance) -> Double) -> [Double] {
    var errors: [Double] = []
    var start = 0
    while start + siWindowSteps <= stances.count {
        let w = stances[start..<(start + siWindowSteps)]
        start += siWindowSteps
        let l = w.filter { $0.side == .left }, r = w.filter { $0.side == .right }
        guard l.count >= 8, r.count >= 8 else { continue }
        let m = symmetryIndex(statistic(l.map(measured)), statistic(r.map(measured)))
        let t = symmetryIndex(statistic(l.map(truth)), statistic(r.map(truth)))
        errors.append(abs(m - t))
    }
    return errors
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    let r = p * Double(s.count - 1)
    let lo = Int(r.rounded(.down)), hi = Swift.min(lo + 1, s.count - 1)
    return s[lo] + (s[hi] - s[lo]) * (r - Double(lo))
}
func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
func median(_ xs: [Double]) -> Double { percentile(xs, 0.5) }

/// Largest distance (ns) at which a detected IC is matched to a true one: ±25 ms, half
/// the ±50 ms window used for event F1 in the dataset targets.
let matchToleranceNs: UInt64 = 25_000_000
/// Steps per symmetry window: 32 (running-gait-facts.md: 32-64 for variability measures;
/// SymmetryWindow.defaultWindowSteps).
let siWindowSteps = 32

/// Scores detections against the truth for contacts with IC in [fromNs, toNs].
func score(_ d: Detected, truth: GroundTruthRecorder, fromNs: UInt64, toNs: UInt64) -> (Figures, [MatchedStance]) {
    var f = Figures()
    var matchedAll: [MatchedStance] = []
    var strideByIC: [UInt64: StrideTruth] = [:]
    for s in truth.strides { strideByIC[s.icNs] = s }
    for side in [Side.left, Side.right] {
        let trueICs = truth.events.filter { $0.kind == .initialContact && $0.side == side }
        let trueTOs = truth.events.filter { $0.kind == .toeOff && $0.side == side }.map(\.timeNs)
        _ = trueTOs
        // A truth IC counts as a running contact when its stride says so.
        let running = trueICs.filter { $0.timeNs >= fromNs && $0.timeNs <= toNs && strideByIC[$0.timeNs]?.activity == .running }
        f.truthICs += running.count
        let events = d.events[side] ?? []
        let ics = events.enumerated().filter { $0.element.kind == .initialContact && $0.element.timeNs >= fromNs && $0.element.timeNs <= toNs }
        var used = Set<UInt64>()
        var j = 0
        for (k, e) in ics {
            f.detections += 1
            // Nearest true IC of any activity.
            while j + 1 < trueICs.count, trueICs[j + 1].timeNs <= e.timeNs { j += 1 }
            var best: GaitEvent?
            var bestD = UInt64.max
            for c in [j, j + 1] where c < trueICs.count {
                let t = trueICs[c].timeNs
                let dd = t > e.timeNs ? t - e.timeNs : e.timeNs - t
                if dd < bestD { bestD = dd; best = trueICs[c] }
            }
            guard let b = best, bestD <= matchToleranceNs, !used.contains(b.timeNs),
                  let stride = strideByIC[b.timeNs], stride.activity == .running else { continue }
            used.insert(b.timeNs)
            f.truePositives += 1
            let signed = (Double(e.timeNs) - Double(b.timeNs)) / 1e6
            f.icSignedMs.append(signed)
            f.icErrorsMs.append(abs(signed))
            var to: UInt64?
            if k + 1 < events.count, events[k + 1].kind == .toeOff { to = events[k + 1].timeNs }
            matchedAll.append(MatchedStance(side: side, truthIC: b.timeNs, detectedIC: e.timeNs, truthStride: stride,
                                            detectedTO: to, detectedPeakG: e.peakG, detectedClipped: e.clipped, truthPeakG: b.peakG,
                                            detectedLoadingRate: e.loadingRateGPerS, truthLoadingRate: b.loadingRateGPerS))
        }
        f.matchedTruth += used.count
    }
    matchedAll.sort { $0.truthIC < $1.truthIC }
    for m in matchedAll {
        guard let s = m.truthStride else { continue }
        if let to = m.detectedTO {
            let ct = (Double(to) - Double(m.detectedIC)) / 1e6
            f.contactErrorsMs.append(abs(ct - s.contactTimeS * 1e3))
            f.toSignedMs.append((Double(to) - Double(s.toNs)) / 1e6)
        }
        if !m.detectedClipped {
            let e = 100 * (Double(m.detectedPeakG) - Double(m.truthPeakG)) / Double(m.truthPeakG)
            f.ptaErrorsPct[m.side, default: []].append(abs(e))
            if m.side == .left { f.ptaSignedPct.append(e) }
            if m.truthLoadingRate > 0 {
                let lr = 100 * (Double(m.detectedLoadingRate) - Double(m.truthLoadingRate)) / Double(m.truthLoadingRate)
                f.loadingRateErrorsPct[m.side, default: []].append(abs(lr))
                f.loadingRateSignedPct[m.side, default: []].append(lr)
            }
        }
    }
    // Windowed SI over consecutive, non-overlapping windows of 32 steady matched steps.
    let steady = matchedAll.filter { $0.truthStride?.steady == true && $0.detectedTO != nil }
    let contact = windowSIErrors(steady, measured: { Double(($0.detectedTO ?? 0) - $0.detectedIC) },
                                 truth: { $0.truthStride?.contactTimeS ?? 0 })
    let pta = windowSIErrors(steady, measured: { Double($0.detectedPeakG) }, truth: { Double($0.truthPeakG) })
    if !contact.isEmpty { f.siErrors["contact_time"] = contact }
    if !pta.isEmpty { f.siErrors["pta"] = pta }
    // Both metrics count the same windows: a window counts when each leg has 8 strides.
    f.windows = contact.count
    return (f, matchedAll)
}

/// One line per figure, for the test log.
func report(_ label: String, _ f: Figures, ptaSides: [Side] = [.left, .right]) {
    func r(_ x: Double, _ d: Int = 2) -> String {
        guard x.isFinite else { return "n/a" }
        var p = 1.0
        for _ in 0..<d { p *= 10 }
        return String((x * p).rounded() / p)
    }
    print("[\(label)] IC precision \(r(100 * f.precision, 3)) % (\(f.truePositives)/\(f.detections))")
    print("[\(label)] IC recall \(r(100 * f.recall, 3)) % (\(f.matchedTruth)/\(f.truthICs))")
    print("[\(label)] IC timing |error| median \(r(median(f.icErrorsMs))) ms, p95 \(r(percentile(f.icErrorsMs, 0.95))) ms, max \(r(f.icErrorsMs.max() ?? .nan)) ms, bias \(r(mean(f.icSignedMs))) ms")
    print("[\(label)] contact time MAE \(r(mean(f.contactErrorsMs))) ms, p95 \(r(percentile(f.contactErrorsMs, 0.95))) ms (TO bias \(r(mean(f.toSignedMs))) ms, n \(f.contactErrorsMs.count))")
    for side in [Side.left, Side.right] {
        let e = f.ptaErrorsPct[side] ?? []
        let note = ptaSides.contains(side) ? "" : " (not asserted, see test)"
        let bias = side == .left ? ", left bias \(r(mean(f.ptaSignedPct))) %" : ""
        print("[\(label)] PTA |error| \(side) mean \(r(mean(e))) %, p95 \(r(percentile(e, 0.95))) %, n \(e.count)\(bias)\(note)")
        let lr = f.loadingRateErrorsPct[side] ?? []
        print("[\(label)] loading rate |error| \(side) mean \(r(mean(lr))) %, median \(r(median(lr))) %, p95 \(r(percentile(lr, 0.95))) %, bias \(r(mean(f.loadingRateSignedPct[side] ?? []))) %\(note)")
    }
    for name in ["contact_time", "pta"] {
        let e = f.siErrors[name] ?? []
        print("[\(label)] SI(\(name)) \(siWindowSteps)-step windows |SI_det - SI_true| mean \(r(mean(e))) pp, max \(r(e.max() ?? .nan)) pp, windows \(e.count)")
    }
}
