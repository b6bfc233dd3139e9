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
        if upper == 0, u > 0 { upperOnsetNs = timeNs }
        upper = Swift.min(u, cap)
        let l = Swift.max(0, lower - z - k)
        if lower == 0, l > 0 { lowerOnsetNs = timeNs }
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

    /// Clears both statistics and the alarm.
    public mutating func reset() {
        upper = 0
        lower = 0
        direction = 0
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
    /// running raise nothing (calibrated by simulation, as the facts advise, in
    /// DriftDetectorTests). Siegmund's approximation gives ARL₀ ≈ 2·10⁶ strides at h = 12.6.
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

    /// Creates a configuration (defaults above).
    public init(shiftK: Double = Self.shiftK, shiftH: Double = Self.shiftH,
                driftK: Double = Self.driftK, driftH: Double = Self.driftH,
                magnitudeLambda: Double = Self.magnitudeLambda, winsorZ: Double = Self.winsorZ) {
        self.shiftK = shiftK
        self.shiftH = shiftH
        self.driftK = driftK
        self.driftH = driftH
        self.magnitudeLambda = magnitudeLambda
        self.winsorZ = winsorZ
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

    /// Creates a detector.
    public init(configuration: DriftDetectorConfiguration = DriftDetectorConfiguration()) {
        shift = TwoSidedCusum(k: configuration.shiftK, h: configuration.shiftH)
        drift = TwoSidedCusum(k: configuration.driftK, h: configuration.driftH)
        lambda = configuration.magnitudeLambda
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
