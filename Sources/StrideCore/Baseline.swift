/// How the runner's own baseline is learnt.
public struct BaselineConfiguration: Sendable, Equatable {
    /// Running time skipped before learning, s: the first minutes of a run are a warm-up
    /// whose gait still changes (issue 3: "learnt after a warm-up"; 2-3 min).
    public static let defaultWarmupSeconds = 180.0
    /// Running time the baseline is learnt over after the warm-up, s (several minutes, so
    /// that a few speeds and cadences are seen and ~600 strides per leg give tight medians).
    public static let defaultLearnSeconds = 420.0
    /// Fewest good strides per leg before a baseline is accepted.
    public static let defaultMinStridesPerLeg = 150
    /// Ridge on the cadence slope, (steps/min)² per stride: shrinks the slope towards 0 when
    /// the baseline saw less than about 0.5 step/min of cadence spread (an unidentified slope
    /// must not extrapolate).
    public static let defaultCadenceRidge = 0.25
    /// Ridge on the speed slope, (m/s)² per stride: shrinks it when the baseline saw less
    /// than about 0.1 m/s of speed spread.
    public static let defaultSpeedRidge = 0.01
    /// Lags (strides) in the long-run spread: successive strides are correlated (stride
    /// intervals show long-range correlations, Hausdorff et al. 1995; running-gait-facts.md:
    /// "successive windows are correlated"), so the detectors standardise with a long-run σ
    /// over 16 lags when it exceeds the per-stride σ.
    public static let defaultLongRunBlock = 16
    /// Stride pairs per block of the SI drift detector: 16 pairs = 32 steps, within the
    /// 25-64 steps the literature uses for an SI window (running-gait-facts.md).
    public static let defaultSymmetryBlockPairs = 16

    /// Running time skipped first, s.
    public var warmupSeconds: Double
    /// Running time learnt over, s.
    public var learnSeconds: Double
    /// Fewest good strides per leg.
    public var minStridesPerLeg: Int
    /// Ridge on the cadence slope, (steps/min)² per stride.
    public var cadenceRidge: Double
    /// Ridge on the speed slope, (m/s)² per stride.
    public var speedRidge: Double
    /// Lags (strides or stride pairs) in the long-run spread.
    public var longRunBlock: Int
    /// Stride pairs per SI block (see `defaultSymmetryBlockPairs`).
    public var symmetryBlockPairs: Int

    /// Creates a configuration (defaults above).
    public init(warmupSeconds: Double = defaultWarmupSeconds, learnSeconds: Double = defaultLearnSeconds,
                minStridesPerLeg: Int = defaultMinStridesPerLeg, cadenceRidge: Double = defaultCadenceRidge,
                speedRidge: Double = defaultSpeedRidge, longRunBlock: Int = defaultLongRunBlock,
                symmetryBlockPairs: Int = defaultSymmetryBlockPairs) {
        self.warmupSeconds = warmupSeconds
        self.learnSeconds = learnSeconds
        self.minStridesPerLeg = minStridesPerLeg
        self.cadenceRidge = cadenceRidge
        self.speedRidge = speedRidge
        self.longRunBlock = Swift.max(1, longRunBlock)
        self.symmetryBlockPairs = Swift.max(1, symmetryBlockPairs)
    }
}

/// One leg's baseline of one metric: robust level and spread, corrected for cadence (and
/// speed when known) by a per-runner ridge regression learnt over the baseline strides.
public struct LegMetricBaseline: Sendable, Equatable {
    /// Good strides that had this metric.
    public var count: Int
    /// Median over the baseline strides (metric units).
    public var median: Double
    /// Median absolute deviation over the baseline strides (metric units, unscaled).
    public var mad: Double
    /// Level at the reference cadence and speed: median + median residual of the fit.
    public var intercept: Double
    /// Change per step/min of cadence (metric units per step/min).
    public var cadenceSlope: Double
    /// Change per m/s of speed (metric units per m/s); 0 when speed was not given.
    public var speedSlope: Double
    /// Robust standard deviation of the residual after the correction (1.4826·MAD).
    public var residualSigma: Double
    /// Long-run standard deviation of the residual (autocorrelation-corrected, 16 lags),
    /// at least `residualSigma`. The detectors standardise with it.
    public var longRunSigma: Double

    /// An empty baseline (count 0).
    public init() {
        longRunSigma = 0
        count = 0
        median = 0
        mad = 0
        intercept = 0
        cadenceSlope = 0
        speedSlope = 0
        residualSigma = 0
    }
}

/// The baseline of a per-stride-pair symmetry index (one left and the adjacent right stride).
public struct PairSymmetryBaseline: Sendable, Equatable {
    /// Stride pairs that had this metric on both legs.
    public var count: Int = 0
    /// Median SI of the pairs, %.
    public var median: Double = 0
    /// Robust standard deviation of the pair SI (1.4826·MAD), SI points.
    public var sigma: Double = 0
    /// Long-run standard deviation (see `LegMetricBaseline.longRunSigma`).
    public var longRunSigma: Double = 0
    /// Stride pairs per block of the SI drift detector.
    public var blockPairs: Int = 0
    /// Standard deviation of the mean of `blockPairs` successive pair SIs (overlapping
    /// batch means over the baseline, winsorised at ±3σ like the detector's input), SI
    /// points; 0 with too few pairs.
    public var blockSigma: Double = 0
}

/// The runner's learnt baseline.
public struct BaselineModel: Sendable, Equatable {
    /// Per leg (0 = left/A, 1 = right/B) and metric: index leg × 7 + metric.rawValue.
    public var legs: ContiguousArray<LegMetricBaseline>
    /// Per metric: the per-stride-pair SI baseline.
    public var pairSymmetry: ContiguousArray<PairSymmetryBaseline>
    /// SI of the two legs' baseline medians, per metric (the window SI's reference).
    public var symmetryIndex: MetricVector
    /// Reference cadence (median over the baseline), steps/min.
    public var cadenceStepsPerMinute: Double
    /// 5th and 95th percentile of cadence during the baseline, steps/min: the range the
    /// cadence correction was learnt on.
    public var cadenceLow: Double
    /// See `cadenceLow`.
    public var cadenceHigh: Double
    /// Reference speed (median over the baseline), m/s; nil when speed was not given.
    public var speedMetresPerSecond: Double?
    /// When the baseline was completed, ns.
    public var learntAtNs: UInt64

    /// An empty model.
    public init() {
        legs = ContiguousArray(repeating: LegMetricBaseline(), count: 2 * StrideMetric.count)
        pairSymmetry = ContiguousArray(repeating: PairSymmetryBaseline(), count: StrideMetric.count)
        symmetryIndex = MetricVector()
        cadenceStepsPerMinute = 0
        cadenceLow = 0
        cadenceHigh = 0
        speedMetresPerSecond = nil
        learntAtNs = 0
    }

    /// The baseline of `metric` on leg slot `leg` (0 = left/A, 1 = right/B).
    public func leg(_ leg: Int, _ metric: StrideMetric) -> LegMetricBaseline {
        legs[Swift.min(1, Swift.max(0, leg)) * StrideMetric.count + metric.rawValue]
    }

    /// The expected value of `metric` on `leg` at a cadence (and speed, when both the
    /// model and the caller have one).
    public func expected(_ leg: Int, _ metric: StrideMetric, cadence: Double, speed: Double?) -> Double {
        let b = self.leg(leg, metric)
        var x = b.intercept + b.cadenceSlope * (cadence - cadenceStepsPerMinute)
        if let s = speed, let s0 = speedMetresPerSecond { x += b.speedSlope * (s - s0) }
        return x
    }
}

/// Learns the baseline: skips the warm-up, collects good running strides (and stride-pair
/// SIs) for the learning period, then fits. All buffers are allocated at creation.
public struct BaselineLearner: Sendable {
    /// Where the learner is.
    public enum Phase: Sendable, Equatable {
        /// Still in the warm-up.
        case warmingUp
        /// Collecting strides.
        case learning
        /// Done: `model` holds the baseline.
        case learnt
    }

    /// The configuration.
    public let configuration: BaselineConfiguration
    /// The current phase.
    public private(set) var phase: Phase = .warmingUp
    /// The learnt model (valid once `phase == .learnt`).
    public private(set) var model = BaselineModel()

    private let capacity: Int
    private var x: ContiguousArray<Double>        // [(leg * 7 + metric) * capacity + i]
    private var cadence: ContiguousArray<Double>  // same layout
    private var speed: ContiguousArray<Double>    // same layout, NaN when unknown
    private var counts: ContiguousArray<Int>      // per leg × metric
    private var pairSI: ContiguousArray<Double>   // [metric * capacity + i]
    private var pairCounts: ContiguousArray<Int>
    private var scratchA: ContiguousArray<Double>
    private var scratchB: ContiguousArray<Double>
    private var blockScratch: ContiguousArray<Double>
    private var stridesPerLeg = (0, 0)

    /// Creates a learner; `maxStepsPerSecond` sizes the buffers.
    public init(configuration: BaselineConfiguration = BaselineConfiguration(),
                maxStepsPerSecond: Double = StrideQualityBounds.kiernanMaxStepsPerSecond) {
        self.configuration = configuration
        let strides = Swift.max(1.0, configuration.learnSeconds) * Swift.max(0.5, maxStepsPerSecond) / 2
        let cap = Swift.max(configuration.minStridesPerLeg, Int(strides.rounded(.up))) + 1
        capacity = cap
        let slots = 2 * StrideMetric.count
        x = ContiguousArray(repeating: 0, count: slots * cap)
        cadence = ContiguousArray(repeating: 0, count: slots * cap)
        speed = ContiguousArray(repeating: .nan, count: slots * cap)
        counts = ContiguousArray(repeating: 0, count: slots)
        pairSI = ContiguousArray(repeating: 0, count: StrideMetric.count * cap)
        pairCounts = ContiguousArray(repeating: 0, count: StrideMetric.count)
        scratchA = ContiguousArray(repeating: 0, count: cap)
        scratchB = ContiguousArray(repeating: 0, count: cap)
        blockScratch = ContiguousArray(repeating: 0, count: cap)
    }

    /// Long-run σ of the centred series `scratchA[0..<n]` (in time order), from its
    /// autocorrelations up to lag `longRunBlock` with Bartlett weights (Newey & West 1987):
    /// σ²_LR = σ²·(1 + 2 Σ (1 − k/(L+1)) ρ_k), with the series winsorised at ±3 MAD-σ
    /// around its median and ρ floored at 0 overall. 0 with fewer than 4·L values.
    private mutating func longRunSigmaOfScratchA(count n: Int) -> Double {
        let lags = configuration.longRunBlock
        guard n >= 4 * lags else { return 0 }
        for i in 0..<n { scratchB[i] = scratchA[i] }
        guard let r = RobustStatistics.medianAndMAD(&scratchB, count: n, scratch: &blockScratch) else { return 0 }
        let sigma = r.mad * RobustStatistics.madToSigma
        guard sigma > 0 else { return 0 }
        let clip = 3 * sigma
        var c0 = 0.0
        for i in 0..<n {
            let d = Swift.min(clip, Swift.max(-clip, scratchA[i] - r.median))
            scratchB[i] = d
            c0 += d * d
        }
        guard c0 > 0 else { return sigma }
        var factor = 1.0
        for k in 1...lags {
            var ck = 0.0
            for i in k..<n { ck += scratchB[i] * scratchB[i - k] }
            factor += 2 * (1 - Double(k) / Double(lags + 1)) * ck / c0
        }
        return sigma * Swift.max(1, factor).squareRoot()
    }

    /// Fewest batches of data for a batch-means σ: with fewer than 8 non-overlapping
    /// batches' worth the estimate's relative error exceeds ~25 % (design choice).
    static let minBatches = 8

    /// σ of the mean of `batch` successive values of the series `scratchA[0..<n]` (time
    /// order, left unchanged), by overlapping batch means (Meketon & Schmeiser 1984): every
    /// run of `batch` consecutive values, winsorised at ±3 MAD-σ around the median, gives
    /// a mean; their spread about the grand mean is the σ. It carries the series'
    /// autocorrelation within a batch, which a per-value σ/√batch would ignore. 0 with
    /// fewer than `minBatches` batches of data.
    private mutating func batchMeanSigmaOfScratchA(count n: Int, batch: Int) -> Double {
        guard batch > 0, n >= Self.minBatches * batch else { return 0 }
        for i in 0..<n { scratchB[i] = scratchA[i] }
        guard let r = RobustStatistics.medianAndMAD(&scratchB, count: n, scratch: &blockScratch) else { return 0 }
        let sigma = r.mad * RobustStatistics.madToSigma
        guard sigma > 0 else { return 0 }
        let clip = 3 * sigma
        var total = 0.0
        for i in 0..<n {
            let d = Swift.min(clip, Swift.max(-clip, scratchA[i] - r.median))
            scratchB[i] = d
            total += d
        }
        let grand = total / Double(n)
        var window = 0.0
        for i in 0..<batch { window += scratchB[i] }
        var ss = 0.0
        var windows = 0
        var i = batch
        while true {
            let m = window / Double(batch) - grand
            ss += m * m
            windows += 1
            guard i < n else { break }
            window += scratchB[i] - scratchB[i - batch]
            i += 1
        }
        // Bias factor of the OBM variance about an estimated mean: n/(n − b) (Meketon &
        // Schmeiser 1984, asymptotically); the windows' count is n − b + 1.
        let variance = ss / Double(windows) * Double(n) / Double(n - batch)
        return variance.squareRoot()
    }

    /// Updates the phase from the accumulated running time, ns.
    public mutating func advance(runningNs: UInt64) {
        if phase == .warmingUp, Double(runningNs) * 1e-9 >= configuration.warmupSeconds { phase = .learning }
    }

    /// Whether strides are being collected now.
    public var isCollecting: Bool { phase == .learning }

    /// Collects a good running stride with the cadence (steps/min) and speed (m/s, if
    /// known) at that moment.
    public mutating func add(_ stride: StrideRecord, cadence c: Double, speed s: Double?) {
        guard phase == .learning, c.isFinite, c > 0 else { return }
        let leg = stride.side.legSlot
        if leg == 0 { stridesPerLeg.0 += 1 } else { stridesPerLeg.1 += 1 }
        for m in StrideMetric.all {
            guard let v = stride.metrics[m], v.isFinite else { continue }
            let slot = leg * StrideMetric.count + m.rawValue
            let n = counts[slot]
            guard n < capacity else { continue }
            x[slot * capacity + n] = v
            cadence[slot * capacity + n] = c
            speed[slot * capacity + n] = s ?? .nan
            counts[slot] = n + 1
        }
    }

    /// Collects one stride pair's SI per metric.
    public mutating func addPair(_ si: MetricVector) {
        guard phase == .learning else { return }
        for m in StrideMetric.all {
            guard let v = si[m], v.isFinite else { continue }
            let n = pairCounts[m.rawValue]
            guard n < capacity else { continue }
            pairSI[m.rawValue * capacity + n] = v
            pairCounts[m.rawValue] = n + 1
        }
    }

    /// Fits and returns the model when the learning period is over (running time past
    /// warm-up + learning, enough strides) or the buffers are full; nil otherwise.
    public mutating func finishIfDue(runningNs: UInt64, nowNs: UInt64) -> BaselineModel? {
        guard phase == .learning else { return nil }
        let enough = Swift.min(stridesPerLeg.0, stridesPerLeg.1) >= configuration.minStridesPerLeg
        let timeUp = Double(runningNs) * 1e-9 >= configuration.warmupSeconds + configuration.learnSeconds
        let full = Swift.min(stridesPerLeg.0, stridesPerLeg.1) >= capacity - 1
        guard (enough && timeUp) || full else { return nil }
        fit(nowNs: nowNs)
        phase = .learnt
        return model
    }

    private mutating func fit(nowNs: UInt64) {
        model.learntAtNs = nowNs
        // Cadence reference and range from the stride-time entries of both legs.
        var n = 0
        for leg in 0..<2 {
            let slot = leg * StrideMetric.count + StrideMetric.strideTime.rawValue
            for i in 0..<counts[slot] where n < capacity {
                scratchA[n] = cadence[slot * capacity + i]
                n += 1
            }
        }
        if n > 0 {
            RobustStatistics.select(&scratchA, count: n, k: n * 5 / 100)
            model.cadenceLow = scratchA[n * 5 / 100]
            RobustStatistics.select(&scratchA, count: n, k: Swift.min(n - 1, n * 95 / 100))
            model.cadenceHigh = scratchA[Swift.min(n - 1, n * 95 / 100)]
            model.cadenceStepsPerMinute = RobustStatistics.median(&scratchA, count: n) ?? 0
        }
        // Speed reference, used only if every collected stride had a speed.
        var speedN = 0
        var allSpeed = n > 0
        let ref = StrideMetric.strideTime.rawValue
        for leg in 0..<2 {
            let slot = leg * StrideMetric.count + ref
            for i in 0..<counts[slot] {
                let s = speed[slot * capacity + i]
                if s.isNaN { allSpeed = false } else if speedN < capacity {
                    scratchA[speedN] = s
                    speedN += 1
                }
            }
        }
        model.speedMetresPerSecond = allSpeed && speedN > 0 ? RobustStatistics.median(&scratchA, count: speedN) : nil

        for leg in 0..<2 {
            for m in StrideMetric.all {
                let slot = leg * StrideMetric.count + m.rawValue
                model.legs[slot] = fitLeg(slot: slot)
            }
        }
        for m in StrideMetric.all {
            let count = pairCounts[m.rawValue]
            var b = PairSymmetryBaseline()
            b.count = count
            for i in 0..<count { scratchA[i] = pairSI[m.rawValue * capacity + i] }
            let longRun = longRunSigmaOfScratchA(count: count)
            b.blockPairs = configuration.symmetryBlockPairs
            b.blockSigma = batchMeanSigmaOfScratchA(count: count, batch: b.blockPairs)
            if let r = RobustStatistics.medianAndMAD(&scratchA, count: count, scratch: &scratchB) {
                b.median = r.median
                b.sigma = r.mad * RobustStatistics.madToSigma
                b.longRunSigma = Swift.max(b.sigma, longRun)
            }
            model.pairSymmetry[m.rawValue] = b
        }
        for m in StrideMetric.all {
            let l = model.legs[m.rawValue]
            let r = model.legs[StrideMetric.count + m.rawValue]
            if l.count > 0, r.count > 0 { model.symmetryIndex[m] = SymmetryIndex.percent(left: l.median, right: r.median) }
        }
    }

    /// Robust level, spread and ridge regression on cadence (and speed) for one leg × metric.
    private mutating func fitLeg(slot: Int) -> LegMetricBaseline {
        var b = LegMetricBaseline()
        let n = counts[slot]
        b.count = n
        guard n > 0 else { return b }
        let base = slot * capacity
        for i in 0..<n { scratchA[i] = x[base + i] }
        guard let robust = RobustStatistics.medianAndMAD(&scratchA, count: n, scratch: &scratchB) else { return b }
        let med = robust.median, mad = robust.mad
        b.median = med
        b.mad = mad
        let clip = 3 * Swift.max(mad * RobustStatistics.madToSigma, 1e-9)
        let c0 = model.cadenceStepsPerMinute
        let s0 = model.speedMetresPerSecond
        // Normal equations of the ridge fit on winsorised deviations.
        var scc = 0.0, scs = 0.0, sss = 0.0, scx = 0.0, ssx = 0.0
        for i in 0..<n {
            let dx = Swift.min(clip, Swift.max(-clip, x[base + i] - med))
            let dc = cadence[base + i] - c0
            scc += dc * dc
            scx += dc * dx
            if let s0 {
                let ds = speed[base + i] - s0
                if ds.isFinite {
                    scs += dc * ds
                    sss += ds * ds
                    ssx += ds * dx
                }
            }
        }
        let lc = configuration.cadenceRidge * Double(n)
        if s0 != nil {
            let ls = configuration.speedRidge * Double(n)
            let a11 = scc + lc, a12 = scs, a22 = sss + ls
            let det = a11 * a22 - a12 * a12
            if det > 0 {
                b.cadenceSlope = (a22 * scx - a12 * ssx) / det
                b.speedSlope = (a11 * ssx - a12 * scx) / det
            }
        } else if scc + lc > 0 {
            b.cadenceSlope = scx / (scc + lc)
        }
        // Residuals: their median adjusts the level, their MAD is the spread.
        for i in 0..<n {
            var pred = med + b.cadenceSlope * (cadence[base + i] - c0)
            if let s0 {
                let ds = speed[base + i] - s0
                if ds.isFinite { pred += b.speedSlope * ds }
            }
            scratchA[i] = x[base + i] - pred
        }
        let longRun = longRunSigmaOfScratchA(count: n)
        if let r = RobustStatistics.medianAndMAD(&scratchA, count: n, scratch: &scratchB) {
            b.intercept = med + r.median
            b.residualSigma = r.mad * RobustStatistics.madToSigma
            b.longRunSigma = Swift.max(b.residualSigma, longRun)
        } else {
            b.intercept = med
        }
        return b
    }
}
