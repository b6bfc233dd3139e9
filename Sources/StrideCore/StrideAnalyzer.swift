/// Everything the stride analyser is configured with.
public struct StrideAnalyzerConfiguration: Sendable, Equatable {
    /// Good running strides skipped per leg after (re)starting to run, before they enter
    /// windows, baseline and detectors: the first strides after a stop or a walking break
    /// are accelerations, not the runner's gait (issue 3: "resume after a short settling
    /// period, without alerting on the first strides"). 10 strides ≈ 7 s.
    public static let defaultSettleStrides = 10
    /// Step intervals in the running cadence median (≈ 11 s of running): long enough that
    /// the cadence regressor's own step-to-step noise (~2 % a step) barely attenuates the
    /// baseline's cadence slope, short enough to follow a pace change.
    public static let cadenceSteps = 32

    /// Physiological bounds of a stride.
    public var bounds: StrideQualityBounds
    /// SI window length, steps.
    public var windowSteps: Int
    /// SI window hop, steps.
    public var windowHopSteps: Int
    /// Baseline learning.
    public var baseline: BaselineConfiguration
    /// Detector parameters (every stream).
    public var detector: DriftDetectorConfiguration
    /// Raise and clear thresholds.
    public var thresholds: CompensationThresholds
    /// Alert timing.
    public var policy: AlertPolicyConfiguration
    /// The metrics watched for compensation.
    public var monitored: StrideMetricSet
    /// Strides skipped per leg after resuming running.
    public var settleStrides: Int

    /// Creates a configuration (defaults from each part).
    public init(bounds: StrideQualityBounds = StrideQualityBounds(),
                windowSteps: Int = SymmetryWindow.defaultWindowSteps,
                windowHopSteps: Int = SymmetryWindow.defaultHopSteps,
                baseline: BaselineConfiguration = BaselineConfiguration(),
                detector: DriftDetectorConfiguration = DriftDetectorConfiguration(),
                thresholds: CompensationThresholds = CompensationThresholds(),
                policy: AlertPolicyConfiguration = AlertPolicyConfiguration(),
                monitored: StrideMetricSet = .defaultMonitored,
                settleStrides: Int = defaultSettleStrides) {
        self.bounds = bounds
        self.windowSteps = windowSteps
        self.windowHopSteps = windowHopSteps
        self.baseline = baseline
        self.detector = detector
        self.thresholds = thresholds
        self.policy = policy
        self.monitored = monitored
        self.settleStrides = settleStrides
    }
}

/// What the analyser emits.
public enum StrideAnalyzerOutput: Sendable, Equatable {
    /// A completed stride of one leg (while running), good or flagged.
    case stride(StrideRecord)
    /// A symmetry window (every hop once full).
    case window(SymmetryWindowReport)
    /// The baseline was learnt (once per run).
    case baselineLearnt(BaselineModel)
    /// A compensation alert was raised, escalated or cleared.
    case alert(CompensationAlert)
}

/// The stride-asymmetry core downstream of event detection: one call per gait event.
///
/// Pipeline: `StrideAssembler` (strides and quality) → good running strides, after a
/// settling period → `SymmetryWindow` (reported SI), `BaselineLearner` (warm-up, then
/// median/MAD and cadence regression) and, once learnt, `CompensationMonitor` (CUSUM
/// detectors per leg and on the stride-pair SI) → `AlertPolicy` (hysteresis, cool-down,
/// escalation). Running metrics and alerts exist only while `activity == .running`; a
/// stop or a walking break keeps the baseline and the detector state, and after it the
/// first `settleStrides` strides per leg are skipped. With unknown sides (steps labelled
/// A/B), those skipped strides also decide which label is which leg in the new bout
/// (`StepSideAligner`); the strides emitted from then on carry the aligned label.
///
/// Events must come in time order across legs. Outputs go through a non-escaping closure;
/// after `init` nothing allocates except the baseline fit's result, once per run.
public struct StrideAnalyzer: Sendable {
    /// The configuration.
    public let configuration: StrideAnalyzerConfiguration
    private var assembler: StrideAssembler
    private var window: SymmetryWindow
    private var learner: BaselineLearner
    private var monitor: CompensationMonitor
    private var policy: AlertPolicy
    /// The learnt baseline, nil until learnt.
    public private(set) var baseline: BaselineModel?
    /// Accumulated running time, ns.
    public private(set) var runningNs: UInt64 = 0
    private var wasRunning = false
    private var lastEventNs: UInt64 = 0
    private var hasEvent = false
    private var settle = (0, 0)
    private var pending: (StrideRecord?, StrideRecord?) = (nil, nil)
    private var stepIntervals: RingBuffer<Double>
    private var cadenceScratch: ContiguousArray<Double>
    private var lastContactNs: UInt64 = 0
    private var hasContact = false
    private var unknownSides = false
    /// Keeps A/B on the same legs across pauses when sides are unknown.
    private var sideAligner = StepSideAligner()

    /// Creates an analyser; every buffer is allocated here.
    public init(configuration: StrideAnalyzerConfiguration = StrideAnalyzerConfiguration()) {
        self.configuration = configuration
        assembler = StrideAssembler(bounds: configuration.bounds)
        window = SymmetryWindow(windowSteps: configuration.windowSteps, hopSteps: configuration.windowHopSteps)
        learner = BaselineLearner(configuration: configuration.baseline, maxStepsPerSecond: configuration.bounds.maxStepsPerSecond)
        monitor = CompensationMonitor(monitored: configuration.monitored, thresholds: configuration.thresholds,
                                      detector: configuration.detector)
        let lambda = configuration.detector.magnitudeLambda
        let effective = lambda > 0 ? Int(((2 - lambda) / lambda).rounded()) : 0
        policy = AlertPolicy(configuration: configuration.policy, effectiveWindowStridePairs: effective)
        stepIntervals = RingBuffer(capacity: StrideAnalyzerConfiguration.cadenceSteps, filler: 0)
        cadenceScratch = ContiguousArray(repeating: 0, count: StrideAnalyzerConfiguration.cadenceSteps)
    }


    /// The compensation monitor (its detectors' state, for logs and calibration).
    public var compensationMonitor: CompensationMonitor { monitor }

    /// The baseline learner's phase.
    public var baselinePhase: BaselineLearner.Phase { learner.phase }

    /// The active alert, nil when none.
    public var activeAlert: CompensationFinding? { policy.active }

    /// Running cadence from the median of the last step intervals, steps/min; nil before
    /// enough running steps.
    public private(set) var cadenceStepsPerMinute: Double?

    private mutating func updateCadence() {
        let n = stepIntervals.count
        guard n >= StrideAnalyzerConfiguration.cadenceSteps / 2 else {
            cadenceStepsPerMinute = nil
            return
        }
        for i in 0..<n { cadenceScratch[i] = stepIntervals.element(age: i) ?? 0 }
        guard let med = RobustStatistics.median(&cadenceScratch, count: n), med > 0 else { return }
        cadenceStepsPerMinute = 60_000 / med
    }

    /// Tells the analyser that the sensors had a gap: open strides are dropped and the next
    /// ones flagged `.afterGap`.
    public mutating func noteGap() {
        assembler.noteGap()
        hasContact = false
        beginBout()
    }

    /// Processes one gait event with the wearer's current activity (and speed in m/s when
    /// known, e.g. from GNSS or a treadmill), emitting strides, windows, the baseline and
    /// alerts through `emit`.
    public mutating func process(_ event: GaitEvent, activity: Activity, speedMetresPerSecond speed: Double? = nil,
                                 emit: (StrideAnalyzerOutput) -> Void) {
        let running = activity == .running
        if running && !wasRunning { resume() }
        wasRunning = running
        let t = event.timeNs
        if hasEvent, t > lastEventNs {
            let dt = t - lastEventNs
            if running, Double(dt) * 1e-9 <= configuration.bounds.maxStrideSeconds { runningNs += dt }
        }
        if !hasEvent || t > lastEventNs { lastEventNs = t }
        hasEvent = true
        if event.side == .stepA || event.side == .stepB { unknownSides = true }
        if event.kind == .initialContact {
            if hasContact, t > lastContactNs, running {
                let ms = Double(t - lastContactNs) * 1e-6
                if ms >= 1000 / configuration.bounds.maxStepsPerSecond, ms <= 1000 {
                    stepIntervals.append(ms)
                    updateCadence()
                }
            }
            if t >= lastContactNs { lastContactNs = t }
            hasContact = true
        }
        learner.advance(runningNs: runningNs)
        guard let assembled = assembler.process(event), running else { return }
        let stride = sideAligner.aligned(assembled)
        emit(.stride(stride))
        guard stride.quality.isGood else { return }
        let leg = stride.side.legSlot
        let settling = (leg == 0 ? settle.0 : settle.1) > 0
        if settling { if leg == 0 { settle.0 -= 1 } else { settle.1 -= 1 } }
        if sideAligner.deciding {
            // A new bout of unlabelled steps: both legs' settling strides are the evidence
            // for which label is which leg; nothing goes further until it is decided.
            sideAligner.observeSettling(stride)
            if settle == (0, 0) { sideAligner.decide() }
            return
        }
        if settling { return }
        guard let cadence = cadenceStepsPerMinute else { return }

        if window.add(stride) { emit(.window(window.report(baselineSI: baseline?.symmetryIndex))) }
        if learner.isCollecting { learner.add(stride, cadence: cadence, speed: speed) }
        if let model = baseline { monitor.addStride(stride, cadence: cadence, speed: speed, model: model) }

        // Pair this stride with the other leg's adjacent one.
        let other = leg == 0 ? pending.1 : pending.0
        var pairSI: MetricVector?
        if let o = other {
            let gap = stride.startNs > o.startNs ? stride.startNs - o.startNs : o.startNs - stride.startNs
            if Double(gap) < 0.75 * Double(stride.endNs - stride.startNs) {
                let (l, r) = leg == 0 ? (stride, o) : (o, stride)
                var si = MetricVector()
                for m in StrideMetric.all {
                    if let a = l.metrics[m], let b = r.metrics[m] { si[m] = SymmetryIndex.percent(left: a, right: b) }
                }
                pairSI = si
            }
        }
        if pairSI != nil {
            pending = (nil, nil)
        } else if leg == 0 {
            pending.0 = stride
        } else {
            pending.1 = stride
        }

        if let si = pairSI {
            if unknownSides { sideAligner.observePair(si) }
            if learner.isCollecting { learner.addPair(si) }
            if let model = baseline {
                monitor.addPair(si, timeNs: stride.endNs, model: model)
                decide(at: stride.endNs, emit: emit)
            }
        }
        if baseline == nil, let model = learner.finishIfDue(runningNs: runningNs, nowNs: stride.endNs) {
            baseline = model
            emit(.baselineLearnt(model))
        }
    }

    private mutating func decide(at now: UInt64, emit: (StrideAnalyzerOutput) -> Void) {
        let raise = monitor.evaluate(level: 1, requireAlarm: true)
        let hold = policy.active == nil ? nil : monitor.evaluate(level: configuration.thresholds.clearRatio, requireAlarm: false)
        var reset = false
        if var alert = policy.step(raise: raise, hold: hold, timeNs: now, resetDetectors: &reset) {
            if unknownSides, case .leg(let s) = alert.finding.side {
                alert.finding.side = .leg(s.legSlot == 0 ? .stepA : .stepB)
            }
            emit(.alert(alert))
        }
        if reset { monitor.resetAlarms() }
    }

    private mutating func resume() {
        window.removeAll()
        beginBout()
    }

    /// What every new bout of running starts with, after a gap or a stop: no open pair, a
    /// new cadence, no SI block across the break, the settling strides to skip (and, with
    /// unknown sides, to align A/B by).
    private mutating func beginBout() {
        monitor.noteBreak()
        pending = (nil, nil)
        stepIntervals.removeAll()
        cadenceStepsPerMinute = nil
        settle = (configuration.settleStrides, configuration.settleStrides)
        if unknownSides { sideAligner.startBout() }
    }
}
