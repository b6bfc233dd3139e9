#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StrideCore

/// The sacrum's true signal in its body frame (vertical + up, antero-posterior + forward,
/// medio-lateral + left), gravity included: the whole body's ground reaction force over
/// body weight, summed over the feet on the ground.
///
/// Vertical: zero (free fall) in flight, a sharp rise at contact (the attenuated impact),
/// then the active half-sine; each contact's vertical impulse equals its share of the
/// stride (the time to the next contact × 1 g), so the mean over a stride is 1 g as it
/// must be. Antero-posterior: braking (negative) in the first half of stance with a dip
/// right after contact, propulsion in the second half. Medio-lateral: toward the other
/// side during each stance. Walking: the double-humped vertical force, double support.
public enum SacrumModel {
    /// Impact at the sacrum as a share of the tibial impact amplitude: 70-90 % of the shock
    /// is attenuated between tibia and lower back/head (Derrick et al. 1998; Hamill et al. 1995).
    public static let impactAttenuation = 0.15
    /// Sacral impact rise time as a multiple of the tibial one (soft tissue low-passes the shock).
    public static let impactRiseFactor = 1.5
    /// Decay of the sacral impact, s.
    public static let impactDecayS = 0.015
    /// Braking/propulsive force peak while running, g (AP GRF peaks 0.4-0.5 body weight: Munro et al. 1987).
    public static let runAPPeakG = 0.45
    /// Walking AP peak, g (about 0.2 body weight: Winter 2009).
    public static let walkAPPeakG = 0.2
    /// Medio-lateral peak, g (ML GRF about 0.1 body weight: Cavanagh & Lafortune 1980).
    public static let mlPeakG = 0.1
    /// Walking vertical force's third-harmonic share, the double hump (Winter 2009).
    public static let walkDoubleHump = 0.3
    /// Pelvis yaw, obliquity and tilt rates, deg/s (pelvic ranges of ±5-10° at stride
    /// frequency in running: Schache et al. 2002).
    public static let pelvisRatesDps = (yaw: 40.0, obliquity: 30.0, tilt: 15.0)
    /// Time for the weight to shift onto or off a standing leg, s.
    public static let weightShiftS = 0.08
    /// Landing bump when coming to a stop, g over `stopLandingS`.
    public static let stopLandingG = 0.5, stopLandingS = 0.3

    /// The sacrum's signal from the contacts that began at or before `t` (oldest first;
    /// the last three are enough): acceleration (g) and angular rate (deg/s), body frame.
    public static func signal(atS t: Double, contacts: ArraySlice<Contact>) -> (accel: (Double, Double, Double), gyro: (Double, Double, Double)) {
        var v = 0.0, ap = 0.0, ml = 0.0
        var gYaw = 0.0, gObl = 0.0, gTilt = 0.0
        for c in contacts where c.icS <= t {
            let u = t - c.icS
            let sign = c.side == .right ? -1.0 : 1.0
            let impact = impactAttenuation * c.impactAmplitudeG
            let sh = shock(afterS: u, riseS: impactRiseFactor * c.riseS)
            if c.hold {
                var share = 0.5 * smoothstep(u / weightShiftS)
                if c.toS.isFinite { share *= 1 - smoothstep((t - (c.toS - weightShiftS)) / weightShiftS) }
                v += share + impact * sh
                if u < stopLandingS { v += stopLandingG * sin(.pi * u / stopLandingS) }
                continue
            }
            v += impact * sh
            ap -= 0.3 * impact * sh
            let tc = c.contactS
            if u < tc {
                let x = u / tc
                let impulseS = impact * (impactRiseFactor * c.riseS / 2 + impactDecayS)
                let supportS = c.supportS.isFinite ? c.supportS : c.params.stepTimeS
                let remaining = max(0, supportS - impulseS)
                if c.activity == .walking {
                    let k = remaining / (tc * (2 / Double.pi + 2 * walkDoubleHump / (3 * Double.pi)))
                    v += k * (sin(.pi * x) + walkDoubleHump * sin(3 * .pi * x))
                    ap -= walkAPPeakG * sin(2 * .pi * x)
                } else {
                    let k = remaining * Double.pi / (2 * tc)
                    v += k * sin(.pi * x)
                    ap -= runAPPeakG * sin(2 * .pi * x)
                }
                ml -= sign * mlPeakG * sin(.pi * x)
                gObl += sign * pelvisRatesDps.obliquity * sin(.pi * x)
            }
            if c.supportS.isFinite, u < c.supportS {
                let y = u / c.supportS
                gYaw += sign * pelvisRatesDps.yaw * sin(.pi * y)
                gTilt += pelvisRatesDps.tilt * sin(2 * .pi * y)
            }
        }
        return ((v, ap, ml), (gYaw, gObl, gTilt))
    }

    /// The sacral impact: sin² rise, exponential decay.
    @inline(__always)
    static func shock(afterS u: Double, riseS: Double) -> Double {
        guard u >= 0 else { return 0 }
        if u < riseS {
            let s = sin(0.5 * .pi * u / riseS)
            return s * s
        }
        let w = u - riseS
        guard w < 30 * impactDecayS else { return 0 }
        return exp(-w / impactDecayS)
    }
}
