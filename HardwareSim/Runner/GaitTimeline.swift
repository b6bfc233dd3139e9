import StrideCore

/// Generates the runner's foot contacts in time order, alternating legs, from a scenario
/// and its seed. A value type: copies replay the very same sequence, so each sensor and the
/// ground truth walk their own copy forwards and nothing has to keep the whole run.
public struct GaitTimeline: Sendable {
    /// The scenario.
    public let scenario: Scenario
    private var random: SimRandom
    private var queue: [Contact] = []
    private var nextIndex = 0
    private var nextICS = 0.0
    private var nextSide = Side.left
    private var currentStepS = 0.0
    private var previousActivity = RunnerActivity.standing
    private var previousWasHold = true
    private var finished = false

    /// Default step time before any step was taken (a stop at the very start), s.
    static let defaultStepS = 0.40
    /// Shortest stop kept after the second foot lands, s (so the stance shapes fit).
    static let minimumStandS = 0.5
    /// Start of the virtual standing stance before the run, s.
    static let preStartS = -1.0

    /// Creates the timeline of `scenario`; the runner starts standing.
    public init(scenario: Scenario) {
        self.scenario = scenario
        random = SimRandom(seed: scenario.seed)
        let first = scenario.segment(atS: 0)
        let standEnd = first.segment.activity == .standing ? first.endS : 0
        currentStepS = Self.defaultStepS
        makeHolds(icA: Self.preStartS, side: .left, standEndS: standEnd)
    }

    /// The next contact, or nil once both feet stand for good after the run.
    public mutating func next() -> Contact? {
        if !queue.isEmpty { return queue.removeFirst() }
        if finished { return nil }
        let ic = nextICS
        let side = nextSide
        let (segment, segmentEnd) = scenario.segment(atS: ic)
        if segment.activity == .standing {
            makeHolds(icA: ic, side: side, standEndS: segmentEnd)
            return queue.isEmpty ? nil : queue.removeFirst()
        }
        let p = parameters(segment)
        let minute = ic / 60
        let v = scenario.variability
        // Always four draws per contact, in this order, so the sequence depends on the seed only.
        let gContact = random.gaussian(), gPTA = random.gaussian(), gRise = random.gaussian(), gStep = random.gaussian()

        let contactNominal = scenario.legValue(.contactTime, side: side, nominal: p.contactTimeS, atMinute: minute)
        let ptaNominal = scenario.legValue(.pta, side: side, nominal: p.ptaG * scenario.ptaScale, atMinute: minute)
        let pta = max(1.2, ptaNominal * (1 + v.ptaCV * gPTA))
        // Loading rate drifts through the rise time: rate ≈ (PTA − 1 g) / rise.
        let lrNominal = (ptaNominal - 1) / p.riseTimeS
        let lrLeg = scenario.legValue(.loadingRate, side: side, nominal: lrNominal, atMinute: minute)
        let riseNominal = lrLeg > 0 ? p.riseTimeS * lrNominal / lrLeg : p.riseTimeS
        let rise = max(GaitModel.minRiseTimeS, riseNominal * (1 + v.riseTimeCV * gRise))

        let other = side.other
        let stepNominal = scenario.legValue(.stepTime, side: other, nominal: p.stepTimeS, atMinute: minute)
        let step = max(0.2, stepNominal * (1 + v.stepTimeCV * gStep))
        // Toe-off must come before this leg's next contact (two steps on).
        let contact = min(max(0.08, contactNominal * (1 + v.contactTimeCV * gContact)), 1.8 * step)

        var c = Contact(index: nextIndex, side: side, icS: ic, toS: ic + contact, stepS: currentStepS, supportS: step,
                        activity: segment.activity, hold: false,
                        steady: !previousWasHold && previousActivity == segment.activity,
                        speedMps: p.speedMps, slopePct: segment.slopePct, params: p,
                        ptaTargetG: pta, riseS: rise, impactAmplitudeG: 0)
        c.impactAmplitudeG = pta - ShankModel.slowAxial(atS: ic + rise, contact: c)
        nextIndex += 1
        nextICS = ic + step
        nextSide = other
        currentStepS = step
        previousActivity = segment.activity
        previousWasHold = false
        return c
    }

    private func parameters(_ segment: Segment) -> GaitParameters {
        GaitModel.parameters(activity: segment.activity, speedMps: segment.speedMps, slopePct: segment.slopePct,
                             cadenceOverrideSpm: segment.cadenceSpm)
    }

    /// A stop: leg A lands at `icA`, the other leg a step later, both stay down until the
    /// stop ends; then A pushes off first, the other leg half a step later.
    private mutating func makeHolds(icA: Double, side: Side, standEndS: Double) {
        let running = GaitModel.parameters(activity: .running, speedMps: 3, slopePct: 0)
        let icB = icA + currentStepS
        let end = max(standEndS, icB + Self.minimumStandS)
        var a = holdContact(side: side, ic: icA, to: end, step: currentStepS, support: currentStepS, params: running)
        var b = holdContact(side: side.other, ic: icB, to: .infinity, step: currentStepS, support: .infinity, params: running)
        if end.isFinite {
            let (segment, _) = scenario.segment(atS: end)
            let p = segment.activity == .standing ? running : parameters(segment)
            b.toS = end + 0.5 * p.stepTimeS
            let resume = max(end + 0.15, b.toS + p.flightTimeS)
            b.supportS = resume - icB
            nextICS = resume
            nextSide = side
            currentStepS = resume - icB
            previousWasHold = true
        } else {
            finished = true
        }
        a.impactAmplitudeG = a.ptaTargetG - ShankModel.slowAxial(atS: a.icS + a.riseS, contact: a)
        b.impactAmplitudeG = b.ptaTargetG - ShankModel.slowAxial(atS: b.icS + b.riseS, contact: b)
        queue.append(a)
        queue.append(b)
    }

    /// Share of the running PTA a stopping step lands with (a decelerating step is softer).
    static let holdPTAFraction = 0.5

    private mutating func holdContact(side: Side, ic: Double, to: Double, step: Double, support: Double, params: GaitParameters) -> Contact {
        let n = nextIndex
        nextIndex += 1
        return Contact(index: n, side: side, icS: ic, toS: to, stepS: step, supportS: support, activity: .standing,
                       hold: true, steady: false, speedMps: 0, slopePct: 0, params: params,
                       ptaTargetG: max(1.5, params.ptaG * Self.holdPTAFraction), riseS: params.riseTimeS, impactAmplitudeG: 0)
    }
}
