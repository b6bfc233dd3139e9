/// What the wearer is doing.
public enum Activity: UInt8, Sendable, Equatable {
    /// Not enough evidence yet (start-up, or right after a gap).
    case unknown
    /// No steps: standing (or sitting) still.
    case standing
    /// Stepping without a flight phase.
    case walking
    /// Stepping with a flight phase every step.
    case running
}

/// Streaming standing / walking / running classifier with cadence.
///
/// It is fed one observation per detected step (its initial-contact time and whether a
/// flight phase preceded it) and the sample clock. Running has a flight phase, the
/// vertical specific force near 0 g for tens of milliseconds every step; walking always
/// has a foot on the ground (running-gait-facts.md, "Sacrum / lower back"). So the class
/// is decided by the share of recent steps with a flight, and cadence comes from the
/// median of the recent step intervals. Everything is fixed-size: no allocation.
public struct ActivityClassifier: Sendable {
    /// Steps considered for the decision and the cadence.
    public static let windowSteps = 4

    /// A step interval longer than this breaks the sequence (s). The slowest walking
    /// cadences reported for healthy adults are about 60 steps/min, i.e. 1 s a step
    /// (Mobilise-D reference bouts here: 81-104 steps/min); twice that is a pause.
    public static let maxStepIntervalSeconds = 2.0

    private var stepTimes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    private var stepFlight = (false, false, false, false)
    private var stepsHeld = 0
    private var lastStepNs: UInt64 = 0
    private var nowNs: UInt64 = 0

    /// Creates a classifier with no history.
    public init() {}

    /// The current activity.
    public private(set) var activity: Activity = .unknown

    /// Cadence in steps per minute over the recent steps; nil while standing or before two
    /// consecutive steps.
    public private(set) var cadenceStepsPerMinute: Double?

    /// Advances the clock (call every sample, or at least every few hundred ms).
    public mutating func advance(to timeNs: UInt64) {
        nowNs = timeNs
        if stepsHeld > 0, timeNs > lastStepNs,
           Double(timeNs - lastStepNs) * 1e-9 > Self.maxStepIntervalSeconds {
            stepsHeld = 0
            cadenceStepsPerMinute = nil
            activity = .standing
        }
    }

    /// Records a step: its initial contact time and whether a flight phase preceded it.
    public mutating func registerStep(at timeNs: UInt64, hadFlight: Bool) {
        if stepsHeld > 0, timeNs > lastStepNs,
           Double(timeNs - lastStepNs) * 1e-9 > Self.maxStepIntervalSeconds {
            stepsHeld = 0
        }
        // Shift the window by one (newest first).
        stepTimes = (timeNs, stepTimes.0, stepTimes.1, stepTimes.2)
        stepFlight = (hadFlight, stepFlight.0, stepFlight.1, stepFlight.2)
        stepsHeld = Swift.min(stepsHeld + 1, Self.windowSteps)
        lastStepNs = timeNs
        if timeNs > nowNs { nowNs = timeNs }
        classify()
    }

    /// Forgets all steps (after a sensor gap).
    public mutating func reset() {
        stepsHeld = 0
        activity = .unknown
        cadenceStepsPerMinute = nil
    }

    private mutating func classify() {
        guard stepsHeld >= 2 else {
            activity = .unknown
            cadenceStepsPerMinute = nil
            return
        }
        // Median step interval over the held steps (up to 3 intervals), without arrays.
        var i0 = 0.0, i1 = 0.0, i2 = 0.0
        var n = 0
        if stepsHeld >= 2 { i0 = interval(stepTimes.0, stepTimes.1); n = 1 }
        if stepsHeld >= 3 { i1 = interval(stepTimes.1, stepTimes.2); n = 2 }
        if stepsHeld >= 4 { i2 = interval(stepTimes.2, stepTimes.3); n = 3 }
        let median: Double
        switch n {
        case 1: median = i0
        case 2: median = (i0 + i1) / 2
        default: median = Swift.max(Swift.min(i0, i1), Swift.min(Swift.max(i0, i1), i2))
        }
        cadenceStepsPerMinute = median > 0 ? 60 / median : nil
        var withFlight = 0
        if stepFlight.0 { withFlight += 1 }
        if stepsHeld >= 2, stepFlight.1 { withFlight += 1 }
        if stepsHeld >= 3, stepFlight.2 { withFlight += 1 }
        if stepsHeld >= 4, stepFlight.3 { withFlight += 1 }
        // Running needs a flight on most recent steps (strictly more than half).
        activity = 2 * withFlight > stepsHeld ? .running : .walking
    }

    @inline(__always)
    private func interval(_ later: UInt64, _ earlier: UInt64) -> Double {
        later > earlier ? Double(later - earlier) * 1e-9 : 0
    }
}
