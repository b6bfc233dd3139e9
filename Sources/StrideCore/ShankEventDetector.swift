/// Streaming initial-contact and toe-off detection from one accelerometer on the distal
/// antero-medial tibia of one leg, with peak tibial acceleration (PTA) and loading rate.
/// One detector per leg; it is told its side.
///
/// Feed it every sample with `process(_:emit:)`; events come out through the closure,
/// later than the samples that completed them (see "Latency"). The per-sample path
/// allocates nothing: every buffer is sized at creation.
///
/// ## Method
/// 1. **Body frame.** The tibia's long (axial) axis is the direction of gravity while the
///    runner stands still (`ShankStillness`). Until a stand is seen, the mean specific
///    force over the first `calibrationSeconds` (whole strides) stands in for it; that
///    mean is tilted in the sagittal plane by the shank's mean inclination, which costs
///    PTA accuracy (a few to ~10 %) but not event timing, and the first stand replaces
///    it. The antero-posterior and medio-lateral axes keep the nominal mounting's heading
///    (gravity cannot reveal it); only the axial axis matters for the impact. Samples of
///    the first window are held and replayed once the frame is known.
/// 2. **Impact peak.** A candidate is a sample of axial acceleration above 3 g with no
///    higher value within the following 375 ms (Van den Berghe et al. 2021's real-time
///    tibial-shock rule). The PTA is the peak between samples, from a half-kink fitted
///    around it (`ImpactPeakFit`: smooth top of the rise, abrupt fall), flagged clipped
///    when any sample from contact to the end of that fit is clipped.
/// 3. **Initial contact** is the onset of the impact, not its peak: the axial signal rises
///    from its pre-contact level to the peak within 5-25 ms (Lafortune et al. 1996;
///    Sinclair et al. 2013 take IC from this distal-tibia axial rise). The times at which
///    the rise crosses 8 %, 20 % and 50 % of its height are interpolated between samples;
///    the onset is extrapolated from them assuming the early rise follows a power law
///    c·(t − t₀)ⁿ, whose exponent n the three crossings determine (crossing levels in a
///    geometric ratio r have crossing delays in the ratio q = r^(1/n)). That is exact for
///    an abrupt (n = 1) or a smooth (n = 2) onset, so no rise shape is assumed. The
///    loading rate is the mean slope from the onset to the peak.
/// 4. **Toe-off.** Within the stance bounds after IC (95 ms, Kiernan et al. 2023, to
///    `maxStanceSeconds` or half the last stride, since running has a flight), TO is the
///    sharp axial minimum at the end of push-off, where the foot's release unloads the
///    tibia (Sinclair et al. 2013 take TO from the distal-tibia axial signal), found on a
///    short centred moving average and refined by a parabola. With a gyroscope it is the
///    most negative medio-lateral angular velocity instead: the shank rotates backward
///    fastest as the foot leaves the ground (the usual gyroscope TO landmark, Aminian et
///    al. 2002).
/// 5. **Rhythm.** Stances are emitted only inside a plausible running stride rhythm
///    (`ShankRhythmGate`: Kiernan et al. 2023's bounds), so walking, standing and isolated
///    knocks produce no running events.
///
/// ## What this relies on (read before trusting a number)
/// Proven on HardwareSim's virtual runner, whose shank model (HardwareSim/Runner/
/// ShankModel.swift) puts the true IC exactly at the start of a sin² impact rise and the
/// true TO exactly at the centre of a 6 ms axial notch and at the kink of the angular
/// velocity. The onset extrapolation and the TO landmarks are therefore exact on the
/// model by construction of the model; on real tibiae the onset shape, the TO landmark
/// and soft-tissue ringing differ (Sinclair et al. 2013 report 5.5 ms IC and 5.0 ms TO
/// absolute error against a force plate; Kiernan et al. 2023 a +17 ms IC bias with
/// ±115 ms limits across methods in the field). Runner-tuned accuracy is not real-world
/// accuracy.
///
/// ## Latency
/// A stance is known `peakLockoutSeconds` (375 ms) after its impact peak; the first
/// stances of a bout wait for `ShankRhythmGate.requiredStrides` strides. So events of
/// one leg come out in time order, but up to `maximumLatencySeconds` late.
public struct ShankEventDetector: Sendable {
    // MARK: Constants, each with its source.

    /// A tibial shock peak must exceed this (g): Van den Berghe et al. 2021.
    public static let minPeakG = 3.0
    /// No higher axial value may follow a peak within this time (s): Van den Berghe et al. 2021.
    public static let peakLockoutSeconds = 0.375
    /// Longest impact rise from contact to peak (s): tibial impact peaks come within the
    /// first 10-15 ms of running stance (Lafortune et al. 1996), heel-strike transients in
    /// walking 15-25 ms (Whittle 1999): 25 ms.
    public static let maxRiseSeconds = 0.025
    /// Smallest rise of the impact above its pre-contact level (g): half of Van den
    /// Berghe et al. 2021's 3 g threshold, so a smooth swing hump is not taken for an impact.
    public static let minImpactRiseG = 1.5
    /// Fractions of the impact height whose crossings fix the onset: low enough to see the
    /// onset's shape, high enough (8 % of a ≥ 5 g impact is ≥ 0.4 g) to stay above sensor
    /// noise; in a geometric ratio of 2.5 (0.08 → 0.2 → 0.5).
    public static let onsetLevels = (low: 0.08, mid: 0.20, high: 0.50)
    /// Range of the onset's power-law exponent accepted from the crossings; outside it
    /// (noise), the nearest bound is used: from slightly sub-linear (0.8) to cubic (3).
    public static let onsetExponentRange = (min: 0.8, max: 3.0)
    /// Shortest stance (s): Kiernan et al. 2023.
    public static let minStanceSeconds = 0.095
    /// Longest stance searched for toe-off (s): Kiernan et al. 2023's 270 ms bound widened
    /// to the 300 ms upper end of normal running contact times (running-gait-facts.md)
    /// plus the lengthening on steep uphills (Vernillo et al. 2017, about +1 % per % grade).
    public static let maxStanceSeconds = 0.350
    /// Running has a flight phase, so contact is shorter than a step, half a stride:
    /// the toe-off search ends at this fraction of the last stride.
    public static let maxDutyFactor = 0.5
    /// Half-width of the centred moving average the toe-off landmark and the pre-contact
    /// level are found on (s): short against the push-off's end and the impact rise (a few
    /// ms), long enough to average noise.
    public static let toSmoothingHalfWidthSeconds = 0.0025
    /// Half-width of the least-squares parabola fitted around the axial toe-off minimum
    /// (s): inside the end-of-push-off unloading, which lasts several ms (Sinclair et al.
    /// 2013 traces), so the fit sees its curvature and averages sensor noise.
    public static let toFitHalfWidthSeconds = 0.004
    /// Default calibration window when no stand is seen first (s): about three strides.
    public static let defaultCalibrationSeconds = 2.0
    /// Default time constant of gravity tracking before a stand is seen (s): long against a stride.
    public static let defaultGravityTrackingSeconds = 10.0

    /// Tuning that depends on the installation, not on physiology.
    public struct Configuration: Sendable, Equatable {
        /// Which leg the sensor is on.
        public var side: Side
        /// Nominal output data rate (Hz); 800 Hz or more resolves the impact rise.
        public var sampleRateHz: Double
        /// Nominal mounting (sensor directions of the tibia's axis and of forward); the
        /// tilt is calibrated, only the heading about the axis is taken from it.
        public var mounting: MountingAxes
        /// Fallback calibration window over strides when no stand comes first (s).
        public var calibrationSeconds: Double
        /// Time constant of gravity tracking while only the stride mean is known (s).
        public var gravityTrackingSeconds: Double
        /// Use the gyroscope for toe-off when samples carry `.hasGyro`.
        public var useGyroscope: Bool

        /// Creates a configuration.
        public init(
            side: Side,
            sampleRateHz: Double,
            mounting: MountingAxes = .xUpYForward,
            calibrationSeconds: Double = ShankEventDetector.defaultCalibrationSeconds,
            gravityTrackingSeconds: Double = ShankEventDetector.defaultGravityTrackingSeconds,
            useGyroscope: Bool = true
        ) {
            self.side = side
            self.sampleRateHz = sampleRateHz
            self.mounting = mounting
            self.calibrationSeconds = calibrationSeconds
            self.gravityTrackingSeconds = gravityTrackingSeconds
            self.useGyroscope = useGyroscope
        }
    }

    /// The configuration in use.
    public let configuration: Configuration
    /// The current body-frame alignment (vertical = the tibia's axis), nil until calibrated.
    public private(set) var alignment: BodyFrameAlignment?
    /// Whether the alignment comes from standing still (accurate) rather than the stride mean.
    public private(set) var calibratedStanding = false
    /// The stride-rhythm gate: `isLocked` while running.
    public private(set) var gate = ShankRhythmGate()
    /// Impact candidates rejected for their shape (too small a rise, no onset found).
    public private(set) var rejectedCandidates = 0
    /// Whether the sensor's mount rings after impacts (a loose strap), over recent stances.
    public private(set) var mountCheck = MountRingingCheck()
    /// Post-impact swings of the last confirmed stance (`PostImpactRinging`).
    public private(set) var lastStanceSwings = 0
    /// Time of the latest sample whose axial acceleration reached an impact candidate's
    /// 3 g, ns (nil before any, and before the axis is known): running impacts, or
    /// perhaps a brisk walk's heel strikes.
    public private(set) var lastImpactNs: UInt64?
    /// Whether the shank was still over its latest 0.3 s (`ShankStillness`), nil before
    /// the first such window: standing, as opposed to walking or any other movement.
    public var isStill: Bool? { stillness.lastWindowStill }

    /// How far behind the newest sample a stance can still be confirmed in steady running
    /// (s): a peak is confirmed one lockout after it, and its contact lies at most one rise
    /// time before the peak; 0.1 s more covers the onset extrapolation.
    public static let steadyLatencySeconds = peakLockoutSeconds + maxRiseSeconds + 0.1

    /// No event this detector emits from now on can be earlier than this time (ns): the
    /// oldest sample held for calibration, else the oldest stance the rhythm gate holds,
    /// else the newest sample less ``steadyLatencySeconds``. An event merger can release
    /// everything before it, so events leave about half a second after they happen, not
    /// after the worst-case start-of-bout wait.
    public var safeHorizonNs: UInt64 {
        if alignment == nil {
            guard held.count > 0 else { return newestSampleNs }
            return held.element(at: held.oldestIndex)?.timeNs ?? newestSampleNs
        }
        let steady = UInt64(Self.steadyLatencySeconds * 1e9)
        var horizon = newestSampleNs > steady ? newestSampleNs - steady : 0
        if let pending = gate.oldestPendingNs { horizon = Swift.min(horizon, pending) }
        return horizon
    }

    /// Longest delay from a sample to the events it completes (s): the peak lockout plus
    /// the strides a bout start waits for.
    public static var maximumLatencySeconds: Double {
        peakLockoutSeconds + Double(ShankRhythmGate.requiredStrides) * ShankRhythmGate.maxStrideSeconds
    }

    // Sample-count conversions.
    private let periodNs: Double
    private let lockoutSamples: Int
    private let maxRiseSamples: Int
    private let minStanceSamples: Double
    private let maxStanceSamples: Double
    private let smoothHalf: Int
    private let toFitHalf: Int
    private let peakFitHalf: Int
    private let ringingStart: Int
    private let ringingEnd: Int
    private let alignmentRefreshSamples = 64

    /// Time of the newest sample processed (ns).
    private var newestSampleNs: UInt64 = 0

    // Calibration.
    private var gravity: GravityEstimator
    private var stillness: ShankStillness
    private var held: RingBuffer<IMUSample>
    private var sinceRefresh = 0

    // History (body frame).
    private var axBuf: RingBuffer<Float>
    private var gyBuf: RingBuffer<Float>
    private var tBuf: RingBuffer<UInt64>
    private var lastClippedIndex = Int.min / 2
    private var lastNoGyroIndex = Int.min / 2

    // Peak candidate.
    private var candidateIndex = -1
    private var candidateValue: Float = 0

    /// Creates a detector. Rates and windows are clamped to sane values rather than
    /// trapping (a daemon carries on).
    public init(configuration: Configuration) {
        self.configuration = configuration
        let fs = configuration.sampleRateHz > 0 ? configuration.sampleRateHz : 800
        func samples(_ s: Double) -> Int { Swift.max(1, Int((s * fs).rounded())) }
        periodNs = 1e9 / fs
        lockoutSamples = samples(Self.peakLockoutSeconds)
        maxRiseSamples = samples(Self.maxRiseSeconds)
        minStanceSamples = Self.minStanceSeconds * fs
        maxStanceSamples = Self.maxStanceSeconds * fs
        smoothHalf = Swift.max(1, Int((Self.toSmoothingHalfWidthSeconds * fs).rounded()))
        toFitHalf = Swift.max(1, Int((Self.toFitHalfWidthSeconds * fs).rounded()))
        peakFitHalf = ImpactPeakFit.halfWidthSamples(sampleRateHz: fs)
        ringingStart = samples(PostImpactRinging.startSeconds)
        ringingEnd = samples(PostImpactRinging.endSeconds)
        let calibration = samples(Swift.max(0, configuration.calibrationSeconds))
        gravity = GravityEstimator(
            windowSamples: calibration,
            trackingTimeConstantSamples: Swift.max(0, configuration.gravityTrackingSeconds) * fs)
        stillness = ShankStillness(sampleRateHz: fs)
        held = RingBuffer(capacity: calibration, filler: .empty)
        // History: the lockout plus the rise and baseline windows before the peak; one
        // second is ample.
        let history = samples(Swift.max(1.0, Self.peakLockoutSeconds + 0.2)) + 16
        axBuf = RingBuffer(capacity: history, filler: 0)
        gyBuf = RingBuffer(capacity: history, filler: 0)
        tBuf = RingBuffer(capacity: history, filler: 0)
    }

    /// Samples dropped because a value was infinite or NaN (a corrupt recording).
    public var nonFiniteSamples: Int { finiteGate.dropped }
    private var finiteGate = FiniteSampleGate()

    /// Processes one sample (sensor frame); detected events are passed to `emit`, in time
    /// order (initial contact, then toe-off of each stance).
    public mutating func process(_ sample: IMUSample, emit: (GaitEvent) -> Void) {
        if sample.timeNs > newestSampleNs { newestSampleNs = sample.timeNs }
        switch finiteGate.admit(sample) {
        case .drop: return
        case .restartThenProcess: restartAfterGap()
        case .process: break
        }
        gravity.add(sample.accel)
        stillness.add(sample.accel)
        if let g = stillness.takeStillGravity(), let a = BodyFrameAlignment(gravity: g, mounting: configuration.mounting) {
            alignment = a
            calibratedStanding = true
            replayHeld(a, emit: emit)
        }
        guard let current = alignment else {
            held.append(sample)
            guard gravity.isCalibrated else { return }
            guard let g = gravity.gravity, let a = BodyFrameAlignment(gravity: g, mounting: configuration.mounting) else {
                gravity.reset()
                held.removeAll()
                return
            }
            alignment = a
            replayHeld(a, emit: emit)
            return
        }
        var frame = current
        if !calibratedStanding {
            sinceRefresh += 1
            if sinceRefresh >= alignmentRefreshSamples {
                sinceRefresh = 0
                if let g = gravity.gravity, let a = BodyFrameAlignment(gravity: g, mounting: configuration.mounting) {
                    alignment = a
                    frame = a
                }
            }
        }
        step(sample, frame: frame, emit: emit)
    }

    /// Decides a pending impact peak with the samples there are (call at the end of a
    /// recording or before shutdown). Stances still waiting for a rhythm are dropped.
    public mutating func finish(emit: (GaitEvent) -> Void) {
        if alignment == nil, held.count > 0, let g = gravity.gravity ?? meanOfHeld(),
           let a = BodyFrameAlignment(gravity: g, mounting: configuration.mounting) {
            alignment = a
            replayHeld(a, emit: emit)
        }
        if candidateIndex >= 0 {
            confirm(peak: candidateIndex, emit: emit)
            candidateIndex = -1
        }
    }

    // MARK: - Per-sample core

    private mutating func replayHeld(_ a: BodyFrameAlignment, emit: (GaitEvent) -> Void) {
        var i = held.oldestIndex
        while i <= held.newestIndex {
            if let s = held.element(at: i) { step(s, frame: a, emit: emit) }
            i += 1
        }
        held.removeAll()
    }

    private mutating func step(_ sample: IMUSample, frame: BodyFrameAlignment, emit: (GaitEvent) -> Void) {
        let ax = sample.accel.dot(frame.verticalAxis)
        let n = axBuf.totalAppended
        axBuf.append(ax)
        tBuf.append(sample.timeNs)
        if configuration.useGyroscope, sample.flags.contains(.hasGyro) {
            gyBuf.append(sample.gyro.dot(frame.leftAxis))
        } else {
            gyBuf.append(0)
            lastNoGyroIndex = n
        }
        if sample.flags.contains(.clipped) { lastClippedIndex = n }

        // Van den Berghe et al. 2021: a peak above 3 g with no higher value for 375 ms.
        if Double(ax) >= Self.minPeakG {
            lastImpactNs = sample.timeNs
            if candidateIndex < 0 || ax > candidateValue {
                candidateIndex = n
                candidateValue = ax
            }
        }
        if candidateIndex >= 0, n - candidateIndex >= lockoutSamples {
            confirm(peak: candidateIndex, emit: emit)
            candidateIndex = -1
        }
        let latencyNs = UInt64(Self.peakLockoutSeconds * 1e9)
        if sample.timeNs > latencyNs { gate.advance(to: sample.timeNs - latencyNs) }
    }

    // MARK: - Events

    @inline(__always)
    private func axAt(_ i: Int) -> Double { Double(axBuf.clampedElement(at: i, fallback: 0)) }

    /// The fractional index, walking back from `peak`, where the axial signal last rose
    /// through `level`; nil if it does not within `maxRiseSamples`.
    private func crossing(of level: Double, before peak: Int) -> Double? {
        var i = peak
        let stop = Swift.max(peak - maxRiseSamples, axBuf.oldestIndex + 1)
        while i > stop {
            let lo = axAt(i - 1)
            if lo < level {
                let hi = axAt(i)
                let d = hi - lo
                return d > 0 ? Double(i - 1) + (level - lo) / d : Double(i)
            }
            i -= 1
        }
        return nil
    }

    private mutating func confirm(peak p: Int, emit: (GaitEvent) -> Void) {
        let peakValue = axAt(p)
        // Pre-contact level: the lowest point of the (lightly smoothed) axial signal from
        // the longest rise before the peak up to the peak, i.e. the foot of the rise (the
        // shank decelerates into contact, so the signal is at its lowest there).
        let first = p - maxRiseSamples - smoothHalf
        guard axBuf.contains(index: first - smoothHalf) else { rejectedCandidates += 1; return }
        var base = Double.infinity
        var i = first
        while i <= p {
            base = Swift.min(base, smoothed(i, gyro: false))
            i += 1
        }
        let rise = peakValue - base
        guard rise >= Self.minImpactRiseG else { rejectedCandidates += 1; return }
        let levels = Self.onsetLevels
        guard let x3 = crossing(of: base + levels.high * rise, before: p),
              let x2 = crossing(of: base + levels.mid * rise, before: p),
              let x1 = crossing(of: base + levels.low * rise, before: p) else {
            rejectedCandidates += 1
            return
        }
        let onset = Self.onset(x1: x1, x2: x2, x3: x3)
        // The true peak lies between samples (at 800 Hz a 10 ms rise has only 8 samples,
        // so the highest sample alone reads up to ~3 % low) and is a kink: fit the smooth
        // top of the rise and the abrupt start of the fall (ImpactPeakFit); the parabola
        // through the peak sample and its neighbours only if that fit fails.
        let fitted = ImpactPeakFit.peak(halfWidth: peakFitHalf) { axAt(p + $0) }
        let (peakOffset, peakG) = fitted.map { ($0.offset, $0.value) } ?? Self.vertex(axAt(p - 1), peakValue, axAt(p + 1))
        let height = peakG - base
        let riseSamples = Swift.max(Double(p) + peakOffset - onset, 0.5)
        let icNs = time(atIndex: onset)
        let clipped = lastClippedIndex >= Int(onset.rounded(.down)) - 1 && lastClippedIndex <= p + peakFitHalf
        let ic = GaitEvent(kind: .initialContact, side: configuration.side, timeNs: icNs,
                           peakG: Float(peakG), clipped: clipped,
                           loadingRateGPerS: Float(height / (riseSamples * periodNs * 1e-9)))
        // A loose strap rings after the impact: judged on the raw axial samples.
        if axBuf.contains(index: p + ringingEnd) {
            lastStanceSwings = PostImpactRinging.swings(from: ringingStart, to: ringingEnd,
                                                        minimumSwing: PostImpactRinging.minimumSwing(rise: rise)) { axAt(p + $0) }
            _ = mountCheck.add(rang: lastStanceSwings >= PostImpactRinging.ringingSwings)
        }
        var toEvent: GaitEvent?
        if let to = toeOff(after: onset) {
            toEvent = GaitEvent(kind: .toeOff, side: configuration.side, timeNs: time(atIndex: to))
        }
        gate.add(ShankStance(initialContact: ic, toeOff: toEvent), emit: emit)
    }

    /// The onset from the three level crossings, assuming a power-law early rise.
    static func onset(x1: Double, x2: Double, x3: Double) -> Double {
        let levels = onsetLevels
        let ratio = levels.mid / levels.low  // = levels.high / levels.mid
        let d1 = x2 - x1, d2 = x3 - x2
        // q = r^(1/n), bounded by the accepted exponents.
        let qMin = pow(ratio, 1 / onsetExponentRange.max)
        let qMax = pow(ratio, 1 / onsetExponentRange.min)
        var q = d1 > 0 ? d2 / d1 : qMax
        if !(q >= qMin) { q = qMin }
        if q > qMax { q = qMax }
        // Crossing delays from the onset: u1, q·u1, q²·u1, so d1 = u1·(q − 1).
        let u1 = Swift.max(0, d1) / (q - 1)
        return x1 - u1
    }

    /// The vertex of the parabola through three equally spaced values whose middle one is
    /// the largest: (offset from the middle in samples, within ±0.5; value).
    static func vertex(_ a: Double, _ b: Double, _ c: Double) -> (Double, Double) {
        let den = a - 2 * b + c
        guard den < 0 else { return (0, b) }
        let offset = Swift.max(-0.5, Swift.min(0.5, 0.5 * (a - c) / den))
        return (offset, b - 0.25 * (a - c) * offset)
    }

    /// x^y for x > 0 without Foundation: exp(y·ln x).
    static func pow(_ x: Double, _ y: Double) -> Double { expApprox(y * lnApprox(x)) }

    /// The toe-off as a fractional index, searched from the shortest to the longest stance.
    private func toeOff(after onset: Double) -> Double? {
        var longest = maxStanceSamples
        if let stride = gate.strideSeconds {
            longest = Swift.min(longest, Self.maxDutyFactor * stride * 1e9 / periodNs)
        }
        let lo = Int((onset + minStanceSamples).rounded(.up))
        let hi = Swift.min(Int((onset + longest).rounded(.down)), axBuf.newestIndex - Swift.max(smoothHalf, toFitHalf) - 1)
        guard hi > lo + 2, axBuf.contains(index: lo - smoothHalf - 1) else { return nil }
        let useGyro = configuration.useGyroscope && lastNoGyroIndex < lo - smoothHalf - 1
        var best = Double.infinity
        var k = lo
        var i = lo
        while i <= hi {
            let v = smoothed(i, gyro: useGyro)
            if v < best { best = v; k = i }
            i += 1
        }
        // A minimum on the window's edge is not a landmark.
        guard k > lo, k < hi else { return nil }
        if useGyro {
            let (offset, _) = Self.vertex(-smoothed(k - 1, gyro: true), -best, -smoothed(k + 1, gyro: true))
            return Double(k) + offset
        }
        return Double(k) + leastSquaresVertex(around: k)
    }

    /// Offset (samples, within ±`toFitHalfWidth`) of the vertex of the least-squares
    /// parabola through the raw axial samples around `k`: robust to noise where the
    /// three-point vertex of a noisy minimum is not.
    private func leastSquaresVertex(around k: Int) -> Double {
        let w = toFitHalf
        // Centred abscissae: Σx = Σx³ = 0, so the normal equations split.
        var sy = 0.0, sxy = 0.0, sx2y = 0.0, sx2 = 0.0, sx4 = 0.0
        var x = -w
        while x <= w {
            let y = axAt(k + x)
            let xd = Double(x)
            sy += y; sxy += xd * y; sx2y += xd * xd * y
            sx2 += xd * xd; sx4 += xd * xd * xd * xd
            x += 1
        }
        let n = Double(2 * w + 1)
        let c = (n * sx2y - sx2 * sy) / (n * sx4 - sx2 * sx2)
        let b = sxy / sx2
        guard c > 0 else { return 0 }
        return Swift.max(-Double(w), Swift.min(Double(w), -b / (2 * c)))
    }

    /// Centred moving average of the axial acceleration (or the medio-lateral angular rate).
    private func smoothed(_ i: Int, gyro: Bool) -> Double {
        var s = 0.0
        var j = i - smoothHalf
        while j <= i + smoothHalf {
            s += gyro ? Double(gyBuf.clampedElement(at: j, fallback: 0)) : axAt(j)
            j += 1
        }
        return s / Double(2 * smoothHalf + 1)
    }

    /// Time of a fractional sample index, from the stored sample times and the nominal
    /// period between them.
    private func time(atIndex x: Double) -> UInt64 {
        let i0 = Int(x.rounded(.down))
        let clampedIndex = Swift.min(Swift.max(i0, tBuf.oldestIndex), tBuf.newestIndex)
        let t0 = tBuf.clampedElement(at: clampedIndex, fallback: 0)
        let offsetNs = (x - Double(clampedIndex)) * periodNs
        if offsetNs >= 0 { return t0 &+ UInt64(offsetNs) }
        let back = UInt64(-offsetNs)
        return t0 > back ? t0 - back : 0
    }

    // MARK: - Housekeeping

    private mutating func restartAfterGap() {
        gate.reset()
        axBuf.removeAll()
        gyBuf.removeAll()
        tBuf.removeAll()
        candidateIndex = -1
        lastClippedIndex = Int.min / 2
        lastNoGyroIndex = Int.min / 2
        stillness.reset()
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

/// Natural logarithm for x > 0 without Foundation: x = m·2^e with m in [1, 2), then
/// ln m = 2·atanh((m − 1)/(m + 1)) by its series (error < 1e-15 for m in [1, 2)).
fileprivate func lnApprox(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return x == 0 ? -.infinity : .nan }
    let e = Double(x.exponent)
    let m = x.significand
    let z = (m - 1) / (m + 1)
    let z2 = z * z
    var term = z
    var sum = 0.0
    var k = 1.0
    while k < 60 {
        sum += term / k
        term *= z2
        k += 2
    }
    return 2 * sum + e * 0.69314718055994530942
}

/// e^x without Foundation: 2^k · e^r with |r| ≤ ln2/2, e^r by its Taylor series.
fileprivate func expApprox(_ x: Double) -> Double {
    guard x.isFinite else { return x > 0 ? .infinity : 0 }
    let ln2 = 0.69314718055994530942
    let k = (x / ln2).rounded()
    let r = x - k * ln2
    var term = 1.0
    var sum = 1.0
    var n = 1.0
    while n < 20 {
        term *= r / n
        sum += term
        n += 1
    }
    return Double(sign: .plus, exponent: Int(k), significand: sum)
}
