/// Streaming step finder for walking at the lower back: one loading peak of the vertical
/// acceleration per step, with a threshold that adapts to the walker's own amplitude.
///
/// Walking has no flight, and a slow or shuffling step moves the trunk by only a few
/// hundredths of g, so a fixed level (1 g ± a hysteresis) both misses weak steps and, when
/// gravity calibration leaves the level a little off, skips every other step. Here:
/// 1. the vertical signal is low-passed at `smoothingCutoffHz` and its slow level (the
///    running mean over `levelTimeConstantSeconds`) is removed, so a tilt or a slope that
///    shifts the mean does not matter;
/// 2. a peak counts when no higher value follows within `peakWindowSeconds` (the
///    "no higher value within a window" rule of Van den Berghe et al. 2021 for real-time
///    peaks, running-gait-facts.md) and it is higher than `minPeakG`;
/// 3. it is a **strong** peak when it is also higher than `relativePeakFraction` of the
///    recent strong peak heights, and a **weak** one otherwise. A strong peak is a step on
///    its own. A weak peak (a turn, a shuffle, a slowing step: the trunk barely moves) is
///    only a candidate: the caller decides from the walking rhythm whether it falls where
///    a step is due, since a weak bump can also be the shoulder of the step before.
///
/// Fixed-size state: nothing allocates after creation.
public struct WalkingStepFinder: Sendable {
    /// A confirmed loading peak.
    public struct Peak: Sendable, Equatable {
        /// Sample index of the peak, corrected for the smoothing filter's delay.
        public var index: Int
        /// Below `relativePeakFraction` of the recent strong peaks (see the type's notes).
        public var isWeak: Bool
    }

    /// Low-pass cutoff (Hz) for the step signal: the trunk's vertical acceleration in
    /// walking has its energy at the step frequency (1.5-2 Hz) and its first harmonic;
    /// 4 Hz keeps both and removes the heel-strike ripple that makes false peaks.
    public static let smoothingCutoffHz = 4.0
    /// Time constant (s) of the slow level that is removed: about two walking steps
    /// (≈0.55 s each at 110 steps/min), long against a step, short against a posture change.
    public static let levelTimeConstantSeconds = 1.0
    /// A peak is confirmed when no higher value follows within this window (s): half the
    /// step time at the fastest walking cadences (≈120 steps/min, 0.5 s a step).
    public static let peakWindowSeconds = 0.25
    /// A peak must reach this share of the recent peak heights: a weak step in slow walking
    /// still rises to a third of a normal one, while the ripple between steps does not.
    /// A design choice, checked on all recordings together, not fitted to one.
    public static let relativePeakFraction = 0.3
    /// Smallest peak (g above the slow level): a few times the noise of a MEMS
    /// accelerometer after a 4 Hz low-pass (LSM6DSO32 datasheet: ≈ 0.1-0.2 mg/√Hz).
    public static let minPeakG = 0.02
    /// Weight of a new peak in the running mean of peak heights: about the last three steps.
    public static let peakHeightSmoothing = 0.3

    private let windowSamples: Int
    private let levelAlpha: Double
    private var lowPass: Biquad?
    private var primed = false
    private var level = 0.0
    private var candidateIndex = -1
    private var candidateValue = -Double.infinity
    private var typicalPeak = 0.0
    private var previousD = Double.infinity

    /// Creates a finder for a sample rate (Hz); an invalid rate falls back to 100 Hz.
    public init(sampleRateHz: Double) {
        let fs = sampleRateHz > 0 ? sampleRateHz : 100
        windowSamples = Swift.max(1, Int((Self.peakWindowSeconds * fs).rounded()))
        levelAlpha = 1 / Swift.max(1, Self.levelTimeConstantSeconds * fs)
        lowPass = Biquad.butterworthLowPass(cutoffHz: Self.smoothingCutoffHz, sampleRateHz: fs)
    }

    /// Group delay of the smoothing filter at low frequencies (samples): a confirmed peak
    /// index is corrected by it.
    public var delaySamples: Double { lowPass?.groupDelayAtDCSamples ?? 0 }

    /// Feeds the vertical specific force (g) of sample `index`; returns the loading peak
    /// confirmed by this sample, if any. Only strong peaks update the recent peak height,
    /// so a run of weak steps does not lower the bar for the shoulders of normal steps.
    public mutating func add(verticalG v: Double, index: Int) -> Peak? {
        if !primed {
            lowPass?.reset(steadyInput: v)
            level = v
            primed = true
        }
        let x = lowPass?.process(v) ?? v
        level += levelAlpha * (x - level)
        let d = x - level
        // Only a rising sample can be a peak: after a confirmed peak the search starts
        // afresh, and on a falling stretch (the slow level catching up after a posture
        // change) the first sample of each window would otherwise pass as a new "peak".
        if d > candidateValue, d > previousD {
            candidateValue = d
            candidateIndex = index
        }
        previousD = d
        guard candidateIndex >= 0, index - candidateIndex >= windowSamples else { return nil }
        // No higher value within the window after the candidate: it is a peak.
        let peak = candidateValue
        let at = candidateIndex
        candidateIndex = -1
        candidateValue = -Double.infinity
        guard peak >= Self.minPeakG else { return nil }
        let corrected = at - Int(delaySamples.rounded())
        guard peak >= Self.relativePeakFraction * typicalPeak else { return Peak(index: corrected, isWeak: true) }
        typicalPeak = typicalPeak == 0 ? peak : typicalPeak + Self.peakHeightSmoothing * (peak - typicalPeak)
        return Peak(index: corrected, isWeak: false)
    }

    /// Forgets the signal history (after a sensor gap).
    public mutating func reset() {
        primed = false
        previousD = .infinity
        candidateIndex = -1
        candidateValue = -Double.infinity
        typicalPeak = 0
    }
}
