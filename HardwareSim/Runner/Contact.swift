import StrideCore

/// One foot contact of the virtual runner: the unit the gait timeline is made of. The
/// shank and sacrum signals are pure functions of the contacts around a given time.
public struct Contact: Sendable, Equatable {
    /// Running number from the start of the run (virtual pre-start contacts included).
    public var index: Int
    /// Which leg.
    public var side: Side
    /// Initial contact, s from the start of the run.
    public var icS: Double
    /// Toe-off, s (infinite for the final stance once the run is over).
    public var toS: Double
    /// Step time: this initial contact minus the other leg's previous one, s.
    public var stepS: Double
    /// Time until the other leg's next initial contact, s (infinite if none).
    public var supportS: Double
    /// What the runner was doing.
    public var activity: RunnerActivity
    /// A standing stance (both feet down until the stop ends).
    public var hold: Bool
    /// Part of steady gait (not a stop, a start, or the first stride after a change of activity).
    public var steady: Bool
    /// Speed, m/s.
    public var speedMps: Double
    /// Grade, percent.
    public var slopePct: Double
    /// The nominal gait parameters the shapes are drawn from.
    public var params: GaitParameters
    /// The intended peak tibial acceleration, g.
    public var ptaTargetG: Double
    /// Time from contact to the tibial impact peak, s.
    public var riseS: Double
    /// Amplitude of the impact pulse added to the slow shank signal so the peak hits the target, g.
    public var impactAmplitudeG: Double

    /// Contact time, s.
    public var contactS: Double { toS - icS }
}
