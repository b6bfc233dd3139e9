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
///    while, is a running step. With no flight in the last `maxStepGapSeconds` (walking),
///    steps come instead from `WalkingStepFinder` (one loading peak per step, threshold
///    adapted to the walker's amplitude, level-free; a weak peak, as in a turn or a
///    shuffle, only where the walking rhythm puts the next step), and the walking IC is
///    the onset of the rise before that peak; the step rhythm (median of recent intervals, missed or
///    spurious steps left out) sizes the side windows.
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
/// 5. **Side** from the medio-lateral acceleration over step-time windows around each
///    contact (`StepSideLabeller`), decided per step from its own signal (alternating
///    with the step before when that signal is much weaker than usual), or alternating
///    A/B when there is no medio-lateral signal. (The gyroscope's yaw rate at contact was
///    measured as a side cue on the walking recordings: 87-89 % at the reference contacts,
///    below the medio-lateral rule, so it is not used.)
///
/// ## Latency
/// An IC is known `icLookAheadSeconds` after the loading rise, a TO `kneeSpacingSeconds`
/// after flight begins. With `.alternate` sides they are emitted then; with
/// `.medioLateral` each step's events wait two step times after its contact. A walking
/// step is known `WalkingStepFinder.peakWindowSeconds` after its loading peak.
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
    /// In walking, the IC is searched on the vertical rise this long before the step's
    /// loading peak (s): the loading response, from contact to the first vertical force
    /// peak, takes about the first 10-12 % of a ≈1.1 s gait cycle (Perry & Burnfield,
    /// Gait Analysis), so 0.15 s covers it with a margin.
    public static let walkingRiseSearchSeconds = 0.15
    /// Step time assumed before a rhythm is known (s): about 110 steps/min, the usual
    /// walking cadence of healthy adults (Mobilise-D reference bouts here: 81-104).
    public static let defaultStepSeconds = 0.55
    /// A step interval longer than this multiple of the typical one is taken as a missed
    /// step (shorter than its inverse, as a spurious one) and does not update the rhythm:
    /// two steps in one interval give 2×, and step-time variability in steady walking is
    /// a few percent.
    public static let missedStepFactor = 1.6
    /// Shortest typical step time (s) that is taken as a walking rhythm, for accepting
    /// weak steps: 120 steps/min, about the fastest cadence of healthy adults walking
    /// (the same bound sets `WalkingStepFinder.peakWindowSeconds`; Mobilise-D reference
    /// bouts here: 81-104 steps/min).
    public static let fastestWalkingStepSeconds = 0.5
    /// History of the medio-lateral signal kept for side decisions (s): three step times
    /// (the step and one on each side) at the slowest walking cadence (≈60 steps/min) plus margin.
    public static let sideHistorySeconds = 4.0
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
    private var labeller: StepSideLabeller

    // Walking steps, rhythm and the side windows.
    private var walking: WalkingStepFinder
    private var mlCum: RingBuffer<Double>
    private var mlRunningSum = 0.0
    private var lastFlightIndex = Int.min / 2
    private var rhythm = (0, 0, 0)
    private var rhythmCount = 0
    private var skippedIntervals = 0
    private let defaultStepSamples: Int
    private let riseSearchSamples: Int
    private let fastestWalkingStepSamples: Double
    private var heldWeakPeak = -1

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
        // History: the longest look-back is a weak first step of a walking bout, up to
        // `missedStepFactor` slow steps (1 s each, 60 steps/min) before the step that
        // vouches for it, plus that step's peak window and the rise search; 2.5 s holds it.
        let history = samples(2.5) + 16
        vBuf = RingBuffer(capacity: history, filler: 0)
        apBuf = RingBuffer(capacity: history, filler: 0)
        tBuf = RingBuffer(capacity: history, filler: 0)
        labeller = StepSideLabeller(source: configuration.sideSource, maxStepGapSeconds: Self.maxStepGapSeconds)
        walking = WalkingStepFinder(sampleRateHz: fs)
        mlCum = RingBuffer(capacity: samples(Self.sideHistorySeconds) + 16, filler: 0)
        defaultStepSamples = samples(Self.defaultStepSeconds)
        riseSearchSamples = samples(Self.walkingRiseSearchSeconds)
        fastestWalkingStepSamples = Self.fastestWalkingStepSeconds * fs
    }

    /// Samples dropped because a value was infinite or NaN (a corrupt recording).
    public var nonFiniteSamples: Int { finiteGate.dropped }
    private var finiteGate = FiniteSampleGate()

    /// Processes one sample; detected events are passed to `emit`, in time order per kind.
    public mutating func process(_ sample: IMUSample, emit: (GaitEvent) -> Void) {
        switch finiteGate.admit(sample) {
        case .drop: return
        case .restartThenProcess: restartAfterGap(emit: emit)
        case .process: break
        }
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
        let ml = mlCum
        let stepSamples = typicalStepSamples
        labeller.flush(emit: emit) { Self.sideContrast(ml, icIndex: $0, stepSamples: stepSamples) }
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
        mlRunningSum += ml
        mlCum.append(mlRunningSum)

        // Steps whose side windows are complete get their side.
        if labeller.pendingCount > 0 {
            let t = typicalStepSamples
            let mlHistory = mlCum
            labeller.releaseDue(now: n, dueAfterSamples: 2 * t + 1, emit: emit) {
                Self.sideContrast(mlHistory, icIndex: $0, stepSamples: t)
            }
        }

        // A pause ends the bout.
        if lastCrossIndex >= 0, n - lastCrossIndex == maxStepGapSamples {
            stanceOpen = false
            rhythmCount = 0
        }

        // Flight: near free fall for long enough.
        if v < Self.flightLevelG {
            belowFlightRun += 1
            if belowFlightRun >= minFlightSamples {
                flightSinceCrossing = true
                lastFlightIndex = n
            }
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
        // Running steps (and any step within a couple of seconds of a flight, and the very
        // first step, before a flight could be seen) come from this rise; walking steps
        // from the walking step finder.
        let running = flightSinceCrossing || n - lastFlightIndex < maxStepGapSamples || lastCrossIndex < 0
        if armed, v > Self.bodyWeightLevelG + Self.loadHysteresisG {
            armed = false
            if running { acceptCrossingIfPlausible(at: n, emit: emit) }
        }
        if let peak = walking.add(verticalG: v, index: n), !running {
            if !peak.isWeak || weakPeakFitsRhythm(peak.index) {
                acceptWeakFirstStep(before: peak.index, emit: emit)
                acceptWalkingPeak(peak.index, emit: emit)
            } else {
                heldWeakPeak = peak.index
            }
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
            recordInterval(since)
        }
        stanceOpen = false
        pendingFlightEntry = -1
        pendingCross = n
        pendingHadFlight = flightSinceCrossing
        lastStepHadFlight = flightSinceCrossing
        flightSinceCrossing = false
        lastCrossIndex = n
    }

    /// A walking step: its loading peak at sample `p` (see `WalkingStepFinder`). Only the
    /// physiological shortest step applies as a refractory period: the finder's peak
    /// window already keeps one peak per step, and a refractory period scaled by the last
    /// interval would, after one missed step, hide every other step from then on.
    private mutating func acceptWalkingPeak(_ p: Int, emit: (GaitEvent) -> Void) {
        if lastCrossIndex >= 0 {
            let since = p - lastCrossIndex
            if since < minStepSamples { return }
            lastStepIntervalSamples = since < maxStepGapSamples ? since : 0
            recordInterval(since)
        }
        stanceOpen = false
        pendingFlightEntry = -1
        pendingCross = -1
        lastStepHadFlight = false
        flightSinceCrossing = false
        lastCrossIndex = p
        let ic = walkingOnset(peak: p)
        var peak = -Double.infinity
        var i = Int(ic.rounded(.down))
        while i <= p {
            peak = Swift.max(peak, vAt(i))
            i += 1
        }
        let clipped = lastClippedIndex >= Int(ic) - 1 && lastClippedIndex <= p
        let t = time(atIndex: ic - groupDelaySamples)
        classifier.registerStep(at: t, hadFlight: false)
        let ml = mlCum
        let stepSamples = typicalStepSamples
        labeller.openStep(icTimeNs: t, icIndex: Int(ic.rounded()), peakG: Float(peak), clipped: clipped, emit: emit) {
            Self.sideContrast(ml, icIndex: $0, stepSamples: stepSamples)
        }
    }

    /// Whether a weak loading peak at sample `p` is where the next step is due. A weak
    /// bump can be a real step (a turn, a shuffle, a slowing step) or the shoulder of the
    /// step before it, a postural sway while standing, or a bump in the rise of gait
    /// initiation; only the rhythm tells them apart, so it must be a walking rhythm and the
    /// bump must sit where it puts the next step:
    /// - a typical step time of at least `fastestWalkingStepSeconds` (a faster rhythm is
    ///   not walking, or was built from spurious steps and predicts nothing);
    /// - an interval since the last step that the rhythm would not call an outlier: from
    ///   1/`missedStepFactor` to `missedStepFactor` times the typical step time (so after
    ///   a missed step or a pause the rhythm no longer vouches for a bump).
    private func weakPeakFitsRhythm(_ p: Int) -> Bool {
        guard lastCrossIndex >= 0, rhythmCount > 0 else { return false }
        let typical = Double(typicalStepSamples)
        let since = Double(p - lastCrossIndex)
        return typical >= fastestWalkingStepSamples
            && since * Self.missedStepFactor >= typical
            && since <= Self.missedStepFactor * typical
    }

    /// The first step of a bout is often a weak one (gait initiation: the walker starts
    /// from rest, or turns on the spot, and the trunk barely rises), and no rhythm yet
    /// vouches for it. The step after it does: a weak peak held since a pause (no step for
    /// `maxStepGapSeconds`) that lies one typical step time before the step at `p` (within
    /// the rhythm's outlier bounds, `missedStepFactor`) is taken as the bout's first step.
    private mutating func acceptWeakFirstStep(before p: Int, emit: (GaitEvent) -> Void) {
        let w = heldWeakPeak
        heldWeakPeak = -1
        guard w >= 0, w < p, lastCrossIndex >= 0, w - lastCrossIndex >= maxStepGapSamples else { return }
        let interval = Double(p - w)
        let typical = Double(typicalStepSamples)
        guard interval * Self.missedStepFactor >= typical, interval <= Self.missedStepFactor * typical else { return }
        acceptWalkingPeak(w, emit: emit)
    }

    /// Adds a step interval (samples) to the rhythm; an interval of about two steps (a
    /// missed step) or well under one (a spurious peak) is left out once, a pause restarts
    /// the rhythm.
    private mutating func recordInterval(_ since: Int) {
        guard since < maxStepGapSamples else {
            rhythmCount = 0
            return
        }
        let typical = Double(typicalStepSamples)
        let outlier = Double(since) > Self.missedStepFactor * typical || Double(since) * Self.missedStepFactor < typical
        if outlier, skippedIntervals == 0 {
            skippedIntervals += 1
            return
        }
        skippedIntervals = 0
        rhythm = (since, rhythm.0, rhythm.1)
        rhythmCount = Swift.min(rhythmCount + 1, 3)
    }

    /// The typical step time (samples): the median of the last three intervals, or the
    /// default before any.
    private var typicalStepSamples: Int {
        switch rhythmCount {
        case 0: return defaultStepSamples
        case 1: return rhythm.0
        case 2: return (rhythm.0 + rhythm.1) / 2
        default: return Swift.max(Swift.min(rhythm.0, rhythm.1), Swift.min(Swift.max(rhythm.0, rhythm.1), rhythm.2))
        }
    }

    /// Medio-lateral contrast of the step at `icIndex` (g, + left): the mean over one step
    /// time after the contact minus the mean of the step times before and after it
    /// (see `StepSideLabeller`). Windows that are no longer (or not yet) held are left
    /// out; nil when neither neighbour window is available.
    private static func sideContrast(_ ml: RingBuffer<Double>, icIndex i: Int, stepSamples t: Int) -> Double? {
        let step = Swift.max(1, Swift.min(t, (ml.capacity - 2) / 3))
        func mean(_ a: Int, _ b: Int) -> Double? {
            guard let hi = ml.element(at: b - 1), let lo = ml.element(at: a - 1) else { return nil }
            return (hi - lo) / Double(b - a)
        }
        guard let own = mean(i, i + step) else { return nil }
        let before = mean(i - step, i)
        let after = mean(i + step, i + 2 * step)
        switch (before, after) {
        case let (b?, a?): return own - (b + a) / 2
        case let (b?, nil): return own - b
        case let (nil, a?): return own - a
        default: return nil
        }
    }

    // MARK: - Event estimates

    /// IC of a walking step from the rise before its loading peak `p`: the tangent at the
    /// steepest rise within `walkingRiseSearchSeconds` before the peak, back to the lowest
    /// level just before it.
    private func walkingOnset(peak p: Int) -> Double {
        tangentOnset(searchFrom: p - riseSearchSamples, to: p, fallback: p)
    }

    /// The onset of a vertical rise: the tangent at the steepest rise in `[from, to]`,
    /// followed back to the lowest level in the `slopeSamples` before it (at most that far
    /// back). `fallback` when there is no rise. A fractional sample index.
    private func tangentOnset(searchFrom from: Int, to: Int, fallback: Int) -> Double {
        var k = fallback
        var best = -Double.infinity
        var i = from
        while i <= to {
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
        guard best > 0 else { return Double(fallback) }
        let onset = Double(k) - (vAt(k) - base) / best
        return Swift.max(Double(k - slopeSamples), onset)
    }

    private func vAt(_ i: Int) -> Double { Double(vBuf.clampedElement(at: i, fallback: 0)) }
    private func apAt(_ i: Int) -> Double { Double(apBuf.clampedElement(at: i, fallback: 0)) }
    /// Central difference per sample.
    private func dv(_ i: Int) -> Double { (vAt(i + 1) - vAt(i - 1)) / 2 }
    private func dap(_ i: Int) -> Double { (apAt(i + 1) - apAt(i - 1)) / 2 }

    /// IC from the vertical rise: tangent at the steepest rise near the crossing, back to
    /// the lowest level just before it. Returns a fractional sample index.
    private func verticalOnset(crossing c: Int) -> Double {
        tangentOnset(searchFrom: c - lookBackSamples, to: c + lookAheadSamples / 2, fallback: c)
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
        let ml = mlCum
        let stepSamples = typicalStepSamples
        labeller.openStep(icTimeNs: t, icIndex: Int(ic.rounded()), peakG: Float(peak), clipped: clipped, emit: emit) {
            Self.sideContrast(ml, icIndex: $0, stepSamples: stepSamples)
        }
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
        let ml = mlCum
        let stepSamples = typicalStepSamples
        labeller.flush(emit: emit) { Self.sideContrast(ml, icIndex: $0, stepSamples: stepSamples) }
        classifier.reset()
        walking.reset()
        mlCum.removeAll()
        mlRunningSum = 0
        lastFlightIndex = Int.min / 2
        rhythmCount = 0
        skippedIntervals = 0
        vBuf.removeAll()
        apBuf.removeAll()
        tBuf.removeAll()
        filtersPrimed = false
        armed = false
        belowFlightRun = 0
        flightSinceCrossing = false
        lastCrossIndex = -1
        heldWeakPeak = -1
        lastStepIntervalSamples = 0
        lastStepHadFlight = false
        pendingCross = -1
        stanceOpen = false
        pendingFlightEntry = -1
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
