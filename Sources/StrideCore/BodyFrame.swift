/// Vector helpers used by the orientation code.
extension Vector3 {
    /// Dot product.
    @inline(__always)
    public func dot(_ o: Vector3) -> Float { x * o.x + y * o.y + z * o.z }

    /// Cross product (right-handed).
    @inline(__always)
    public func cross(_ o: Vector3) -> Vector3 {
        Vector3(x: y * o.z - z * o.y, y: z * o.x - x * o.z, z: x * o.y - y * o.x)
    }

    /// This vector scaled by `s`.
    @inline(__always)
    public func scaled(_ s: Float) -> Vector3 { Vector3(x: x * s, y: y * s, z: z * s) }

    /// Sum of two vectors.
    @inline(__always)
    public static func + (a: Vector3, b: Vector3) -> Vector3 {
        Vector3(x: a.x + b.x, y: a.y + b.y, z: a.z + b.z)
    }

    /// Difference of two vectors.
    @inline(__always)
    public static func - (a: Vector3, b: Vector3) -> Vector3 {
        Vector3(x: a.x - b.x, y: a.y - b.y, z: a.z - b.z)
    }

    /// The unit vector along this one, or nil for a (near) zero vector.
    public var normalized: Vector3? {
        let m = magnitude
        guard m > 1e-6, m.isFinite else { return nil }
        return scaled(1 / m)
    }
}

/// How a sensor is nominally mounted: which sensor-frame directions point up and forward
/// when the wearer stands upright. The true tilt is then calibrated from gravity
/// (DESIGN.md: "Mounting orientation is calibrated, not assumed"); only the heading about
/// the vertical, which gravity cannot reveal, is taken from this nominal mounting.
public struct MountingAxes: Sendable, Equatable {
    /// Sensor-frame direction that nominally points up (superior).
    public var up: Vector3
    /// Sensor-frame direction that nominally points forward (anterior).
    public var forward: Vector3

    /// Creates a mounting from its nominal up and forward directions (need not be unit or
    /// exactly orthogonal; `forward` is orthogonalised against `up`).
    public init(up: Vector3, forward: Vector3) {
        self.up = up
        self.forward = forward
    }

    /// x up, y forward (z then points to the wearer's left): how the running-sacrum
    /// recording's two axes (vertical, antero-posterior) are fed as a sensor frame.
    public static let xUpYForward = MountingAxes(up: Vector3(x: 1, y: 0, z: 0), forward: Vector3(x: 0, y: 1, z: 0))

    /// x up, z forward, so y points to the wearer's right: the Mobilise-D lower-back
    /// convention (mobgap docs, "Coordinate System": x → IS, y → ML, z → PA, right-handed).
    public static let xUpZForward = MountingAxes(up: Vector3(x: 1, y: 0, z: 0), forward: Vector3(x: 0, y: 0, z: 1))
}

/// An acceleration (or angular rate) resolved in the sacrum's body frame.
public struct BodyVector: Sendable, Equatable {
    /// Along the vertical, + up (opposite to gravity), in g (or deg/s for a rate).
    public var vertical: Float
    /// Antero-posterior, + forward.
    public var anteroPosterior: Float
    /// Medio-lateral, + to the wearer's left (so that AP, ML, vertical is right-handed).
    public var medioLateral: Float

    /// Creates a body-frame vector.
    public init(vertical: Float, anteroPosterior: Float, medioLateral: Float) {
        self.vertical = vertical
        self.anteroPosterior = anteroPosterior
        self.medioLateral = medioLateral
    }
}

/// The rotation from a sensor frame to the body frame, calibrated from a measured gravity
/// vector.
///
/// The vertical is the direction of the mean specific force (gravity seen by an
/// accelerometer points up). Forward and left are the nominal mounting's axes carried by
/// the smallest rotation that takes the nominal up onto the measured vertical (Rodrigues'
/// formula), so a sensor tilted about any horizontal axis is corrected exactly.
public struct BodyFrameAlignment: Sendable, Equatable {
    /// Unit vertical (up) in sensor coordinates.
    public let verticalAxis: Vector3
    /// Unit forward in sensor coordinates.
    public let forwardAxis: Vector3
    /// Unit left in sensor coordinates.
    public let leftAxis: Vector3

    /// Builds the alignment from a measured mean specific force `gravity` (sensor frame,
    /// any unit) and the nominal mounting. Returns nil when the gravity vector is (near)
    /// zero or the mounting's up and forward are parallel.
    public init?(gravity: Vector3, mounting: MountingAxes) {
        guard let g = gravity.normalized, let u0 = mounting.up.normalized else { return nil }
        // Orthogonalise the nominal forward against the nominal up.
        guard let f0 = (mounting.forward - u0.scaled(mounting.forward.dot(u0))).normalized else { return nil }
        let c = u0.dot(g)
        let f: Vector3
        if c > -0.999 {
            // Rodrigues: R·x = x·c + (v × x) + v·(v·x)/(1 + c), with v = u0 × g.
            let v = u0.cross(g)
            f = f0.scaled(c) + v.cross(f0) + v.scaled(v.dot(f0) / (1 + c))
        } else {
            // Upside down: a half turn about the nominal forward axis.
            f = f0
        }
        // Re-orthogonalise against rounding.
        guard let fwd = (f - g.scaled(f.dot(g))).normalized else { return nil }
        verticalAxis = g
        forwardAxis = fwd
        leftAxis = g.cross(fwd)
    }

    /// Tilt between the nominal and the calibrated vertical, as its cosine.
    public func tiltCosine(from mounting: MountingAxes) -> Float {
        guard let u0 = mounting.up.normalized else { return 1 }
        return u0.dot(verticalAxis)
    }

    /// Resolves a sensor-frame vector in the body frame.
    @inline(__always)
    public func toBody(_ a: Vector3) -> BodyVector {
        BodyVector(vertical: a.dot(verticalAxis), anteroPosterior: a.dot(forwardAxis), medioLateral: a.dot(leftAxis))
    }
}
