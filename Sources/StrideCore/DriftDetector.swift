/// A two-sided tabular CUSUM (Page 1954) on standardised values z = (x − μ₀)/σ.
///
/// S⁺ = max(0, S⁺ + z − k), S⁻ = max(0, S⁻ − z − k); an alarm when either reaches h. It
/// stays alarmed until its statistic returns to 0, and the statistic is capped so that it
/// does return once the change is gone. The onset estimate is the first sample of the
/// current excursion (the CUSUM change-point estimate: the last time S was 0).
public struct TwoSidedCusum: Sendable, Equatable {
    /// Allowance k, in σ.
    public let k: Double
    /// Decision interval h, in σ.
    public let h: Double
    /// Cap on either statistic, in σ (a multiple of h).
    public let cap: Double
    /// The upward statistic S⁺.
    public private(set) var upper = 0.0
    /// The downward statistic S⁻.
    public private(set) var lower = 0.0
    /// +1 alarmed upward, −1 alarmed downward, 0 no alarm.
    public private(set) var direction = 0
    /// Start of the current upward excursion, ns.
    public private(set) var upperOnsetNs: UInt64 = 0
    /// Start of the current downward excursion, ns.
    public private(set) var lowerOnsetNs: UInt64 = 0
    /// Largest max(S⁺, S⁻)/h seen since creation (for calibrating false alarms).
    public private(set) var peakRatio = 0.0
    private var upperSum = 0.0, upperCount = 0
    private var lowerSum = 0.0, lowerCount = 0

    /// Cap on the statistic as a multiple of h: bounds how long an alarm outlives its cause.
    public static let capFactor = 2.0

    /// Creates a CUSUM with allowance `k` and decision interval `h` (both in σ).
    public init(k: Double, h: Double) {
        self.k = k
        self.h = h
        cap = h * Self.capFactor
    }

    /// Adds one standardised value observed at `timeNs`.
    public mutating func update(_ z: Double, timeNs: UInt64) {
        let u = Swift.max(0, upper + z - k)
        if upper == 0, u > 0 { upperOnsetNs = timeNs; upperSum = 0; upperCount = 0 }
        if u > 0 { upperSum += z; upperCount += 1 }
        upper = Swift.min(u, cap)
        let l = Swift.max(0, lower - z - k)
        if lower == 0, l > 0 { lowerOnsetNs = timeNs; lowerSum = 0; lowerCount = 0 }
        if l > 0 { lowerSum += z; lowerCount += 1 }
        lower = Swift.min(l, cap)
        if upper >= h {
            direction = 1
        } else if lower >= h {
            direction = -1
        } else if (direction == 1 && upper == 0) || (direction == -1 && lower == 0) {
            direction = 0
        }
        let r = Swift.max(upper, lower) / h
        if r > peakRatio { peakRatio = r }
    }

    /// The onset of the alarmed excursion, or nil without an alarm.
    public var onsetNs: UInt64? {
        switch direction {
        case 1: return upperOnsetNs
        case -1: return lowerOnsetNs
        default: return nil
        }
    }

    /// Mean of the standardised inputs since the alarmed excursion began (the maximum-
    /// likelihood size of the change under the CUSUM's change-point estimate), or nil
    /// without an alarm.
    public var alarmedMean: Double? {
        switch direction {
        case 1: return upperCount > 0 ? upperSum / Double(upperCount) : nil
        case -1: return lowerCount > 0 ? lowerSum / Double(lowerCount) : nil
        default: return nil
        }
    }

    /// Clears both statistics and the alarm.
    public mutating func reset() {
        upper = 0
        lower = 0
        direction = 0
        upperCount = 0
        lowerCount = 0
    }
}

/// Parameters of one drift detector.
public struct DriftDetectorConfiguration: Sendable, Equatable {
    /// CUSUM allowance for abrupt breaks, σ: k = 0.5σ is tuned to a 1σ shift (Montgomery,
    /// running-gait-facts.md "Change detection").
    public static let shiftK = 0.5
    /// Decision interval for the abrupt-break CUSUM, σ. Montgomery's h = 4-5 gives an
    /// in-control run length of 168-465 samples; here a sample is a stride (~85 a minute per
    /// leg) and ~15 streams are watched, so h is raised until 8 h of simulated symmetric
    /// running raise nothing (calibrated by simulation, as the facts advise: DriftScenarioTests
    /// and, on the virtual runner, DriftTargetsOnRunnerTests). Siegmund's approximation gives ARL₀ ≈ 2·10⁶ strides at h = 12.6.
    public static let shiftH = 16.0
    /// CUSUM allowance for slow drifts, σ: half the 0.5σ shift a ramp shows when it first
    /// becomes worth reporting (the optimal k is half the shift to detect; Montgomery).
    public static let driftK = 0.25
    /// Decision interval for the drift CUSUM, σ (calibrated by simulation like `shiftH`).
    public static let driftH = 35.0
    /// EWMA weight of the size estimate: λ = 0.05, an effective memory of (2 − λ)/λ ≈ 39
    /// samples; smaller than Montgomery's λ ≈ 0.1 because it only sizes the change (the
    /// CUSUMs detect it) and a steadier size gives a steadier hysteresis.
    public static let magnitudeLambda = 0.05
    /// Standardised inputs are clipped to ±3σ (Huber-type winsorising) so that one missed
    /// event cannot carry a CUSUM to its limit.
    public static let winsorZ = 3.0

    /// Abrupt-break CUSUM allowance, σ.
    public var shiftK: Double
    /// Abrupt-break CUSUM decision interval, σ.
    public var shiftH: Double
    /// Drift CUSUM allowance, σ.
    public var driftK: Double
    /// Drift CUSUM decision interval, σ.
    public var driftH: Double
    /// EWMA weight of the size estimate.
    public var magnitudeLambda: Double
    /// Clip of standardised inputs, σ.
    public var winsorZ: Double
    /// SI step CUSUM decision interval, in per-pair σ.
    public var symmetryStepH: Double
    /// SI drift CUSUM decision interval, in block-mean σ.
    public var symmetryDriftH: Double
    /// EWMA weight of the per-leg size estimates.
    public var legMagnitudeLambda: Double
    /// SI step CUSUM allowance as a fraction of the raise size.
    public var symmetryStepKFraction: Double
    /// SI drift CUSUM allowance as a fraction of the raise size.
    public var symmetryDriftKFraction: Double

    /// Allowance of the SI step CUSUM: 0.9 × the raise size (9 points for PTA, ≈ 0.8σ of a
    /// pair). Half the raise size (Montgomery's optimum for iid data) let the slow per-leg
    /// wander build statistics of 32-37σ in 8 h; a larger k keeps excursions short, which
    /// on a correlated stream lowers the null maxima faster than it slows a 14-point step
    /// (simulation, 30 seeds: 0.5 → 37σ max, 0.7 → 28σ, 0.9 → 21σ).
    public static let symmetryStepKFraction = 0.9
    /// Allowance of the SI drift CUSUM: half the raise size (as above).
    public static let symmetryDriftKFraction = 0.5

    /// Decision interval of the SI step CUSUM (stride pairs, standardised by the per-pair
    /// σ) for a stream of independent pairs, σ; it is multiplied by the baseline's
    /// `SymmetryShiftDetector.persistence`. Calibrated by simulation, as the facts advise for
    /// correlated data (the iid tables' h = 4-5 would alarm every few minutes on an
    /// autocorrelated stream). SynthRunner (per-leg wander, persistence 1.0-3.4 as estimated
    /// from each baseline), 60 seeds × 8 h of symmetric running: the largest statistic over
    /// its persistence was 13.8 (step time; contact time 13.4, PTA 13.3, loading rate 11.6),
    /// so 15 keeps a margin of 1.09 over 480 h. The virtual runner (independent strides):
    /// largest 8.2 over 2 × 8 h. With a fixed h the wandering generator needed 24 (its raw
    /// maxima reach 21.9), which let a +15 % PTA step on the independent runner wait 60-78
    /// strides in 7 of 16 cases; scaled, 15 of 16 are caught within 60 (DriftTargetsOnRunnerTests).
    public static let symmetryStepH = 15.0
    /// Decision interval of the SI drift CUSUM (means of `BaselineConfiguration
    /// .defaultSymmetryBlockPairs` pairs, standardised by the block-mean σ), σ. Calibrated
    /// like `symmetryStepH`: worst of 30 seeds × 8 h was 12.1 (contact time; others ≤ 7.0).
    public static let symmetryDriftH = 13.0
    /// EWMA weight of the per-leg size estimates used for "both legs": λ = 0.01, a memory of
    /// (2 − λ)/λ ≈ 200 strides (≈ 2.5 min), so that a 10 s pace transition the cadence
    /// median has not yet caught up with cannot pass for a both-leg change (8 h simulated
    /// runs), while a fatigue rise of ~0.5 %/min (Apte et al. 2021) lags by < 1 %.
    public static let legMagnitudeLambda = 0.01

    /// Creates a configuration (defaults above).
    public init(shiftK: Double = Self.shiftK, shiftH: Double = Self.shiftH,
                driftK: Double = Self.driftK, driftH: Double = Self.driftH,
                magnitudeLambda: Double = Self.magnitudeLambda, winsorZ: Double = Self.winsorZ,
                symmetryStepH: Double = Self.symmetryStepH, symmetryDriftH: Double = Self.symmetryDriftH,
                legMagnitudeLambda: Double = Self.legMagnitudeLambda,
                symmetryStepKFraction: Double = Self.symmetryStepKFraction,
                symmetryDriftKFraction: Double = Self.symmetryDriftKFraction) {
        self.symmetryStepKFraction = symmetryStepKFraction
        self.symmetryDriftKFraction = symmetryDriftKFraction
        self.shiftK = shiftK
        self.shiftH = shiftH
        self.driftK = driftK
        self.driftH = driftH
        self.magnitudeLambda = magnitudeLambda
        self.winsorZ = winsorZ
        self.symmetryStepH = symmetryStepH
        self.symmetryDriftH = symmetryDriftH
        self.legMagnitudeLambda = legMagnitudeLambda
    }
}

/// The sequential change detector of one stream (one leg's metric, or one metric's
/// stride-pair SI), fed with baseline-normalised values.
///
/// Two two-sided CUSUMs run side by side: k = 0.5σ for abrupt breaks and k = 0.25σ for slow
/// linear drifts. CUSUM is quick on abrupt breaks (running-gait-facts.md); a CUSUM with a
/// small allowance integrates a ramp from the moment it exceeds k, which on these streams
/// reacts earlier than an EWMA chart with the limits that 8 false-alarm-free hours demand
/// (the EWMA's lag of (1 − λ)/λ samples comes on top of its wider limit). An EWMA of the
/// unstandardised deviation sizes the change for the alert policy.
public struct DriftDetector: Sendable, Equatable {
    /// The abrupt-break CUSUM.
    public private(set) var shift: TwoSidedCusum
    /// The drift CUSUM.
    public private(set) var drift: TwoSidedCusum
    /// EWMA of the deviation from the baseline (stream units: SI points or % change).
    public private(set) var magnitude = 0.0
    /// Values seen.
    public private(set) var samples = 0
    private let lambda: Double
    private let winsor: Double

    /// Creates a detector; `magnitudeLambda` overrides the configuration's EWMA weight.
    public init(configuration: DriftDetectorConfiguration = DriftDetectorConfiguration(), magnitudeLambda: Double? = nil) {
        shift = TwoSidedCusum(k: configuration.shiftK, h: configuration.shiftH)
        drift = TwoSidedCusum(k: configuration.driftK, h: configuration.driftH)
        lambda = magnitudeLambda ?? configuration.magnitudeLambda
        winsor = configuration.winsorZ
    }

    /// Adds one value: `z` standardised against the baseline, `deviation` the same change
    /// in reporting units.
    public mutating func update(z: Double, deviation: Double, timeNs: UInt64) {
        guard z.isFinite, deviation.isFinite else { return }
        let zc = Swift.min(winsor, Swift.max(-winsor, z))
        shift.update(zc, timeNs: timeNs)
        drift.update(zc, timeNs: timeNs)
        magnitude += lambda * (deviation - magnitude)
        samples += 1
    }

    /// +1 alarmed upward, −1 downward, 0 none (the abrupt-break CUSUM wins a tie).
    public var direction: Int { shift.direction != 0 ? shift.direction : drift.direction }

    /// The estimated onset of the alarmed change, ns, or nil without an alarm.
    public var onsetNs: UInt64? {
        switch (shift.onsetNs, drift.onsetNs) {
        case let (a?, b?): return Swift.min(a, b)
        case let (a?, nil): return a
        case let (nil, b?): return b
        default: return nil
        }
    }

    /// The larger of the two CUSUMs' peak S/h seen so far.
    public var peakRatio: Double { Swift.max(shift.peakRatio, drift.peakRatio) }

    /// Clears the CUSUMs (after an alert is cleared); the size estimate is kept.
    public mutating func resetAlarm() {
        shift.reset()
        drift.reset()
    }
}

/// The change detector of one metric's stride-pair symmetry index (SI), in SI points
/// against the baseline's median pair SI.
///
/// Successive stride pairs share slow per-leg fluctuations (stride-to-stride fluctuations
/// are long-range correlated, Hausdorff et al. 1995), so a CUSUM on raw pairs standardised
/// by the per-pair σ false-alarms far more often than the iid tables say, and one
/// standardised by a long-run σ is slow on a step. Two one-sided-pair CUSUMs therefore
/// watch two time scales:
/// - a step CUSUM on the winsorised pairs (z = d/σ_pair), quick on an abrupt break (a few
///   dozen pairs for a 1σ step), its decision interval calibrated by simulation on the
///   correlated stream;
/// - a drift CUSUM on non-overlapping means of `blockPairs` pairs (32 steps, a standard SI
///   window), standardised by the spread of such means in the baseline (overlapping batch
///   means): aggregation both whitens (the per-leg wander decorrelates within a block) and
///   shrinks the noise, so a slow ramp is integrated on a stream whose run-length
///   properties are close to the tables (Montgomery).
/// Both allowances are half the clinically meaningful raise size in SI points (the
/// optimal k is half the shift to detect), so a persistent offset smaller than that never
/// accumulates. The size of an alarmed change is the mean since the CUSUM's change-point
/// estimate; an EWMA of the deviation tracks it afterwards for the hysteresis.
public struct SymmetryShiftDetector: Sendable, Equatable {
    /// The step CUSUM (per stride pair).
    public private(set) var step: TwoSidedCusum
    /// The drift CUSUM (per block of pairs).
    public private(set) var drift: TwoSidedCusum
    /// EWMA of the SI deviation from the baseline, SI points.
    public private(set) var magnitude = 0.0
    /// Pairs seen.
    public private(set) var samples = 0
    /// Blocks completed.
    public private(set) var blocks = 0
    /// Per-pair σ the step CUSUM standardises with, SI points (0 until configured).
    public private(set) var pairSigma = 0.0
    /// σ of a block mean, SI points (0 until configured).
    public private(set) var blockSigma = 0.0
    /// Pairs per block.
    public private(set) var blockPairs = 0
    /// The baseline's long-run variance of the pair SI over its per-pair variance (block-mean
    /// variance × pairs per block / per-pair variance), at least 1: 1 for independent pairs,
    /// more when the runner's asymmetry wanders slowly. The step CUSUM's decision interval
    /// is `symmetryStepH` times this (a reflected random walk's excursions scale with its
    /// long-run variance).
    public private(set) var persistence = 1.0
    private let lambda: Double
    private let winsor: Double
    private let stepH: Double
    private let driftH: Double
    private let stepKFraction: Double
    private let driftKFraction: Double
    private var blockSum = 0.0
    private var blockCount = 0
    /// The SI level deviations are measured from, SI points relative to the baseline
    /// median: starts at 0 and becomes the running mean of every quiet pair (see `update`).
    public private(set) var reference = 0.0
    private var referenceWeight = 0.0
    /// Least allowance of the step CUSUM, per-pair σ: tuned to a 1.5σ shift (the optimal k is half the shift, Montgomery); smaller changes are left to the drift CUSUM.
    public static let minimumStepK = 0.75
    /// Quiet means both CUSUM statistics below this fraction of their decision interval.
    public static let quietFraction = 0.25

    /// Creates an unconfigured detector (it ignores values until `configure`).
    public init(configuration: DriftDetectorConfiguration = DriftDetectorConfiguration()) {
        lambda = configuration.magnitudeLambda
        winsor = configuration.winsorZ
        stepH = configuration.symmetryStepH
        driftH = configuration.symmetryDriftH
        stepKFraction = configuration.symmetryStepKFraction
        driftKFraction = configuration.symmetryDriftKFraction
        step = TwoSidedCusum(k: 0, h: .infinity)
        drift = TwoSidedCusum(k: 0, h: .infinity)
    }

    /// Whether the detector has its scales.
    public var isConfigured: Bool { pairSigma > 0 && blockSigma > 0 && blockPairs > 0 }

    /// Sets the scales from the baseline and the allowance from the raise size (SI points);
    /// restarts the CUSUMs.
    public mutating func configure(pairSigma: Double, blockSigma: Double, blockPairs: Int, designShiftPoints: Double,
                                   baselinePairs: Int) {
        guard pairSigma > 0, blockSigma > 0, blockPairs > 0, designShiftPoints > 0 else { return }
        reference = 0
        referenceWeight = Double(Swift.max(1, baselinePairs))
        self.pairSigma = pairSigma
        self.blockSigma = blockSigma
        self.blockPairs = blockPairs
        // The step CUSUM is for breaks of at least a per-pair σ (Montgomery's k = 0.5σ for a
        // 1σ shift): smaller changes are the drift CUSUM's, on the less noisy block means.
        // A CUSUM's excursions under no change grow with the stream's long-run variance, not
        // its per-pair variance: a runner whose asymmetry wanders slowly needs a higher bar
        // than one whose pairs are independent (see `persistence`).
        persistence = Swift.max(1, blockSigma * blockSigma * Double(blockPairs) / (pairSigma * pairSigma))
        step = TwoSidedCusum(k: Swift.max(stepKFraction * designShiftPoints / pairSigma, Self.minimumStepK),
                             h: stepH * persistence)
        drift = TwoSidedCusum(k: driftKFraction * designShiftPoints / blockSigma, h: driftH)
        blockSum = 0
        blockCount = 0
    }

    /// Adds one stride pair's SI deviation from the baseline, SI points.
    public mutating func update(deviation d: Double, timeNs: UInt64) {
        guard isConfigured, d.isFinite else { return }
        // The baseline's level comes from a few minutes of correlated pairs, so it is off
        // by σ_LR/√n (~0.4 SI points for contact time after 7 min): enough to carry a
        // CUSUM whose allowance is 1.25 points. While nothing is going on (both CUSUMs
        // quiet) every pair refines it as a running mean over baseline and run; once a
        // CUSUM leaves the quiet band the reference freezes, so a developing change is not
        // absorbed (a ramp reaches the allowance before the CUSUM moves, by then it has
        // shifted the mean of a ≥ 20 min history by < 0.1 point).
        let quiet = Swift.max(step.upper, step.lower) < Self.quietFraction * step.h
            && Swift.max(drift.upper, drift.lower) < Self.quietFraction * drift.h
        if quiet {
            let clipped = Swift.min(winsor * pairSigma, Swift.max(-winsor * pairSigma, d - reference)) + reference
            referenceWeight += 1
            reference += (clipped - reference) / referenceWeight
        }
        let z = Swift.min(winsor, Swift.max(-winsor, (d - reference) / pairSigma))
        let dc = z * pairSigma
        step.update(z, timeNs: timeNs)
        magnitude += lambda * (dc - magnitude)
        samples += 1
        blockSum += dc
        blockCount += 1
        if blockCount >= blockPairs {
            drift.update(blockSum / Double(blockCount) / blockSigma, timeNs: timeNs)
            blocks += 1
            blockSum = 0
            blockCount = 0
        }
    }

    /// Drops a partly filled block (after a break in running: blocks never span one).
    public mutating func dropPartialBlock() {
        blockSum = 0
        blockCount = 0
    }

    /// +1 alarmed upward, −1 downward, 0 none (the step CUSUM wins a tie).
    public var direction: Int { step.direction != 0 ? step.direction : drift.direction }

    /// Size of the alarmed change, SI points: the mean since the alarmed CUSUM's onset.
    public var alarmedSize: Double? {
        if let m = step.alarmedMean { return m * pairSigma }
        if let m = drift.alarmedMean { return m * blockSigma }
        return nil
    }

    /// Onset of the alarmed change, ns, or nil.
    public var onsetNs: UInt64? {
        switch (step.onsetNs, drift.onsetNs) {
        case let (a?, b?): return Swift.min(a, b)
        case let (a?, nil): return a
        case let (nil, b?): return b
        default: return nil
        }
    }

    /// The larger of the two CUSUMs' peak S/h so far.
    public var peakRatio: Double { Swift.max(step.peakRatio, drift.peakRatio) }

    /// Clears the CUSUMs (after an alert cleared); the size estimate is kept.
    public mutating func resetAlarm() {
        step.reset()
        drift.reset()
    }
}
