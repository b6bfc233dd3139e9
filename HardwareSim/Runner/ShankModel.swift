#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StrideCore

/// The shank's true motion in its body frame (axial + up along the tibia, antero-posterior
/// + forward, medio-lateral + left), gravity included, as a pure function of the leg's
/// current contact and its next one.
///
/// Built from: the shank angle in the sagittal plane (stance rotation over the foot, swing
/// back and forth; its rate is the medio-lateral angular velocity), gravity projected on
/// the tilted tibia, the centripetal acceleration of the distal tibia about the knee in
/// swing, the impact shock at initial contact (sharp rise, damped ringing), the active
/// loading phase, push-off and the toe-off notch, and the swing accelerations.
public enum ShankModel {
    /// Standard gravity, m/s² (CGPM 1901).
    public static let standardGravity = 9.80665
    /// Distance from the knee's centre of rotation to a distal-tibia sensor, m (tibia length
    /// about 0.37 m, sensor in its distal third: Winter, Biomechanics and Motor Control, 2009).
    public static let sensorRadiusM = 0.25
    /// Decay time constant of the tibial shock after its peak, s (the shock wave is gone
    /// within 30-50 ms of contact: Lafortune et al. 1996; Sinclair et al. 2013 traces).
    public static let impactDecayS = 0.008
    /// Ringing frequency of the tibial shock, Hz (the impact transient's power lies at
    /// 10-20 Hz in the GRF and up to ~50 Hz at the tibia: Shorten & Winslow 1992).
    public static let impactRingHz = 30.0
    /// Antero-posterior share of the impact (posterior jolt at contact), fraction
    /// (Lafortune et al. 1995: tibial AP peaks well below axial ones).
    public static let impactAPFraction = -0.3
    /// Medio-lateral share of the impact, fraction (Lafortune et al. 1995).
    public static let impactMLFraction = 0.08
    /// Axial acceleration of the active (loading) phase at mid-stance, g (a broad hump
    /// after the impact while the body's weight is on the leg: Lafortune 1991).
    public static let activePhaseG = 0.3
    /// Push-off antero-posterior peak, in units of `GaitParameters.swingGainGPerMps` × speed.
    public static let pushOffAPShare = 1.0
    /// Push-off axial peak share.
    public static let pushOffAxialShare = 0.5
    /// Depth of the axial notch at toe-off share (the toe-off feature shank-based detectors
    /// look for near the end of stance: Sinclair et al. 2013; Purcell et al. 2006).
    public static let toeOffNotchShare = 0.6
    /// Width of the toe-off notch, s.
    public static let toeOffNotchWidthS = 0.006
    /// Early-swing forward acceleration share.
    public static let earlySwingAPShare = 1.0
    /// Late-swing deceleration share (the leg is braked before contact).
    public static let lateSwingAPShare = 1.5
    /// Late-swing deceleration: centre before contact and width, s.
    public static let lateSwingCentreS = 0.040, lateSwingWidthS = 0.025
    /// Medio-lateral swing share.
    public static let swingMLShare = 0.2
    /// Out-of-plane couplings of the shank's angular velocity (axial, antero-posterior)
    /// to its sagittal rate (tibial rotation in running: Reinschmidt et al. 1997).
    public static let gyroCoupling = (axial: 0.15, ap: 0.10)
    /// Duration of the move into and out of the standing pose in a stop, s.
    public static let poseChangeS = 0.2

    /// The shank's signal: acceleration (g) and angular rate (deg/s), body frame.
    public static func signal(atS t: Double, contact c: Contact, next n: Contact?) -> (accel: (Double, Double, Double), gyro: (Double, Double, Double)) {
        let (thetaDeg, rateDps) = angle(atS: t, contact: c, next: n)
        var (ax, ap, ml) = slowAccel(atS: t, contact: c, next: n, thetaDeg: thetaDeg, rateDps: rateDps)
        let sh = shock(afterS: t - c.icS, riseS: c.riseS)
        let a = c.impactAmplitudeG * sh
        let sign = c.side == .right ? -1.0 : 1.0
        ax += a
        ap += impactAPFraction * a
        ml += sign * impactMLFraction * a
        let gyro = (sign * gyroCoupling.axial * rateDps, sign * gyroCoupling.ap * rateDps, rateDps)
        return ((ax, ap, ml), gyro)
    }

    /// The axial signal without the impact pulse during `c`'s stance (what the pulse sits on).
    static func slowAxial(atS t: Double, contact c: Contact) -> Double {
        let (theta, rate) = angle(atS: t, contact: c, next: nil)
        return slowAccel(atS: t, contact: c, next: nil, thetaDeg: theta, rateDps: rate).0
    }

    /// The impact pulse shape: sin² rise to 1 at `riseS`, then a damped ringing.
    @inline(__always)
    static func shock(afterS u: Double, riseS: Double) -> Double {
        guard u >= 0 else { return 0 }
        if u < riseS {
            let s = sin(0.5 * .pi * u / riseS)
            return s * s
        }
        let v = u - riseS
        guard v < 20 * impactDecayS else { return 0 }
        return exp(-v / impactDecayS) * cos(2 * .pi * impactRingHz * v)
    }

    /// Everything but the impact pulse.
    private static func slowAccel(atS t: Double, contact c: Contact, next n: Contact?, thetaDeg: Double, rateDps: Double) -> (Double, Double, Double) {
        let theta = thetaDeg * .pi / 180
        var ax = cos(theta)
        var ap = sin(theta)
        var ml = 0.0
        let u = t - c.icS
        let p = c.params
        let gain = p.swingGainGPerMps * max(p.speedMps, 1)
        let sign = c.side == .right ? -1.0 : 1.0
        // Centripetal acceleration of the sensor about the knee, toward the knee (+axial),
        // faded out early in stance (the foot is planted) and in after toe-off.
        let w: Double
        if t < c.toS {
            w = 1 - smoothstep(u / 0.03)
        } else {
            w = smoothstep((t - c.toS) / 0.04)
        }
        let omega = rateDps * .pi / 180
        ax += w * sensorRadiusM * omega * omega / standardGravity
        // Active phase.
        if !c.hold {
            let tc = c.contactS
            ax += activePhaseG * gauss(u, centre: 0.45 * tc, width: 0.15 * tc)
        }
        // Push-off, toe-off notch, early swing.
        if c.toS.isFinite {
            let tc = c.hold ? p.contactTimeS : c.contactS
            let pushCentre = c.toS - 0.12 * tc, pushWidth = 0.07 * tc
            ap += pushOffAPShare * gain * gauss(t, centre: pushCentre, width: pushWidth)
            ax += pushOffAxialShare * gain * gauss(t, centre: pushCentre, width: pushWidth)
            ax -= toeOffNotchShare * gain * gauss(t, centre: c.toS, width: toeOffNotchWidthS)
            let swing = 2 * p.stepTimeS - p.contactTimeS
            ap += earlySwingAPShare * gain * gauss(t, centre: c.toS + 0.2 * swing, width: 0.06 * swing)
            ml += sign * swingMLShare * gain * gauss(t, centre: c.toS + 0.5 * swing, width: 0.1 * swing)
        }
        // Late-swing braking before this contact (its tail) and before the next one.
        ap -= lateSwingAPShare * gain * gauss(t, centre: c.icS - lateSwingCentreS, width: lateSwingWidthS)
        if let n {
            let gn = n.params.swingGainGPerMps * max(n.params.speedMps, 1)
            ap -= lateSwingAPShare * gn * gauss(t, centre: n.icS - lateSwingCentreS, width: lateSwingWidthS)
        }
        return (ax, ap, ml)
    }

    /// Shank angle to the vertical (deg, + = foot ahead of the knee) and its rate (deg/s).
    public static func angle(atS t: Double, contact c: Contact, next n: Contact?) -> (Double, Double) {
        let p = c.params
        if t < c.toS {
            if c.hold {
                let inEnd = c.icS + poseChangeS
                if t < inEnd {
                    return hermite(t, t0: c.icS, y0: p.shankAngleAtContactDeg, m0: p.shankRateAtContactDps, t1: inEnd, y1: 0, m1: 0)
                }
                let outStart = c.toS - poseChangeS
                if t < outStart { return (0, 0) }
                return hermite(t, t0: outStart, y0: 0, m0: 0, t1: c.toS, y1: p.shankAngleAtToeOffDeg, m1: p.shankRateAtToeOffDps)
            }
            return hermite(t, t0: c.icS, y0: p.shankAngleAtContactDeg, m0: p.shankRateAtContactDps,
                           t1: c.toS, y1: p.shankAngleAtToeOffDeg, m1: p.shankRateAtToeOffDps)
        }
        guard let n else { return (p.shankAngleAtToeOffDeg, 0) }
        let swing = n.icS - c.toS
        let tMin = c.toS + 0.3 * swing
        let tMax = n.icS - 0.15 * swing
        if t < tMin {
            return hermite(t, t0: c.toS, y0: p.shankAngleAtToeOffDeg, m0: p.shankRateAtToeOffDps, t1: tMin, y1: p.shankAngleSwingMinDeg, m1: 0)
        }
        if t < tMax {
            return hermite(t, t0: tMin, y0: p.shankAngleSwingMinDeg, m0: 0, t1: tMax, y1: p.shankAngleSwingMaxDeg, m1: 0)
        }
        return hermite(t, t0: tMax, y0: p.shankAngleSwingMaxDeg, m0: 0, t1: n.icS,
                       y1: n.params.shankAngleAtContactDeg, m1: n.params.shankRateAtContactDps)
    }
}

/// Cubic Hermite interpolation between (t0, y0, slope m0) and (t1, y1, slope m1): value and slope at t.
@inline(__always)
func hermite(_ t: Double, t0: Double, y0: Double, m0: Double, t1: Double, y1: Double, m1: Double) -> (Double, Double) {
    let h = t1 - t0
    guard h > 0 else { return (y1, m1) }
    let s = min(1, max(0, (t - t0) / h))
    let s2 = s * s, s3 = s2 * s
    let value = (2 * s3 - 3 * s2 + 1) * y0 + (s3 - 2 * s2 + s) * h * m0 + (-2 * s3 + 3 * s2) * y1 + (s3 - s2) * h * m1
    let slope = ((6 * s2 - 6 * s) * y0 + (-6 * s2 + 6 * s) * y1) / h + (3 * s2 - 4 * s + 1) * m0 + (3 * s2 - 2 * s) * m1
    return (value, slope)
}

/// A unit Gaussian bump, cut to exactly 0 beyond 6 widths (so a standing runner is still).
@inline(__always)
func gauss(_ x: Double, centre: Double, width: Double) -> Double {
    let z = (x - centre) / width
    guard abs(z) < 6 else { return 0 }
    return exp(-0.5 * z * z)
}

/// 0 below 0, 1 above 1, a smooth cubic step between.
@inline(__always)
func smoothstep(_ x: Double) -> Double {
    let s = min(1, max(0, x))
    return s * s * (3 - 2 * s)
}
