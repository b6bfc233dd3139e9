#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StrideCore

/// How a sensor sits on the body: the rotation that carries the body axes onto the
/// sensor axes, given as intrinsic Z-Y-X angles (yaw about the body's third axis, then
/// pitch about the new second axis, then roll about the new first axis), in degrees.
///
/// Body axes: shank = (axial + up, antero-posterior + forward, medio-lateral + left);
/// sacrum = (vertical + up, antero-posterior + forward, medio-lateral + left). With all
/// angles zero the sensor's x, y, z are those axes. Any angles are allowed.
public struct MountingRotation: Sendable, Equatable {
    /// Rotation about the first axis, degrees.
    public var rollDeg: Double
    /// Rotation about the second axis, degrees.
    public var pitchDeg: Double
    /// Rotation about the third axis, degrees.
    public var yawDeg: Double
    /// Body → sensor matrix, row major: v_sensor = m · v_body.
    public let matrix: [Double]

    /// Creates a rotation from its angles in degrees.
    public init(rollDeg: Double, pitchDeg: Double, yawDeg: Double) {
        self.rollDeg = rollDeg
        self.pitchDeg = pitchDeg
        self.yawDeg = yawDeg
        let r = rollDeg * .pi / 180, p = pitchDeg * .pi / 180, y = yawDeg * .pi / 180
        let (cr, sr, cp, sp, cy, sy) = (cos(r), sin(r), cos(p), sin(p), cos(y), sin(y))
        // R = Rz(y)·Ry(p)·Rx(r) has the sensor axes as columns in body coordinates;
        // the body → sensor map is its transpose.
        let rz: [Double] = [
            cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr,
            sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr,
            -sp, cp * sr, cp * cr,
        ]
        matrix = [rz[0], rz[3], rz[6], rz[1], rz[4], rz[7], rz[2], rz[5], rz[8]]
    }

    /// No rotation: the sensor axes are the body axes.
    public static let identity = MountingRotation(rollDeg: 0, pitchDeg: 0, yawDeg: 0)

    /// A mount a few degrees off, as a strap leaves it (fixed per placement so runs repeat).
    public static func defaultRotation(for placement: Placement) -> MountingRotation {
        switch placement {
        case .leftShank: return MountingRotation(rollDeg: 3, pitchDeg: -4, yawDeg: 2)
        case .rightShank: return MountingRotation(rollDeg: -2, pitchDeg: 3, yawDeg: -3)
        case .sacrum: return MountingRotation(rollDeg: 1, pitchDeg: 6, yawDeg: 0)
        }
    }

    /// `v` (body frame) in the sensor frame.
    @inline(__always)
    public func apply(_ v: (Double, Double, Double)) -> (Double, Double, Double) {
        let m = matrix
        return (m[0] * v.0 + m[1] * v.1 + m[2] * v.2,
                m[3] * v.0 + m[4] * v.1 + m[5] * v.2,
                m[6] * v.0 + m[7] * v.1 + m[8] * v.2)
    }

    public static func == (a: MountingRotation, b: MountingRotation) -> Bool {
        a.rollDeg == b.rollDeg && a.pitchDeg == b.pitchDeg && a.yawDeg == b.yawDeg
    }
}
