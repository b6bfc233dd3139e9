import StrideCore

/// One sensor's view of the virtual runner: the true signal at its placement, in its own
/// frame (mounting rotation applied), with gravity, its loose-mount ringing and noise.
/// Read it in increasing time (each sensor on its own); memory stays bounded. Reading
/// back in time works but replays the run from the start.
public final class RunnerSignalSource: SignalSource, @unchecked Sendable {
    /// Where it is worn.
    public let placement: Placement
    /// Its options from the scenario.
    public let options: SensorOptions
    private let startNs: UInt64
    private var window: ContactWindow
    private let noise: HashNoise
    private let stream: UInt64

    init(placement: Placement, timeline: GaitTimeline, startNs: UInt64, options: SensorOptions, seed: UInt64) {
        self.placement = placement
        self.options = options
        self.startNs = startNs
        window = ContactWindow(timeline: timeline)
        noise = HashNoise(seed: seed)
        switch placement {
        case .leftShank: stream = 1
        case .rightShank: stream = 2
        case .sacrum: stream = 3
        }
    }

    /// The body-frame signal (no rotation, no noise): acceleration in g, rate in deg/s.
    public func bodySignal(atS t: Double) -> (accel: (Double, Double, Double), gyro: (Double, Double, Double)) {
        let firstAfter = window.advance(toS: t)
        let contacts = window.contacts
        var accel: (Double, Double, Double)
        var gyro: (Double, Double, Double)
        var ringing = 0.0
        switch placement {
        case .leftShank, .rightShank:
            let side: Side = placement == .leftShank ? .left : .right
            var current: Contact?
            var next: Contact?
            var i = firstAfter - 1
            while i >= 0 {
                if contacts[i].side == side { current = contacts[i]; break }
                i -= 1
            }
            i = firstAfter
            while i < contacts.count {
                if contacts[i].side == side { next = contacts[i]; break }
                i += 1
            }
            guard let c = current else { return ((1, 0, 0), (0, 0, 0)) }
            (accel, gyro) = ShankModel.signal(atS: t, contact: c, next: next)
            if let loose = options.looseMount { ringing = loose.ringing(afterS: t - c.icS, amplitudeG: c.impactAmplitudeG) }
        case .sacrum:
            let behind = contacts[0..<firstAfter]
            (accel, gyro) = SacrumModel.signal(atS: t, contacts: behind)
            if let loose = options.looseMount, let c = behind.last {
                ringing = loose.ringing(afterS: t - c.icS, amplitudeG: SacrumModel.impactAttenuation * c.impactAmplitudeG)
            }
        }
        accel.0 += ringing
        accel.1 += 0.5 * ringing
        return (accel, gyro)
    }

    public func sample(atNs timeNs: UInt64) -> (accel: Vector3, gyro: Vector3) {
        let t = (Double(timeNs) - Double(startNs)) / 1e9
        let body = bodySignal(atS: t)
        let a = options.rotation.apply(body.accel)
        let g = options.rotation.apply(body.gyro)
        var accel = Vector3(x: Float(a.0), y: Float(a.1), z: Float(a.2))
        var gyro = Vector3(x: Float(g.0), y: Float(g.1), z: Float(g.2))
        let sigma = options.noiseG + (options.looseMount?.extraNoiseG ?? 0)
        if sigma > 0 {
            accel.x += Float(sigma * noise.gaussian(stream: stream << 8 | 0, timeNs: timeNs))
            accel.y += Float(sigma * noise.gaussian(stream: stream << 8 | 1, timeNs: timeNs))
            accel.z += Float(sigma * noise.gaussian(stream: stream << 8 | 2, timeNs: timeNs))
        }
        if options.gyroNoiseDps > 0 {
            gyro.x += Float(options.gyroNoiseDps * noise.gaussian(stream: stream << 8 | 3, timeNs: timeNs))
            gyro.y += Float(options.gyroNoiseDps * noise.gaussian(stream: stream << 8 | 4, timeNs: timeNs))
            gyro.z += Float(options.gyroNoiseDps * noise.gaussian(stream: stream << 8 | 5, timeNs: timeNs))
        }
        return (accel, gyro)
    }
}

extension RunnerSignalSource {
    /// How many contacts the source keeps now (bounded, whatever the run's length).
    public var contactsKept: Int { window.contacts.count }
}
