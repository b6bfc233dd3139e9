/// Where a sacrum detector takes each step's side from.
public enum SideSource: UInt8, Sendable, Equatable {
    /// No usable side signal (two-axis recording, or side not wanted): steps alternate as
    /// A and B, starting again with A after a pause.
    case alternate
    /// The medio-lateral acceleration (see `StepSideLabeller`).
    case medioLateral
}

/// Labels sacrum steps left or right from the medio-lateral acceleration, and holds each
/// step's events until its side is known.
///
/// Physics: the centre of mass sways toward the stance foot and back, so over the step
/// that starts with a left initial contact (left stance, then the swing into the next
/// contact) the pelvis is left of its mean path and is accelerated to the right, toward
/// the midline; after a right contact it is accelerated to the left. The ground reaction
/// force is directed medially for most of stance in walking and running alike. So the
/// mean medio-lateral acceleration over a step, compared with its neighbours' (which
/// removes a tilt, a slope or a turn common to both), is negative (rightward) for a left
/// step. The comparison uses both neighbours, so a step is released two steps late.
///
/// Fixed storage (four pending steps); nothing allocates after creation.
public struct StepSideLabeller: Sendable {
    /// One step waiting for its side.
    struct PendingStep: Sendable {
        var icTimeNs: UInt64 = 0
        var peakG: Float = 0
        var clipped = false
        var toTimeNs: UInt64 = 0
        var hasToeOff = false
        var mlMean: Double = 0
        var mlKnown = false
        var startsBout = false
    }

    /// How many steps can wait at once.
    static let capacity = 4

    /// The side source in use.
    public let source: SideSource
    private let maxStepGapNs: UInt64
    private var slots = ContiguousArray(repeating: PendingStep(), count: StepSideLabeller.capacity)
    private var head = 0
    private var held = 0
    private var lastReleasedSide: Side = .stepB
    private var lastReleasedMean: Double = 0
    private var lastReleasedInBout = false
    private var lastICTimeNs: UInt64 = 0
    private var haveLastIC = false
    private var meanOfMeans: Double = 0
    private var meansSeen: Double = 0

    /// - Parameters:
    ///   - source: alternate A/B, or medio-lateral.
    ///   - maxStepGapSeconds: a longer interval between initial contacts ends a bout.
    public init(source: SideSource, maxStepGapSeconds: Double) {
        self.source = source
        self.maxStepGapNs = UInt64(Swift.max(0, maxStepGapSeconds) * 1e9)
    }

    /// Number of steps waiting for their side.
    public var pendingCount: Int { held }

    /// A new step with its initial contact.
    mutating func openStep(icTimeNs: UInt64, peakG: Float, clipped: Bool, emit: (GaitEvent) -> Void) {
        let newBout = !haveLastIC || icTimeNs < lastICTimeNs || icTimeNs - lastICTimeNs > maxStepGapNs
        lastICTimeNs = icTimeNs
        haveLastIC = true
        if source == .alternate {
            let side: Side = (newBout || lastReleasedSide == .stepB) ? .stepA : .stepB
            lastReleasedSide = side
            emit(GaitEvent(kind: .initialContact, side: side, timeNs: icTimeNs, peakG: peakG, clipped: clipped))
            return
        }
        if newBout { flush(emit: emit) }
        if held == Self.capacity { releaseOldest(emit: emit) }
        var s = PendingStep()
        s.icTimeNs = icTimeNs
        s.peakG = peakG
        s.clipped = clipped
        s.startsBout = newBout
        slots[(head + held) % Self.capacity] = s
        held += 1
    }

    /// The toe-off of the newest step.
    mutating func setToeOff(timeNs: UInt64, emit: (GaitEvent) -> Void) {
        if source == .alternate {
            emit(GaitEvent(kind: .toeOff, side: lastReleasedSide, timeNs: timeNs))
            return
        }
        guard held > 0 else { return }
        let i = (head + held - 1) % Self.capacity
        slots[i].toTimeNs = timeNs
        slots[i].hasToeOff = true
    }

    /// The mean medio-lateral acceleration (g, + left) over the step that has just ended;
    /// it belongs to the oldest step without one.
    mutating func closeStep(medioLateralMean mean: Double, emit: (GaitEvent) -> Void) {
        guard source == .medioLateral else { return }
        var k = 0
        while k < held {
            let i = (head + k) % Self.capacity
            if !slots[i].mlKnown {
                slots[i].mlMean = mean
                slots[i].mlKnown = true
                meansSeen += 1
                meanOfMeans += (mean - meanOfMeans) / meansSeen
                break
            }
            k += 1
        }
        // Release every step whose next neighbour's mean is known too.
        while held >= 2 {
            let next = (head + 1) % Self.capacity
            guard slots[head].mlKnown, slots[next].mlKnown, !slots[next].startsBout else { break }
            releaseOldest(emit: emit)
        }
    }

    /// Releases every held step with what is known (end of a bout, a gap, the end of a
    /// recording).
    public mutating func flush(emit: (GaitEvent) -> Void) {
        while held > 0 { releaseOldest(emit: emit) }
    }

    private mutating func releaseOldest(emit: (GaitEvent) -> Void) {
        guard held > 0 else { return }
        let s = slots[head]
        let nextIndex = (head + 1) % Self.capacity
        var reference = 0.0
        var neighbours = 0.0
        let hasPrevious = lastReleasedInBout && !s.startsBout
        if s.mlKnown {
            if hasPrevious { reference += lastReleasedMean; neighbours += 1 }
            if held >= 2, slots[nextIndex].mlKnown, !slots[nextIndex].startsBout {
                reference += slots[nextIndex].mlMean
                neighbours += 1
            }
        }
        let side: Side
        if s.mlKnown && neighbours > 0 {
            side = s.mlMean - reference / neighbours < 0 ? .left : .right
        } else if hasPrevious {
            side = lastReleasedSide.other
        } else if s.mlKnown && meansSeen > 1 {
            side = s.mlMean - meanOfMeans < 0 ? .left : .right
        } else {
            side = .left
        }
        emit(GaitEvent(kind: .initialContact, side: side, timeNs: s.icTimeNs, peakG: s.peakG, clipped: s.clipped))
        if s.hasToeOff {
            emit(GaitEvent(kind: .toeOff, side: side, timeNs: s.toTimeNs))
        }
        lastReleasedSide = side
        lastReleasedMean = s.mlMean
        lastReleasedInBout = s.mlKnown
        head = nextIndex
        held -= 1
    }
}
