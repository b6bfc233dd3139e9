/// Keeps non-finite samples out of a detector. The drivers cannot produce one (integers
/// times a scale), but a corrupt recording can, and one NaN would poison a filter's state
/// for the rest of the run: such a sample is dropped and counted, and the next finite one
/// restarts the detector as after a gap.
struct FiniteSampleGate: Sendable {
    /// Samples dropped because a value was infinite or NaN.
    private(set) var dropped = 0
    private var restartPending = false

    /// What the detector does with `sample`.
    enum Verdict { case drop, restartThenProcess, process }

    /// Drops `sample` if it is not finite; otherwise says whether to restart first (the
    /// sample follows a gap, or a dropped sample).
    mutating func admit(_ sample: IMUSample) -> Verdict {
        guard sample.isFinite else {
            dropped += 1
            restartPending = true
            return .drop
        }
        if sample.flags.contains(.afterGap) || restartPending {
            restartPending = false
            return .restartThenProcess
        }
        return .process
    }
}
