/// Ringing after a tibial impact: how many times the axial signal swings back and forth
/// by a sizeable fraction of the impact in the first tenth of a second after its peak.
///
/// A sensor strapped firmly to the tibia follows the bone: after the impact peak the axial
/// signal falls away and then changes slowly into mid-stance and push-off. A loosely
/// strapped sensor rocks on the soft tissue and its strap, a damped resonance at 10-50 Hz
/// (Lafortune et al. 1991, skin- against bone-mounted tibial accelerometers), which adds
/// several swings of a good part of the impact's height and makes the peak read high.
/// Counting those swings with a hysteresis of a tenth of the impact's rise (and never
/// under 0.75 g) ignores sensor noise (the ADXL375's 0.1 g rms) and the slow stance
/// signal, and finds a ringing strap.
///
/// The thresholds rest on the virtual runner's firm and loose mounts and on the resonance
/// band above; they have not been checked on real tibial recordings (we have none).
public enum PostImpactRinging {
    /// Start of the search after the peak, s: past the fall of the impact itself.
    public static let startSeconds = 0.004
    /// End of the search after the peak, s: several periods of a 10-50 Hz resonance,
    /// and before mid-stance.
    public static let endSeconds = 0.12
    /// Smallest swing counted, as a fraction of the impact's rise.
    public static let minimumSwingFraction = 0.1
    /// Smallest swing counted, g, whatever the impact: 7.5 standard deviations of the
    /// noisiest chip we drive (the ADXL375, ≈ 0.1 g rms at 800 Hz), so noise on the small
    /// impacts of walking does not count as ringing.
    public static let minimumSwingG = 0.75

    /// The hysteresis for an impact of height `rise` (g).
    public static func minimumSwing(rise: Double) -> Double { Swift.max(minimumSwingG, minimumSwingFraction * rise) }
    /// Swings at and above which a stance counts as ringing: a 28 Hz resonance decaying
    /// over 40 ms shows four to five; a firm mount at most one (the fall into mid-stance).
    public static let ringingSwings = 3

    /// Number of direction reversals of at least `minimumSwing` (g) in `sample(k)` for k in
    /// `from...to` (offsets from the peak, samples). The signal is falling at `from`.
    public static func swings(from: Int, to: Int, minimumSwing: Double, sample: (Int) -> Double) -> Int {
        guard to > from else { return 0 }
        var count = 0
        var falling = true
        var extreme = sample(from)
        var k = from + 1
        while k <= to {
            let y = sample(k)
            if falling {
                if y < extreme {
                    extreme = y
                } else if y - extreme >= minimumSwing {
                    count += 1
                    falling = false
                    extreme = y
                }
            } else {
                if y > extreme {
                    extreme = y
                } else if extreme - y >= minimumSwing {
                    count += 1
                    falling = true
                    extreme = y
                }
            }
            k += 1
        }
        return count
    }
}

/// Whether a shank's mount rings, over its last `window` stances, with hysteresis: it is
/// suspected loose when at least half of them rang and cleared again when a quarter or
/// fewer did. Fixed-size state (a bit history), nothing allocated.
public struct MountRingingCheck: Sendable, Equatable {
    /// Stances judged together: about 30 s of running.
    public static let window = 32
    private var history: UInt32 = 0
    /// Stances of the last `window` that rang.
    public private(set) var ringingStances = 0
    /// Stances judged since the start (or the last reset).
    public private(set) var stancesJudged = 0
    /// The mount currently looks loose.
    public private(set) var looseSuspected = false

    /// Creates an empty check.
    public init() {}

    /// Adds one stance; returns true when `looseSuspected` changed.
    public mutating func add(rang: Bool) -> Bool {
        let leaving = stancesJudged >= Self.window && history & (1 << 31) != 0
        history = history << 1 | (rang ? 1 : 0)
        stancesJudged += 1
        ringingStances += (rang ? 1 : 0) - (leaving ? 1 : 0)
        guard stancesJudged >= Self.window else { return false }
        let before = looseSuspected
        if !looseSuspected && ringingStances * 2 >= Self.window { looseSuspected = true }
        if looseSuspected && ringingStances * 4 <= Self.window { looseSuspected = false }
        return looseSuspected != before
    }

    /// Forgets every stance (a new run, or the sensor was remounted).
    public mutating func reset() { self = MountRingingCheck() }
}
