// The virtual runner's gait model: how cadence, contact time, impact and shank motion
// depend on activity, speed and slope. Figures come from ../shared/notes/running-gait-facts.md
// and the papers cited next to each constant.

/// What the runner is doing in a segment of a scenario.
public enum RunnerActivity: String, Sendable, CaseIterable, Equatable {
    /// Running: flight phases, duty factor below 0.5.
    case running
    /// Walking: double support, no flight, duty factor above 0.5.
    case walking
    /// Standing still with both feet down.
    case standing
}

/// Nominal gait parameters of one step, before per-leg asymmetry, drift and
/// stride-to-stride variability.
public struct GaitParameters: Sendable, Equatable {
    /// Step time (one initial contact to the next of the other leg), s.
    public var stepTimeS: Double
    /// Contact (stance) time, s.
    public var contactTimeS: Double
    /// Peak tibial (axial shank) acceleration, g, gravity included.
    public var ptaG: Double
    /// Time from initial contact to the tibial impact peak, s.
    public var riseTimeS: Double
    /// Shank angle to the vertical at initial contact, degrees (+ = foot ahead of the knee).
    public var shankAngleAtContactDeg: Double
    /// Shank angle at toe-off, degrees.
    public var shankAngleAtToeOffDeg: Double
    /// Most backward shank angle in early swing, degrees.
    public var shankAngleSwingMinDeg: Double
    /// Most forward shank angle in late swing, degrees.
    public var shankAngleSwingMaxDeg: Double
    /// Shank angular velocity at initial contact, deg/s.
    public var shankRateAtContactDps: Double
    /// Shank angular velocity at toe-off, deg/s.
    public var shankRateAtToeOffDps: Double
    /// Size of the swing and push-off accelerations, g per (m/s) of speed.
    public var swingGainGPerMps: Double
    /// Speed, m/s.
    public var speedMps: Double

    /// Cadence, steps per minute.
    public var cadenceSpm: Double { 60 / stepTimeS }
    /// Flight time, s (negative while walking: that is double support).
    public var flightTimeS: Double { stepTimeS - contactTimeS }
    /// Duty factor: contact time over stride time.
    public var dutyFactor: Double { contactTimeS / (2 * stepTimeS) }
}

/// The gait model: nominal parameters from activity, speed and slope.
public enum GaitModel {
    // MARK: Running

    /// Cadence at 0 m/s extrapolated, steps/min; with the slope below it gives 157 spm at
    /// 2.5 m/s and 182 spm at 5 m/s: step frequency rises slowly with speed (Cavanagh &
    /// Kram 1989; Dorn et al. 2012), inside 150-200 spm (running-gait-facts.md).
    public static let runCadenceInterceptSpm = 132.0
    /// Cadence gain with speed, steps/min per m/s (Cavanagh & Kram 1989; Dorn et al. 2012).
    public static let runCadenceSlopeSpmPerMps = 10.0
    /// Cadence bounds while running, steps/min (running-gait-facts.md: 150-200).
    public static let runCadenceRangeSpm = 150.0...200.0
    /// Contact time at 0 m/s extrapolated, s: 285 ms at 2.5 m/s, 210 ms at 5 m/s, shorter
    /// when faster (running-gait-facts.md: 180-300 ms; Weyand et al. 2000).
    public static let runContactInterceptS = 0.360
    /// Contact time change with speed, s per m/s (running-gait-facts.md; Weyand et al. 2000).
    public static let runContactSlopeSPerMps = -0.030
    /// Contact time bounds while running on the flat, s (running-gait-facts.md: 180-300 ms).
    public static let runContactRangeS = 0.180...0.300
    /// Speeds the running model is fitted over, m/s (about 7-25 km/h, Girard 2019's range).
    public static let runSpeedRangeMps = 2.0...7.0
    /// PTA at 0 m/s extrapolated, g: 7.7 g at 2.5 m/s, 10.3 g at 3.5 m/s, 14.2 g at 5 m/s;
    /// treadmill PTA is 5-12 g and rises with speed (running-gait-facts.md; Sheerin et al. 2019).
    public static let runPTAInterceptG = 1.2
    /// PTA gain with speed, g per m/s (Sheerin et al. 2019 review: PTA rises with speed).
    public static let runPTASlopeGPerMps = 2.6
    /// PTA bounds, g (running-gait-facts.md: 5 g treadmill to 24.6 g overground).
    public static let runPTARangeG = 5.0...25.0
    /// Time to the tibial impact peak at 0 m/s extrapolated, s: 12 ms at 2.5 m/s, 8.5 ms at
    /// 5 m/s (impact peaks within the first 10-15 ms of stance, Lafortune et al. 1996; Sinclair et al. 2013).
    public static let runRiseInterceptS = 0.016
    /// Rise-time change with speed, s per m/s (faster running, steeper impact: Lafortune et al. 1996).
    public static let runRiseSlopeSPerMps = -0.0015
    /// Shortest rise time, s (a few ms: the brief's lower bound).
    public static let minRiseTimeS = 0.004
    /// Shortest flight time kept on steep uphills, s (running-gait-facts.md: flight 50-150 ms on the flat).
    public static let minRunFlightS = 0.030

    // MARK: Slope

    /// PTA change per percent grade, fraction (Gottschall & Kram 2005: impact force peak
    /// +54 % at −9° downhill and lower uphill, about 3 % per % grade).
    public static let ptaPerGradePct = -0.03
    /// Contact-time change per percent uphill grade, fraction (Vernillo et al. 2017 review:
    /// uphill running lengthens contact and shortens flight).
    public static let contactPerUphillPct = 0.010
    /// Contact-time change per percent downhill grade, fraction (Vernillo et al. 2017: slightly shorter).
    public static let contactPerDownhillPct = 0.004
    /// Cadence change per percent uphill grade, steps/min (Vernillo et al. 2017: higher step frequency uphill).
    public static let cadencePerUphillSpm = 0.5

    // MARK: Walking

    /// Walking cadence at 0 m/s extrapolated, steps/min: 106 spm at 1.2 m/s, 113 at 1.5 m/s
    /// (Grieve & Gear 1966; the brief: walking cadence about 100-120).
    public static let walkCadenceInterceptSpm = 80.0
    /// Walking cadence gain, steps/min per m/s (Grieve & Gear 1966).
    public static let walkCadenceSlopeSpmPerMps = 22.0
    /// Walking cadence bounds, steps/min.
    public static let walkCadenceRangeSpm = 95.0...125.0
    /// Walking duty factor: stance is about 62 % of the gait cycle (Perry, Gait Analysis, 1992).
    public static let walkDutyFactor = 0.62
    /// Walking shank peak at heel strike at 0 m/s extrapolated, g (walking tibial peaks 2-4 g: Lafortune 1991).
    public static let walkPTAInterceptG = 1.0
    /// Walking shank peak gain, g per m/s (Lafortune 1991).
    public static let walkPTASlopeGPerMps = 1.2
    /// Walking impact rise time, s (heel-strike transients peak 15-25 ms after contact: Whittle 1999).
    public static let walkRiseTimeS = 0.018
    /// Walking speed bounds of the model, m/s.
    public static let walkSpeedRangeMps = 0.6...2.2

    // MARK: Shank kinematics

    /// Shank angle at running initial contact, deg: the tibia is close to vertical, slightly
    /// inclined forward (Novacheck 1998, sagittal kinematics of running).
    public static let runShankAngleAtContactDeg = 8.0
    /// Shank angle at running toe-off, deg (Novacheck 1998).
    public static let runShankAngleAtToeOffDeg = -40.0
    /// Backmost shank angle in swing at 0 m/s extrapolated, deg; −73° at 3.3 m/s (Novacheck 1998:
    /// knee flexion in swing grows with speed).
    public static let runShankSwingMinInterceptDeg = -53.0
    /// Backmost swing angle change with speed, deg per m/s (Novacheck 1998).
    public static let runShankSwingMinSlopeDegPerMps = -6.0
    /// Foremost shank angle in late swing, deg (Novacheck 1998).
    public static let runShankSwingMaxDeg = 25.0
    /// Shank angular velocity at running initial contact, deg/s (swing retraction carries
    /// into stance; shank gyroscope traces in Kiernan et al. 2023 show it near zero-crossing).
    public static let runShankRateAtContactDps = -150.0
    /// Shank angular velocity at running toe-off, deg/s (shank rotating back at push-off).
    public static let runShankRateAtToeOffDps = -400.0
    /// Walking shank angles (contact, toe-off, swing min, swing max), deg (Perry 1992).
    public static let walkShankAnglesDeg = (contact: 15.0, toeOff: -30.0, swingMin: -45.0, swingMax: 20.0)
    /// Walking shank angular velocity at contact and toe-off, deg/s (Perry 1992; Aminian 2002 gyroscope gait).
    public static let walkShankRatesDps = (contact: -80.0, toeOff: -250.0)
    /// Swing and push-off acceleration scale, g per m/s (shank swing accelerations of 2-5 g at
    /// 3-5 m/s, Lafortune 1996; Mercer et al. 2003).
    public static let swingGainGPerMps = 0.5

    /// Nominal parameters for `activity` at `speedMps` on a `slopePct` grade (+ = uphill).
    /// `cadenceOverrideSpm` replaces the model's cadence when given.
    public static func parameters(activity: RunnerActivity, speedMps: Double, slopePct: Double, cadenceOverrideSpm: Double? = nil) -> GaitParameters {
        switch activity {
        case .running, .standing:
            let v = clamp(speedMps, runSpeedRangeMps)
            let uphill = max(0, slopePct)
            let downhill = max(0, -slopePct)
            var cadence = clamp(runCadenceInterceptSpm + runCadenceSlopeSpmPerMps * v, runCadenceRangeSpm)
            cadence += cadencePerUphillSpm * uphill
            if let c = cadenceOverrideSpm { cadence = c }
            let step = 60 / cadence
            var contact = clamp(runContactInterceptS + runContactSlopeSPerMps * v, runContactRangeS)
            contact *= 1 + contactPerUphillPct * uphill - contactPerDownhillPct * downhill
            contact = min(contact, step - minRunFlightS)
            let pta = clamp((runPTAInterceptG + runPTASlopeGPerMps * v) * (1 + ptaPerGradePct * slopePct), runPTARangeG)
            let rise = max(minRiseTimeS, runRiseInterceptS + runRiseSlopeSPerMps * v)
            return GaitParameters(
                stepTimeS: step, contactTimeS: contact, ptaG: pta, riseTimeS: rise,
                shankAngleAtContactDeg: runShankAngleAtContactDeg, shankAngleAtToeOffDeg: runShankAngleAtToeOffDeg,
                shankAngleSwingMinDeg: runShankSwingMinInterceptDeg + runShankSwingMinSlopeDegPerMps * v,
                shankAngleSwingMaxDeg: runShankSwingMaxDeg,
                shankRateAtContactDps: runShankRateAtContactDps, shankRateAtToeOffDps: runShankRateAtToeOffDps,
                swingGainGPerMps: swingGainGPerMps, speedMps: v)
        case .walking:
            let v = clamp(speedMps, walkSpeedRangeMps)
            var cadence = clamp(walkCadenceInterceptSpm + walkCadenceSlopeSpmPerMps * v, walkCadenceRangeSpm)
            if let c = cadenceOverrideSpm { cadence = c }
            let step = 60 / cadence
            let contact = walkDutyFactor * 2 * step
            let pta = max(1.5, (walkPTAInterceptG + walkPTASlopeGPerMps * v) * (1 + ptaPerGradePct * slopePct))
            let a = walkShankAnglesDeg
            return GaitParameters(
                stepTimeS: step, contactTimeS: contact, ptaG: pta, riseTimeS: walkRiseTimeS,
                shankAngleAtContactDeg: a.contact, shankAngleAtToeOffDeg: a.toeOff,
                shankAngleSwingMinDeg: a.swingMin, shankAngleSwingMaxDeg: a.swingMax,
                shankRateAtContactDps: walkShankRatesDps.contact, shankRateAtToeOffDps: walkShankRatesDps.toeOff,
                swingGainGPerMps: swingGainGPerMps, speedMps: v)
        }
    }
}

/// `x` limited to `range`.
@inline(__always)
func clamp(_ x: Double, _ range: ClosedRange<Double>) -> Double {
    min(range.upperBound, max(range.lowerBound, x))
}
