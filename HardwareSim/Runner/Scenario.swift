import StrideCore

/// One leg-level gait metric, for baseline asymmetry, drifts and the true symmetry index.
public enum GaitMetric: String, Sendable, CaseIterable, Equatable {
    /// Contact (stance) time.
    case contactTime = "contact_time"
    /// Step time: the other leg's initial contact to this leg's.
    case stepTime = "step_time"
    /// Flight time after this leg's toe-off (derived: cannot drift on its own).
    case flightTime = "flight_time"
    /// Stride time (derived: equal on both legs over a stride).
    case strideTime = "stride_time"
    /// Duty factor (derived).
    case dutyFactor = "duty_factor"
    /// Peak tibial acceleration.
    case pta
    /// Tibial loading rate (drifts by changing the impact rise time).
    case loadingRate = "loading_rate"

    /// The metrics a scenario may set an asymmetry or a drift on.
    public static let drivable: [GaitMetric] = [.contactTime, .stepTime, .pta, .loadingRate]
}

/// Which leg a drift or asymmetry acts on.
public enum DriftLeg: String, Sendable, CaseIterable, Equatable {
    /// The left leg.
    case left
    /// The right leg.
    case right
    /// Both legs together (symmetric fatigue).
    case both

    /// Whether it acts on `side`.
    public func includes(_ side: Side) -> Bool {
        switch self {
        case .both: return side == .left || side == .right
        case .left: return side == .left
        case .right: return side == .right
        }
    }
}

/// How a drift develops over time.
public enum DriftShape: String, Sendable, CaseIterable, Equatable {
    /// No drift (a placeholder that does nothing).
    case none
    /// Linear from 0 at the start to the full amount `overMin` minutes later, then held.
    case ramp
    /// The full amount at once from the start.
    case step
}

/// The unit of a drift amount.
public enum DriftUnit: String, Sendable, CaseIterable, Equatable {
    /// Percent of the leg's nominal value.
    case pct
    /// Symmetry-index points: the leg's value rises until it alone moves SI by this many
    /// points (positive = this leg larger; a left drift raises SI, a right one lowers it).
    case si
    /// Milliseconds, added (contact time, step time).
    case ms
    /// g, added (PTA).
    case g
    /// g/s, added (loading rate).
    case gPerS = "g_per_s"
}

/// One segment of a scenario: an activity at a speed on a slope for a while.
public struct Segment: Sendable, Equatable {
    /// What the runner does.
    public var activity: RunnerActivity
    /// Speed, m/s (ignored when standing).
    public var speedMps: Double
    /// Grade, percent (+ = uphill).
    public var slopePct: Double
    /// How long, minutes.
    public var durationMin: Double
    /// Cadence override, steps/min (nil: the model's cadence for the speed).
    public var cadenceSpm: Double?

    /// Creates a segment.
    public init(activity: RunnerActivity, speedMps: Double = 0, slopePct: Double = 0, durationMin: Double, cadenceSpm: Double? = nil) {
        self.activity = activity
        self.speedMps = speedMps
        self.slopePct = slopePct
        self.durationMin = durationMin
        self.cadenceSpm = cadenceSpm
    }
}

/// A drift of one metric on one leg (or both).
public struct Drift: Sendable, Equatable {
    /// Which leg.
    public var leg: DriftLeg
    /// Which metric (one of `GaitMetric.drivable`).
    public var metric: GaitMetric
    /// Ramp, step or none.
    public var shape: DriftShape
    /// When it starts, minutes from the start of the run.
    public var startMin: Double
    /// How long a ramp takes to reach the full amount, minutes.
    public var overMin: Double
    /// The full amount, in `unit`.
    public var amount: Double
    /// The unit of `amount`.
    public var unit: DriftUnit

    /// Creates a drift.
    public init(leg: DriftLeg, metric: GaitMetric, shape: DriftShape, startMin: Double, overMin: Double = 0, amount: Double, unit: DriftUnit) {
        self.leg = leg
        self.metric = metric
        self.shape = shape
        self.startMin = startMin
        self.overMin = overMin
        self.amount = amount
        self.unit = unit
    }

    /// How much of the full amount applies at `minute` (0 to 1).
    public func fraction(atMinute minute: Double) -> Double {
        switch shape {
        case .none: return 0
        case .step: return minute >= startMin ? 1 : 0
        case .ramp:
            guard minute > startMin else { return 0 }
            guard overMin > 0 else { return 1 }
            return min(1, (minute - startMin) / overMin)
        }
    }
}

/// Options of one simulated sensor.
public struct SensorOptions: Sendable, Equatable {
    /// Mounting rotation, body frame → sensor frame.
    public var rotation: MountingRotation
    /// White noise per accelerometer axis, g (standard deviation).
    public var noiseG: Double
    /// White noise per gyroscope axis, deg/s (standard deviation).
    public var gyroNoiseDps: Double
    /// A loose mount: extra resonance after each impact and extra noise (nil: firm).
    public var looseMount: LooseMount?

    /// Creates sensor options.
    public init(rotation: MountingRotation, noiseG: Double = 0, gyroNoiseDps: Double = 0, looseMount: LooseMount? = nil) {
        self.rotation = rotation
        self.noiseG = noiseG
        self.gyroNoiseDps = gyroNoiseDps
        self.looseMount = looseMount
    }

    /// Defaults for `placement`: a mount a few degrees off the body axes, no noise, firm.
    public static func defaults(for placement: Placement) -> SensorOptions {
        SensorOptions(rotation: MountingRotation.defaultRotation(for: placement))
    }
}

/// Stride-to-stride variability, coefficients of variation (fractions).
public struct Variability: Sendable, Equatable {
    /// Step time CV: running stride-interval CV is about 1-3 % (Jordan et al. 2006).
    public var stepTimeCV: Double
    /// Contact time CV: about 2-4 % within a run (Meardon et al. 2011).
    public var contactTimeCV: Double
    /// PTA CV: step-to-step PTA varies by about 8-12 % (Sheerin et al. 2018).
    public var ptaCV: Double
    /// Impact rise-time CV (same source as PTA, Sheerin et al. 2018).
    public var riseTimeCV: Double

    /// Typical healthy-runner variability (sources on each field).
    public static let typical = Variability(stepTimeCV: 0.015, contactTimeCV: 0.025, ptaCV: 0.08, riseTimeCV: 0.08)

    /// Creates a variability set.
    public init(stepTimeCV: Double, contactTimeCV: Double, ptaCV: Double, riseTimeCV: Double) {
        self.stepTimeCV = stepTimeCV
        self.contactTimeCV = contactTimeCV
        self.ptaCV = ptaCV
        self.riseTimeCV = riseTimeCV
    }
}

/// A whole scenario: what the virtual runner does, how each leg differs and drifts, and how
/// the sensors are mounted. Parsed from YAML by `ScenarioParser` (config/scenarios/README.md).
public struct Scenario: Sendable, Equatable {
    /// A short name.
    public var name: String
    /// What it is for.
    public var description: String
    /// The random seed: the same seed gives the same run.
    public var seed: UInt64
    /// Run length, minutes.
    public var durationMin: Double
    /// The segments, in order.
    public var segments: [Segment]
    /// Whether the segments repeat until the run's end.
    public var repeatSegments: Bool
    /// Baseline asymmetry, percent of the nominal value, per leg and metric.
    public var baselineAsymmetryPct: [Side: [GaitMetric: Double]]
    /// Drifts.
    public var drifts: [Drift]
    /// Stride-to-stride variability.
    public var variability: Variability
    /// Scale on the model's PTA (a runner who lands harder or softer).
    public var ptaScale: Double
    /// Sensor options per placement.
    public var sensors: [Placement: SensorOptions]

    /// Creates a scenario; the run lasts the sum of the segments unless `durationMin` is given.
    public init(name: String = "scenario", description: String = "", seed: UInt64 = 1, durationMin: Double? = nil,
                segments: [Segment], repeatSegments: Bool = false,
                baselineAsymmetryPct: [Side: [GaitMetric: Double]] = [:], drifts: [Drift] = [],
                variability: Variability = .typical, ptaScale: Double = 1,
                sensors: [Placement: SensorOptions] = [:]) {
        self.name = name
        self.description = description
        self.seed = seed
        self.durationMin = durationMin ?? segments.reduce(0) { $0 + $1.durationMin }
        self.segments = segments
        self.repeatSegments = repeatSegments
        self.baselineAsymmetryPct = baselineAsymmetryPct
        self.drifts = drifts
        self.variability = variability
        self.ptaScale = ptaScale
        self.sensors = sensors
    }

    /// Run length, s.
    public var durationS: Double { durationMin * 60 }

    /// Options of the sensor at `placement` (defaults when the scenario names none).
    public func sensorOptions(for placement: Placement) -> SensorOptions {
        sensors[placement] ?? .defaults(for: placement)
    }

    /// The segment in force at `timeS` from the start and when it ends (s); standing for
    /// ever once the run is over. Consecutive standing segments are merged.
    public func segment(atS timeS: Double) -> (segment: Segment, endS: Double) {
        let standingForever = (Segment(activity: .standing, durationMin: 0), Double.infinity)
        guard timeS < durationS, !segments.isEmpty else { return standingForever }
        let cycle = segments.reduce(0) { $0 + $1.durationMin * 60 }
        guard cycle > 0 else { return standingForever }
        var base = 0.0
        var local = timeS
        if repeatSegments, timeS >= cycle {
            let n = (timeS / cycle).rounded(.down)
            base = n * cycle
            local = timeS - base
        }
        var start = 0.0
        for (i, seg) in segments.enumerated() {
            let end = start + seg.durationMin * 60
            if local < end {
                var endS = min(base + end, durationS)
                if seg.activity == .standing {
                    // Merge following standing segments (and the end of the run).
                    var j = i + 1
                    var e = end
                    while j < segments.count, segments[j].activity == .standing {
                        e += segments[j].durationMin * 60
                        j += 1
                    }
                    endS = base + e >= durationS ? .infinity : base + e
                }
                return (seg, endS)
            }
            start = end
        }
        return standingForever
    }

    /// The value of `metric` on `side` at `minute`, from its `nominal` value: baseline
    /// asymmetry, then every drift that applies.
    public func legValue(_ metric: GaitMetric, side: Side, nominal: Double, atMinute minute: Double) -> Double {
        var value = nominal * (1 + (baselineAsymmetryPct[side]?[metric] ?? 0) / 100)
        for drift in drifts where drift.metric == metric && drift.leg.includes(side) {
            let f = drift.fraction(atMinute: minute)
            guard f > 0 else { continue }
            switch drift.unit {
            case .pct: value *= 1 + f * drift.amount / 100
            case .si:
                let s = f * drift.amount
                value *= (200 + s) / (200 - s)
            case .ms: value += f * drift.amount / 1000
            case .g, .gPerS: value += f * drift.amount
            }
        }
        return value
    }

    /// When the first drift starts, s from the start of the run (nil: no drift).
    public var firstDriftOnsetS: Double? {
        drifts.filter { $0.shape != .none && $0.amount != 0 }.map { $0.startMin * 60 }.min()
    }
}
