/// Streaming initial-contact and toe-off detection from one accelerometer at the sacrum
/// (lower back), with left/right labels and the activity (standing, walking, running).
///
/// Feed it every sample with `process(_:emit:)`; events come out through the closure,
/// possibly later than the sample that completed them (see "Latency"). The per-sample
/// path allocates nothing: every buffer is sized at creation.
///
/// ## Method
/// 1. **Body frame.** The first `calibrationSeconds` of samples are held while their mean
///    gives the direction of gravity (standing still, or whole strides, whose own
///    acceleration averages out). `BodyFrameAlignment` turns the sensor frame into
///    vertical / antero-posterior / medio-lateral; the held samples are then replayed,
///    so the first strides are not lost. Afterwards gravity is tracked slowly.
/// 2. **Steps.** A step starts when the vertical specific force rises through body weight
///    (1 g: at the sacrum, which moves with the centre of mass, the vertical specific
///    force is the vertical ground reaction force over body mass) after having been below
///    it. A step that follows a flight, the vertical signal near free fall (0 g) for a
///    while, is a running step.
/// 3. **Initial contact (running).** Right after contact the ground brakes the body: the
///    antero-posterior acceleration falls steeply into a braking dip while the vertical
///    one rises sharply (running-gait-facts.md, "Sacrum / lower back"). IC is the onset of
///    that braking fall: the tangent at the steepest AP descent into the dip, extended
///    back to the level the AP signal held before it. The same construction on the
///    vertical rise (tangent at its steepest point, back to the flight level) checks it;
///    when the two disagree by more than `icAgreementSeconds`, the vertical one is used.
///    In walking (no flight) the vertical construction is used alone.
/// 4. **Toe-off (running only).** The end of vertical loading: after the last shoulder of
///    the unloading, the vertical signal drops into free fall. TO is the sharpest bend
///    (most negative second difference) of the vertical signal in the
///    `toSearchSeconds` before it enters flight, bounded to Kiernan et al. 2023's stance
///    of 95-270 ms after IC. Without flight there is no toe-off, so no contact time.
/// 5. **Side** from the medio-lateral acceleration (`StepSideLabeller`), or alternating
///    A/B when there is no medio-lateral signal.
///
/// ## Latency
/// An IC is known `icLookAheadSeconds` after the loading rise, a TO `kneeSpacingSeconds`
/// after flight begins. With `.alternate` sides they are emitted then; with
/// `.medioLateral` each step's events wait for the next step's end (about two steps).
/// The first events of a run come out once the calibration window has filled.
public struct SacrumEventDetector: Sendable {
    // MARK: Constants, each with its source.

    /// Body weight as a vertical specific force (g): Newton's second law, F/m = a + g, so
    /// a vertical ground reaction force of one body weight reads 1 g at the centre of mass.
    public static let bodyWeightLevelG = 1.0
    /// Hysteresis around body weight (g), against sensor noise and the small ripples the
    /// 20 Hz low-pass leaves on the trunk signal (a few hundredths of g).
    public static let loadHysteresisG = 0.03
    /// Below this vertical specific force (g) the body is taken to be in flight: free fall
    /// reads about 0 g with gravity included (running-gait-facts.md, "Sacrum"); the margin
    /// allows for pelvic rotation and the tilt left by gravity calibration.
    public static let flightLevelG = 0.2
    /// Shortest near-free-fall interval that counts as a flight (s): one fifth of the
    /// shortest typical flight, 50 ms (running-gait-facts.md, "Normal values"), because
    /// low-pass filtering shortens the near-zero plateau.
    public static let minFlightSeconds = 0.010
    /// Shortest and longest stance (s), Kiernan et al. 2023's physiological bounds
    /// (running-gait-facts.md).
    public static let minStanceSeconds = 0.095
    /// See `minStanceSeconds`.
    public static let maxStanceSeconds = 0.270
    /// Shortest step (s): at most 4.75 steps/s (Kiernan et al. 2023).
    public static let minStepSeconds = 1 / 4.75
    /// A new step may not start before this fraction of the previous step time has passed:
    /// step-time variability in steady gait is a few percent, so 60 % leaves a wide margin
    /// while rejecting a second rise through body weight within one stance.
    public static let stepRefractoryFraction = 0.6
    /// A longer interval between steps ends a bout (s); see `ActivityClassifier`.
    public static let maxStepGapSeconds = ActivityClassifier.maxStepIntervalSeconds
    /// The IC is decided this long after the loading rise through body weight (s): half
    /// the shortest stance (95 ms), so the braking dip that follows contact is in view.
    public static let icLookAheadSeconds = minStanceSeconds / 2
    /// How far before the loading rise the braking dip and the steepest vertical rise are
    /// searched (s): the rise from contact to body weight is a fraction of the shortest
    /// stance; we allow 40 ms.
    public static let icLookBackSeconds = 0.040
    /// Window (s) in which the steepest slope before a turning point, and the level the
    /// signal held before that slope, are searched: half the shortest stance.
    public static let slopeWindowSeconds = minStanceSeconds / 2
    /// If the AP (braking) and the vertical (loading) IC estimates differ by more than
    /// this (s), the vertical one is kept: half the ±50 ms tolerance within which an IC
    /// counts as found (issue 3 targets). A design choice, not fitted to a recording.
    public static let icAgreementSeconds = 0.025
    /// How long before entering flight the end of loading is searched for (s): the final
    /// unloading of the sacral signal, from its last shoulder to free fall.
    public static let toSearchSeconds = 0.060
    /// Spacing of the second difference that finds the end of loading (s): short against
    /// the 20 Hz signal bandwidth (a 50 ms period) so the bend is not smeared.
    public static let kneeSpacingSeconds = 0.006
    /// Default calibration window (s): about three running strides, or a short stand.
    public static let defaultCalibrationSeconds = 2.0
    /// Default time constant of gravity tracking after calibration (s): long against a
    /// stride (≈0.7 s), so the stride's own acceleration leaves < 1° of wobble.
    public static let defaultGravityTrackingSeconds = 10.0
    /// Default low-pass cutoff (Hz) applied to the body-frame signals: the 20 Hz used for
    /// the sacral signals of Alcantara et al. 2022 (datasets/README.md); the trunk's
    /// gait content lies below it.
    public static let defaultPrefilterCutoffHz = 20.0

    /// Tuning that depends on the installation, not on physiology.
    public struct Configuration: Sendable, Equatable {
        /// Nominal output data rate (Hz).
        public var sampleRateHz: Double
        /// Nominal mounting (up and forward in the sensor frame).
        public var mounting: MountingAxes
        /// Where the side comes from.
        public var sideSource: SideSource
        /// Low-pass cutoff for the body-frame signals (Hz), nil for none. Event times are
        /// corrected by the filter's group delay.
        public var prefilterCutoffHz: Double?
        /// Gravity calibration window (s).
        public var calibrationSeconds: Double
        /// Gravity tracking time constant (s), 0 to freeze the calibration.
        public var gravityTrackingSeconds: Double

        /// Creates a configuration.
        public init(
            sampleRateHz: Double,
            mounting: MountingAxes,
            sideSource: SideSource = .medioLateral,
            prefilterCutoffHz: Double? = SacrumEventDetector.defaultPrefilterCutoffHz,
            calibrationSeconds: Double = SacrumEventDetector.defaultCalibrationSeconds,
            gravityTrackingSeconds: Double = SacrumEventDetector.defaultGravityTrackingSeconds
        ) {
            self.sampleRateHz = sampleRateHz
            self.mounting = mounting
            self.sideSource = sideSource
            self.prefilterCutoffHz = prefilterCutoffHz
            self.calibrationSeconds = calibrationSeconds
            self.gravityTrackingSeconds = gravityTrackingSeconds
        }
    }

    /// The configuration in use.
    public let configuration: Configuration

    /// The current body-frame alignment, nil until calibrated.
    public private(set) var alignment: BodyFrameAlignment?

    /// Standing / walking / running and cadence, updated with every step.
    public private(set) var classifier = ActivityClassifier()

    /// The current activity (shorthand for `classifier.activity`).
    public var activity: Activity { classifier.activity }

    // Sample-count conversions of the constants.
    private let periodNs: Double
    private let minFlightSamples: Int
    private let minStanceSamples: Double
    private let maxStanceSamples: Double
    private let minStepSamples: Int
    private let maxStepGapSamples: Int
    private let lookAheadSamples: Int
    private let lookBackSamples: Int
    private let slopeSamples: Int
    private let agreementSamples: Double
    private let toSearchSamples: Int
    private let kneeSamples: Int
    private let groupDelaySamples: Double
    private let alignmentRefreshSamples = 64

    // Calibration.
    private var gravity: GravityEstimator
    private var held: RingBuffer<IMUSample>
    private var sinceRefresh = 0

    // Filters and history (body frame, filtered).
    private let filterTemplate: Biquad?
    private var lpV: Biquad?
    private var lpAP: Biquad?
    private var lpML: Biquad?
    private var filtersPrimed = false
    private var vBuf: RingBuffer<Float>
    private var apBuf: RingBuffer<Float>
    private var tBuf: RingBuffer<UInt64>
    private var lastClippedIndex = Int.min / 2

    // Step state.
    private var armed = false
    private var belowFlightRun = 0
    private var flightSinceCrossing = false
    private var lastCrossIndex = -1
    private var lastStepIntervalSamples = 0
    private var lastStepHadFlight = false
    private var pendingCross = -1
    private var pendingHadFlight = false
    private var stanceOpen = false
    private var icIndex = 0.0
    private var pendingFlightEntry = -1
    private var mlSum = 0.0
    private var mlCount = 0
    private var labeller: StepSideLabeller

    /// Creates a detector. Rates, cutoffs and windows are clamped to sane values rather
    /// than trapping (a daemon carries on).
    public init(configuration: Configuration) {
        self.configuration = configuration
        let fs = configuration.sampleRateHz > 0 ? configuration.sampleRateHz : 100
        func samples(_ s: Double) -> Int { Swift.max(1, Int((s * fs).rounded())) }
        periodNs = 1e9 / fs
        minFlightSamples = samples(Self.minFlightSeconds)
        minStanceSamples = Self.minStanceSeconds * fs
        maxStanceSamples = Self.maxStanceSeconds * fs
        minStepSamples = samples(Self.minStepSeconds)
        maxStepGapSamples = samples(Self.maxStepGapSeconds)
        lookAheadSamples = samples(Self.icLookAheadSeconds)
        lookBackSamples = samples(Self.icLookBackSeconds)
        slopeSamples = samples(Self.slopeWindowSeconds)
        agreementSamples = Self.icAgreementSeconds * fs
        toSearchSamples = samples(Self.toSearchSeconds)
        kneeSamples = samples(Self.kneeSpacingSeconds)
        let calibration = samples(Swift.max(0, configuration.calibrationSeconds))
        gravity = GravityEstimator(
            windowSamples: calibration,
            trackingTimeConstantSamples: Swift.max(0, configuration.gravityTrackingSeconds) * fs)
        held = RingBuffer(capacity: calibration, filler: .empty)
        if let fc = configuration.prefilterCutoffHz, let f = Biquad.butterworthLowPass(cutoffHz: fc, sampleRateHz: fs) {
            filterTemplate = f
            groupDelaySamples = f.groupDelayAtDCSamples
        } else {
            filterTemplate = nil
            groupDelaySamples = 0
        }
        lpV = filterTemplate
        lpAP = filterTemplate
        lpML = filterTemplate
        // History: the longest look-back is a full stance plus the toe-off search and the
        // slope windows; one second is ample at any rate.
        let history = samples(1.0) + 16
        vBuf = RingBuffer(capacity: history, filler: 0)
        apBuf = RingBuffer(capacity: history, filler: 0)
        tBuf = RingBuffer(capacity: history, filler: 0)
        labeller = StepSideLabeller(source: configuration.sideSource, maxStepGapSeconds: Self.maxStepGapSeconds)
    }

    /// Processes one sample; detected events are passed to `emit`, in time order per kind.
    public mutating func process(_ sample: IMUSample, emit: (GaitEvent) -> Void) {
        if sample.flags.contains(.afterGap) { restartAfterGap(emit: emit) }
        gravity.add(sample.accel)
        guard let current = alignment else {
            held.append(sample)
            guard gravity.isCalibrated else { return }
            guard let g = gravity.gravity, let a = BodyFrameAlignment(gravity: g, mounting: configuration.mounting) else {
                gravity.reset()
                held.removeAll()
                return
            }
            alignment = a
            var i = held.oldestIndex
            while i <= held.newestIndex {
                if let s = held.element(at: i) { step(s, frame: a, emit: emit) }
                i += 1
            }
            held.removeAll()
            return
        }
        sinceRefresh += 1
        var frame = current
        if sinceRefresh >= alignmentRefreshSamples {
            sinceRefresh = 0
            if let g = gravity.gravity, let a = BodyFrameAlignment(gravity: g, mounting: configuration.mounting) {
                alignment = a
                frame = a
            }
        }
        step(sample, frame: frame, emit: emit)
    }

    /// Emits everything still held (call at the end of a recording or before shutdown).
    public mutating func finish(emit: (GaitEvent) -> Void) {
        if alignment == nil, held.count > 0, let g = gravity.gravity ?? meanOfHeld(),
           let a = BodyFrameAlignment(gravity: g, mounting: configuration.mounting) {
            alignment = a
            var i = held.oldestIndex
            while i <= held.newestIndex {
                if let s = held.element(at: i) { step(s, frame: a, emit: emit) }
                i += 1
            }
            held.removeAll()
        }
        if mlCount > 0, labeller.pendingCount > 0 {
            labeller.closeStep(medioLateralMean: mlSum / Double(mlCount), emit: emit)
        }
        labeller.flush(emit: emit)
    }

    // MARK: - Per-sample core

    private mutating func step(_ sample: IMUSample, frame: BodyFrameAlignment, emit: (GaitEvent) -> Void) {
        let b = frame.toBody(sample.accel)
        var v = Double(b.vertical), ap = Double(b.anteroPosterior), ml = Double(b.medioLateral)
        if filterTemplate != nil {
            if !filtersPrimed {
                lpV?.reset(steadyInput: v)
                lpAP?.reset(steadyInput: ap)
                lpML?.reset(steadyInput: ml)
                filtersPrimed = true
            }
            v = lpV?.process(v) ?? v
            ap = lpAP?.process(ap) ?? ap
            ml = lpML?.process(ml) ?? ml
        }
        let n = vBuf.totalAppended
        let vPrev = Double(vBuf.clampedElement(at: n - 1, fallback: Float(v)))
        vBuf.append(Float(v))
        apBuf.append(Float(ap))
        tBuf.append(sample.timeNs)
        if sample.flags.contains(.clipped) { lastClippedIndex = n }
        classifier.advance(to: sample.timeNs)
        // The step's medio-lateral mean covers at most one step time, so the last step
        // before a pause is not diluted by the standing that follows.
        if mlCount < (lastStepIntervalSamples > 0 ? lastStepIntervalSamples : maxStepGapSamples) {
            mlSum += ml
            mlCount += 1
        }

        // A pause ends the bout: release what waits for a side.
        if lastCrossIndex >= 0, n - lastCrossIndex == maxStepGapSamples {
            if mlCount > 0 { labeller.closeStep(medioLateralMean: mlSum / Double(mlCount), emit: emit) }
            labeller.flush(emit: emit)
            stanceOpen = false
        }

        // Flight: near free fall for long enough.
        if v < Self.flightLevelG {
            belowFlightRun += 1
            if belowFlightRun >= minFlightSamples { flightSinceCrossing = true }
        } else {
            belowFlightRun = 0
        }

        // Entering flight closes an open stance: schedule its toe-off.
        if stanceOpen, vPrev >= Self.flightLevelG, v < Self.flightLevelG {
            let sinceIC = Double(n) - icIndex
            if sinceIC >= minStanceSamples {
                if sinceIC <= maxStanceSamples + Double(toSearchSamples) { pendingFlightEntry = n }
                stanceOpen = false
            }
        }
        if pendingFlightEntry >= 0, n >= pendingFlightEntry + kneeSamples {
            estimateToeOff(flightEntry: pendingFlightEntry, emit: emit)
            pendingFlightEntry = -1
        }

        // Loading: a rise through body weight after having been below it.
        if v < Self.bodyWeightLevelG - Self.loadHysteresisG { armed = true }
        if armed, v > Self.bodyWeightLevelG + Self.loadHysteresisG {
            armed = false
            acceptCrossingIfPlausible(at: n, emit: emit)
        }
        if pendingCross >= 0, n >= pendingCross + lookAheadSamples {
            estimateInitialContact(crossing: pendingCross, emit: emit)
            pendingCross = -1
        }
    }

    private mutating func acceptCrossingIfPlausible(at n: Int, emit: (GaitEvent) -> Void) {
        if lastCrossIndex >= 0 {
            let since = n - lastCrossIndex
            let refractory = Swift.max(minStepSamples,
                                       Int(Self.stepRefractoryFraction * Double(lastStepIntervalSamples)))
            if since < refractory { return }
            // After a running step, a second rise inside one stance (no flight between)
            // is not a new step.
            if lastStepHadFlight, !flightSinceCrossing, Double(since) < maxStanceSamples { return }
            lastStepIntervalSamples = since < maxStepGapSamples ? since : 0
        }
        // The medio-lateral mean of the step that has just ended.
        if lastCrossIndex >= 0, mlCount > 0 {
            labeller.closeStep(medioLateralMean: mlSum / Double(mlCount), emit: emit)
        }
        mlSum = 0
        mlCount = 0
        stanceOpen = false
        pendingFlightEntry = -1
        pendingCross = n
        pendingHadFlight = flightSinceCrossing
        lastStepHadFlight = flightSinceCrossing
        flightSinceCrossing = false
        lastCrossIndex = n
    }

    // MARK: - Event estimates

    private func vAt(_ i: Int) -> Double { Double(vBuf.clampedElement(at: i, fallback: 0)) }
    private func apAt(_ i: Int) -> Double { Double(apBuf.clampedElement(at: i, fallback: 0)) }
    /// Central difference per sample.
    private func dv(_ i: Int) -> Double { (vAt(i + 1) - vAt(i - 1)) / 2 }
    private func dap(_ i: Int) -> Double { (apAt(i + 1) - apAt(i - 1)) / 2 }

    /// IC from the vertical rise: tangent at the steepest rise near the crossing, back to
    /// the lowest level just before it. Returns a fractional sample index.
    private func verticalOnset(crossing c: Int) -> Double {
        var k = c
        var best = -Double.infinity
        var i = c - lookBackSamples
        while i <= c + lookAheadSamples / 2 {
            let d = dv(i)
            if d > best { best = d; k = i }
            i += 1
        }
        var base = vAt(k)
        i = k - slopeSamples
        while i < k {
            base = Swift.min(base, vAt(i))
            i += 1
        }
        guard best > 0 else { return Double(c) }
        let onset = Double(k) - (vAt(k) - base) / best
        return Swift.max(Double(k - slopeSamples), onset)
    }

    /// IC from the braking dip: tangent at the steepest AP fall into the dip after the
    /// crossing, back to the level held before the fall. Nil if there is no fall.
    private func brakingOnset(crossing c: Int) -> Double? {
        var m = c
        var lowest = Double.infinity
        var i = c - lookBackSamples
        while i <= c + lookAheadSamples - 1 {
            let a = apAt(i)
            if a < lowest { lowest = a; m = i }
            i += 1
        }
        var s = m
        var steepest = 0.0
        i = m - slopeSamples
        while i <= m {
            let d = dap(i)
            if d < steepest { steepest = d; s = i }
            i += 1
        }
        guard steepest < 0 else { return nil }
        var top = apAt(s)
        i = s - slopeSamples
        while i < s {
            top = Swift.max(top, apAt(i))
            i += 1
        }
        let onset = Double(s) - (top - apAt(s)) / (-steepest)
        return Swift.max(Double(s - slopeSamples), onset)
    }

    private mutating func estimateInitialContact(crossing c: Int, emit: (GaitEvent) -> Void) {
        let vertical = verticalOnset(crossing: c)
        var ic = vertical
        if pendingHadFlight, let braking = brakingOnset(crossing: c), abs(braking - vertical) <= agreementSamples {
            ic = braking
        }
        // Peak vertical acceleration from contact to now (the impact peak, if any).
        var peak = -Double.infinity
        var i = Int(ic.rounded(.down))
        let now = vBuf.newestIndex
        while i <= now {
            peak = Swift.max(peak, vAt(i))
            i += 1
        }
        let clipped = lastClippedIndex >= Int(ic) - 1
        let t = time(atIndex: ic - groupDelaySamples)
        icIndex = ic
        stanceOpen = true
        classifier.registerStep(at: t, hadFlight: pendingHadFlight)
        labeller.openStep(icTimeNs: t, peakG: Float(peak), clipped: clipped, emit: emit)
    }

    private mutating func estimateToeOff(flightEntry f: Int, emit: (GaitEvent) -> Void) {
        let lo = Swift.max(Int((icIndex + minStanceSamples).rounded(.up)), f - toSearchSamples)
        var knee = f
        var sharpest = Double.infinity
        var i = lo
        while i <= f {
            let d2 = vAt(i + kneeSamples) - 2 * vAt(i) + vAt(i - kneeSamples)
            if d2 < sharpest { sharpest = d2; knee = i }
            i += 1
        }
        let to = Swift.min(Swift.max(Double(knee), icIndex + minStanceSamples), icIndex + maxStanceSamples)
        labeller.setToeOff(timeNs: time(atIndex: to - groupDelaySamples), emit: emit)
    }

    /// Time of a fractional sample index, from the stored sample times and the nominal
    /// period between them.
    private func time(atIndex x: Double) -> UInt64 {
        let i0 = Int(x.rounded(.down))
        let t0 = tBuf.clampedElement(at: i0, fallback: 0)
        let clampedIndex = Swift.min(Swift.max(i0, tBuf.oldestIndex), tBuf.newestIndex)
        let offsetNs = (x - Double(clampedIndex)) * periodNs
        if offsetNs >= 0 { return t0 &+ UInt64(offsetNs) }
        let back = UInt64(-offsetNs)
        return t0 > back ? t0 - back : 0
    }

    // MARK: - Housekeeping

    private mutating func restartAfterGap(emit: (GaitEvent) -> Void) {
        if mlCount > 0, labeller.pendingCount > 0 {
            labeller.closeStep(medioLateralMean: mlSum / Double(mlCount), emit: emit)
        }
        labeller.flush(emit: emit)
        classifier.reset()
        vBuf.removeAll()
        apBuf.removeAll()
        tBuf.removeAll()
        filtersPrimed = false
        armed = false
        belowFlightRun = 0
        flightSinceCrossing = false
        lastCrossIndex = -1
        lastStepIntervalSamples = 0
        lastStepHadFlight = false
        pendingCross = -1
        stanceOpen = false
        pendingFlightEntry = -1
        mlSum = 0
        mlCount = 0
        lastClippedIndex = Int.min / 2
    }

    private func meanOfHeld() -> Vector3? {
        guard held.count > 0 else { return nil }
        var s = Vector3.zero
        var i = held.oldestIndex
        while i <= held.newestIndex {
            if let e = held.element(at: i) { s = s + e.accel }
            i += 1
        }
        return s.scaled(1 / Float(held.count))
    }
}
