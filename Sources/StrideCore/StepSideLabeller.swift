/// Where a sacrum detector takes each step's side from.
public enum SideSource: UInt8, Sendable, Equatable {
    /// No usable side signal (two-axis recording, or side not wanted): steps alternate as
    /// A and B, starting again with A after a pause (the stride analyser then keeps A on
    /// the same leg as before the pause, `StepSideAligner`).
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
/// mean medio-lateral acceleration over one step time after a contact, compared with the
/// step times just before and after it (which removes a tilt, a slope or a turn common to
/// all three), is negative (rightward) for a left step.
///
/// The windows are **time windows of one typical step time** (the rhythm), not the
/// intervals to the detected neighbours: each step's side comes from its own signal, so a
/// missed or a spurious neighbour does not flip it. The detector supplies the contrast
/// through a closure; a step is released once its last window has been seen
/// (two step times after its contact).
///
/// Fixed storage (`capacity` pending steps); nothing allocates after creation.
public struct StepSideLabeller: Sendable {
    /// One step waiting for its side.
    struct PendingStep: Sendable {
        var icTimeNs: UInt64 = 0
        var icIndex = 0
        var peakG: Float = 0
        var clipped = false
        var toTimeNs: UInt64 = 0
        var hasToeOff = false
        var startsBout = false
    }

    /// A contrast weaker than this share of the recent decisive ones is taken as no side
    /// signal, and the step alternates with the one before: in a turn or a shuffle the
    /// trunk's sway is small and the turn's own lateral acceleration can outweigh it,
    /// while steps still alternate. A design choice (the same share as
    /// `WalkingStepFinder.relativePeakFraction` for a weak step), checked on all walking
    /// recordings together, not fitted to one.
    static let undecidedContrastFraction = 0.3
    /// Weight of a new decisive contrast in the running mean of their sizes: about the
    /// last three steps (as `WalkingStepFinder.peakHeightSmoothing`).
    static let contrastSmoothing = 0.3

    /// How many steps can wait at once (two step times of walking hold at most three).
    static let capacity = 8

    /// The side source in use.
    public let source: SideSource
    private let maxStepGapNs: UInt64
    private var slots = ContiguousArray(repeating: PendingStep(), count: StepSideLabeller.capacity)
    private var head = 0
    private var held = 0
    private var lastReleasedSide: Side = .stepB
    private var lastICTimeNs: UInt64 = 0
    private var haveLastIC = false
    private var haveReleased = false
    /// Running mean of the decisive contrasts' sizes (g); 0 until the first one.
    private var typicalContrast = 0.0

    /// - Parameters:
    ///   - source: alternate A/B, or medio-lateral.
    ///   - maxStepGapSeconds: a longer interval between initial contacts ends a bout.
    public init(source: SideSource, maxStepGapSeconds: Double) {
        self.source = source
        self.maxStepGapNs = UInt64(Swift.max(0, maxStepGapSeconds) * 1e9)
    }

    /// Number of steps waiting for their side.
    public var pendingCount: Int { held }

    /// A new step with its initial contact (`icIndex`: the detector's sample index of it).
    mutating func openStep(icTimeNs: UInt64, icIndex: Int, peakG: Float, clipped: Bool,
                           emit: (GaitEvent) -> Void, contrast: (Int) -> Double?) {
        let newBout = !haveLastIC || icTimeNs < lastICTimeNs || icTimeNs - lastICTimeNs > maxStepGapNs
        lastICTimeNs = icTimeNs
        haveLastIC = true
        if source == .alternate {
            let side: Side = (newBout || lastReleasedSide == .stepB) ? .stepA : .stepB
            lastReleasedSide = side
            emit(GaitEvent(kind: .initialContact, side: side, timeNs: icTimeNs, peakG: peakG, clipped: clipped))
            return
        }
        if held == Self.capacity { releaseOldest(emit: emit, contrast: contrast) }
        var s = PendingStep()
        s.icTimeNs = icTimeNs
        s.icIndex = icIndex
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

    /// Releases every held step whose contact lies at least `dueAfterSamples` before
    /// sample `now` (its medio-lateral windows are complete). `contrast(icIndex)` gives
    /// the step's medio-lateral contrast (g, + left), nil when its windows are not held.
    mutating func releaseDue(now: Int, dueAfterSamples: Int, emit: (GaitEvent) -> Void, contrast: (Int) -> Double?) {
        guard source == .medioLateral else { return }
        while held > 0, now - slots[head].icIndex >= dueAfterSamples {
            releaseOldest(emit: emit, contrast: contrast)
        }
    }

    /// Releases every held step with what is known (end of a bout, a gap, the end of a
    /// recording).
    mutating func flush(emit: (GaitEvent) -> Void, contrast: (Int) -> Double?) {
        while held > 0 { releaseOldest(emit: emit, contrast: contrast) }
    }

    private mutating func releaseOldest(emit: (GaitEvent) -> Void, contrast: (Int) -> Double?) {
        guard held > 0 else { return }
        let s = slots[head]
        let side: Side
        let c = contrast(s.icIndex) ?? 0
        let decisive = abs(c) > Self.undecidedContrastFraction * typicalContrast && c != 0
        if decisive {
            side = c < 0 ? .left : .right
            typicalContrast += Self.contrastSmoothing * (abs(c) - typicalContrast)
        } else if haveReleased, !s.startsBout {
            // No clear signal of its own: steps alternate.
            side = lastReleasedSide.other
        } else {
            // The first step of a bout: its own sign, however weak; left when none.
            side = c > 0 ? .right : .left
        }
        emit(GaitEvent(kind: .initialContact, side: side, timeNs: s.icTimeNs, peakG: s.peakG, clipped: s.clipped))
        if s.hasToeOff {
            emit(GaitEvent(kind: .toeOff, side: side, timeNs: s.toTimeNs))
        }
        lastReleasedSide = side
        haveReleased = true
        head = (head + 1) % Self.capacity
        held -= 1
    }
}
