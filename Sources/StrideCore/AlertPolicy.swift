/// Which side a compensation alert names.
public enum AlertSide: Sendable, Equatable {
    /// One leg (left/right, or A/B when the sides are unknown).
    case leg(Side)
    /// Both legs changed alike (symmetric fatigue): SI unchanged.
    case both
}

/// What the compensation monitor currently sees: the strongest change and its side.
public struct CompensationFinding: Sendable, Equatable {
    /// Which side.
    public var side: AlertSide
    /// The metric with the largest severity.
    public var primaryMetric: StrideMetric
    /// Every metric pointing to the same side.
    public var metrics: StrideMetricSet
    /// Size over the raise threshold of the primary metric (1 = at the threshold).
    public var severity: Double
    /// Change of the primary metric's stride-pair SI from the baseline, SI points (EWMA).
    public var symmetryIndexChange: Double
    /// Change of the primary metric on the left (A) leg from its cadence-corrected
    /// baseline, % (EWMA).
    public var leftChangePercent: Double
    /// Same for the right (B) leg, %.
    public var rightChangePercent: Double
    /// Estimated onset of the change, ns.
    public var onsetNs: UInt64

    /// Creates a finding.
    public init(side: AlertSide, primaryMetric: StrideMetric, metrics: StrideMetricSet, severity: Double,
                symmetryIndexChange: Double, leftChangePercent: Double, rightChangePercent: Double, onsetNs: UInt64) {
        self.side = side
        self.primaryMetric = primaryMetric
        self.metrics = metrics
        self.severity = severity
        self.symmetryIndexChange = symmetryIndexChange
        self.leftChangePercent = leftChangePercent
        self.rightChangePercent = rightChangePercent
        self.onsetNs = onsetNs
    }
}

/// A compensation alert for the runner (and the run log).
public struct CompensationAlert: Sendable, Equatable {
    /// What happened.
    public enum Kind: UInt8, Sendable, Equatable {
        /// A new compensation: cue the runner.
        case raised
        /// A compensation that persisted or grew: cue again, at `level`.
        case escalated
        /// The compensation is gone (below the clear level long enough): no cue needed.
        case cleared
    }

    /// Raised, escalated or cleared.
    public var kind: Kind
    /// 1 on raising, up to the policy's maximum as it persists or grows.
    public var level: Int
    /// When, ns (the end of the stride pair that decided it).
    public var timeNs: UInt64
    /// Side, metrics, size and onset.
    public var finding: CompensationFinding
    /// The stride pairs the size estimates effectively average over ((2 − λ)/λ of the EWMA).
    public var effectiveWindowStridePairs: Int

    /// Creates an alert.
    public init(kind: Kind, level: Int, timeNs: UInt64, finding: CompensationFinding, effectiveWindowStridePairs: Int) {
        self.kind = kind
        self.level = level
        self.timeNs = timeNs
        self.finding = finding
        self.effectiveWindowStridePairs = effectiveWindowStridePairs
    }
}

/// Timing of the alert policy.
public struct AlertPolicyConfiguration: Sendable, Equatable {
    /// Least time between two cues, s: a runner reacting to a cue needs a minute or two
    /// before the change can show (design choice, not from a paper).
    public static let defaultCooldownSeconds = 120.0
    /// A compensation still present this long after its last cue is cued again one level
    /// up, s (design choice).
    public static let defaultReminderSeconds = 300.0
    /// A compensation whose severity grew by this factor since its last cue is escalated
    /// (after the cool-down).
    public static let defaultEscalationGrowth = 1.5
    /// Highest level.
    public static let defaultMaxLevel = 3
    /// Stride pairs below the clear level before an alert is cleared (~30 s at 85
    /// strides/min).
    public static let defaultClearHoldStridePairs = 40
    /// A both-leg finding must have stood this long before it raises, s. Fatigue builds over
    /// tens of minutes (Apte et al. 2021); a climb lengthens both legs' contact time within
    /// a minute and is over in a few, and the shank sensors cannot see the grade, so without
    /// this a 2-minute 12 % climb steeper than any in the baseline was reported as
    /// symmetric fatigue (hills.yaml, DriftTargetsOnRunnerTests). A longer climb still can be.
    public static let defaultBothLegPersistSeconds = 180.0
    /// A both-leg finding absent for longer than this restarts its persistence clock, s
    /// (shorter gaps are the finding flickering at its threshold, not going away).
    public static let bothLegGapSeconds = 30.0

    /// Least time between two cues, s.
    public var cooldownSeconds: Double
    /// Time to the next cue of a persisting compensation, s.
    public var reminderSeconds: Double
    /// Severity growth factor that escalates.
    public var escalationGrowth: Double
    /// Highest level.
    public var maxLevel: Int
    /// Stride pairs below the clear level before clearing.
    public var clearHoldStridePairs: Int
    /// Time a both-leg finding must stand before it raises, s.
    public var bothLegPersistSeconds: Double

    /// Creates a configuration (defaults above).
    public init(cooldownSeconds: Double = defaultCooldownSeconds, reminderSeconds: Double = defaultReminderSeconds,
                escalationGrowth: Double = defaultEscalationGrowth, maxLevel: Int = defaultMaxLevel,
                clearHoldStridePairs: Int = defaultClearHoldStridePairs,
                bothLegPersistSeconds: Double = defaultBothLegPersistSeconds) {
        self.bothLegPersistSeconds = bothLegPersistSeconds
        self.cooldownSeconds = cooldownSeconds
        self.reminderSeconds = reminderSeconds
        self.escalationGrowth = escalationGrowth
        self.maxLevel = maxLevel
        self.clearHoldStridePairs = clearHoldStridePairs
    }
}

/// Hysteresis, cool-down and escalation between the monitor's findings and the runner.
///
/// A finding raises an alert only when a detector has alarmed and its size is at the raise
/// threshold (severity ≥ 1); an active alert holds while the same side stays above the
/// clear level (a lower threshold, set in the monitor) and clears after
/// `clearHoldStridePairs` pairs below it. Cues are at least `cooldownSeconds` apart; an
/// active alert is escalated when it grows by `escalationGrowth` or persists
/// `reminderSeconds`. A both-leg finding raises only once it has stood for
/// `bothLegPersistSeconds` (one-sided findings need no wait: their SI detectors already
/// integrate over strides, and a climb does not move the SI).
public struct AlertPolicy: Sendable {
    /// The timing.
    public let configuration: AlertPolicyConfiguration
    /// The effective window of the size estimates, stride pairs (reported in alerts).
    public let effectiveWindowStridePairs: Int
    /// The active alert's finding, nil when none.
    public private(set) var active: CompensationFinding?
    /// The active alert's level.
    public private(set) var level = 0
    private var lastCueNs: UInt64 = 0
    private var hasCued = false
    private var severityAtLastCue = 0.0
    private var below = 0
    /// Since when a both-leg finding has stood at the raise level, and when it was last seen.
    private var bothSinceNs: UInt64?
    private var bothLastSeenNs: UInt64 = 0

    /// Creates a policy.
    public init(configuration: AlertPolicyConfiguration = AlertPolicyConfiguration(), effectiveWindowStridePairs: Int) {
        self.configuration = configuration
        self.effectiveWindowStridePairs = effectiveWindowStridePairs
    }

    private func cooled(_ now: UInt64) -> Bool {
        !hasCued || (now > lastCueNs && Double(now - lastCueNs) * 1e-9 >= configuration.cooldownSeconds)
    }

    /// One decision step. `raise` is the monitor's finding at the raise level with a
    /// detector alarm required, `hold` at the clear level without. Returns the alert to
    /// emit, if any; `resetDetectors` is set when an alert cleared (the caller restarts
    /// the CUSUMs).
    public mutating func step(raise proposed: CompensationFinding?, hold: CompensationFinding?, timeNs now: UInt64,
                              resetDetectors: inout Bool) -> CompensationAlert? {
        let raise = persisted(proposed, now)
        if var current = active {
            if let h = hold, h.side == current.side {
                below = 0
                let onset = current.onsetNs
                current = h
                current.onsetNs = Swift.min(onset, h.onsetNs == 0 ? onset : h.onsetNs)
                active = current
                guard cooled(now) else { return nil }
                let grew = current.severity >= configuration.escalationGrowth * severityAtLastCue
                let persisted = Double(now - lastCueNs) * 1e-9 >= configuration.reminderSeconds
                guard (grew && current.severity >= 1) || persisted else { return nil }
                level = Swift.min(level + 1, configuration.maxLevel)
                return cue(.escalated, current, now)
            }
            if let r = raise, r.side != current.side, cooled(now) {
                level = 1
                active = r
                below = 0
                return cue(.raised, r, now)
            }
            below += 1
            guard below >= configuration.clearHoldStridePairs else { return nil }
            active = nil
            below = 0
            level = 0
            resetDetectors = true
            return CompensationAlert(kind: .cleared, level: 0, timeNs: now, finding: current,
                                     effectiveWindowStridePairs: effectiveWindowStridePairs)
        }
        guard let r = raise, cooled(now) else { return nil }
        active = r
        level = 1
        below = 0
        return cue(.raised, r, now)
    }

    /// `finding` unless it is a both-leg one that has not yet stood `bothLegPersistSeconds`.
    private mutating func persisted(_ finding: CompensationFinding?, _ now: UInt64) -> CompensationFinding? {
        guard let f = finding, f.side == .both else { return finding }
        if let since = bothSinceNs, now >= bothLastSeenNs,
           Double(now - bothLastSeenNs) * 1e-9 <= AlertPolicyConfiguration.bothLegGapSeconds {
            bothLastSeenNs = now
            return Double(now - since) * 1e-9 >= configuration.bothLegPersistSeconds ? f : nil
        }
        bothSinceNs = now
        bothLastSeenNs = now
        return configuration.bothLegPersistSeconds <= 0 ? f : nil
    }

    private mutating func cue(_ kind: CompensationAlert.Kind, _ f: CompensationFinding, _ now: UInt64) -> CompensationAlert {
        hasCued = true
        lastCueNs = now
        severityAtLastCue = f.severity
        return CompensationAlert(kind: kind, level: level, timeNs: now, finding: f,
                                 effectiveWindowStridePairs: effectiveWindowStridePairs)
    }
}
