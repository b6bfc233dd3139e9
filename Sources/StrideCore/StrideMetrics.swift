/// The per-stride metrics measured for each leg.
///
/// Times are in milliseconds, the duty factor is a fraction (0-1), the peak tibial
/// acceleration in g and the loading rate in g/s.
public enum StrideMetric: Int, Sendable, Equatable, CaseIterable {
    /// From one initial contact (IC) of a leg to its next IC, ms.
    case strideTime
    /// From this leg's IC to the other leg's next IC, ms (contact + flight).
    case stepTime
    /// From this leg's IC to its toe-off (TO), ms.
    case contactTime
    /// From this leg's TO to the other leg's next IC, ms (negative when both feet are down).
    case flightTime
    /// Contact time over stride time (fraction of the stride spent on the ground).
    case dutyFactor
    /// Peak tibial acceleration (PTA) along the tibia, g (the peak vertical acceleration
    /// when the events come from a sacrum sensor).
    case peakTibialAcceleration
    /// Loading rate from contact to the impact peak, g/s.
    case loadingRate

    /// How many metrics there are.
    public static let count = 7
    /// Every metric in order, stored once (iterating it allocates nothing).
    public static let all: [StrideMetric] = [.strideTime, .stepTime, .contactTime, .flightTime, .dutyFactor,
                                             .peakTibialAcceleration, .loadingRate]

    /// A short unit label for reports.
    public var unit: String {
        switch self {
        case .strideTime, .stepTime, .contactTime, .flightTime: return "ms"
        case .dutyFactor: return "1"
        case .peakTibialAcceleration: return "g"
        case .loadingRate: return "g/s"
        }
    }

    /// A short name for logs and reports.
    public var label: String {
        switch self {
        case .strideTime: return "stride time"
        case .stepTime: return "step time"
        case .contactTime: return "contact time"
        case .flightTime: return "flight time"
        case .dutyFactor: return "duty factor"
        case .peakTibialAcceleration: return "PTA"
        case .loadingRate: return "loading rate"
        }
    }
}

/// A set of stride metrics (one bit per `StrideMetric`).
public struct StrideMetricSet: OptionSet, Sendable, Equatable {
    /// One bit per metric, bit n = `StrideMetric(rawValue: n)`.
    public let rawValue: UInt16
    /// Creates a set from its bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// The set holding one metric.
    public init(_ metric: StrideMetric) { rawValue = 1 << UInt16(metric.rawValue) }
    /// Whether the set holds `metric`.
    public func contains(_ metric: StrideMetric) -> Bool { rawValue & (1 << UInt16(metric.rawValue)) != 0 }
    /// Adds `metric`.
    public mutating func insert(_ metric: StrideMetric) { self.formUnion(StrideMetricSet(metric)) }

    /// The metrics watched for compensation by default: the asymmetries that fatigue and
    /// hip weakness show first (DESIGN.md: "contact time, step time and tibial impact"),
    /// plus loading rate (Stryd reports it). Flight time (= step − contact) is redundant and,
    /// being short, its SI is the noisiest: it is reported, not watched.
    public static let defaultMonitored: StrideMetricSet = [
        StrideMetricSet(.contactTime), StrideMetricSet(.stepTime),
        StrideMetricSet(.peakTibialAcceleration), StrideMetricSet(.loadingRate),
    ]
}

/// Seven `Double`s, one per `StrideMetric`, with no allocation. `nil` (stored as NaN) means
/// not available.
public struct MetricVector: Sendable, Equatable {
    private var v0 = Double.nan, v1 = Double.nan, v2 = Double.nan, v3 = Double.nan
    private var v4 = Double.nan, v5 = Double.nan, v6 = Double.nan

    /// A vector with every metric unavailable.
    public init() {}

    /// The value of `metric`, nil when unavailable.
    public subscript(metric: StrideMetric) -> Double? {
        get {
            let x: Double
            switch metric {
            case .strideTime: x = v0
            case .stepTime: x = v1
            case .contactTime: x = v2
            case .flightTime: x = v3
            case .dutyFactor: x = v4
            case .peakTibialAcceleration: x = v5
            case .loadingRate: x = v6
            }
            return x.isNaN ? nil : x
        }
        set {
            let x = newValue ?? .nan
            switch metric {
            case .strideTime: v0 = x
            case .stepTime: v1 = x
            case .contactTime: v2 = x
            case .flightTime: v3 = x
            case .dutyFactor: v4 = x
            case .peakTibialAcceleration: v5 = x
            case .loadingRate: v6 = x
            }
        }
    }

    /// Equality that treats two unavailable values as equal.
    public static func == (a: MetricVector, b: MetricVector) -> Bool {
        for m in StrideMetric.all where a[m] != b[m] { return false }
        return true
    }
}

/// Why a stride should not enter the statistics. An empty set means a good stride.
public struct StrideQuality: OptionSet, Sendable, Equatable {
    /// The flag bits.
    public let rawValue: UInt16
    /// Creates flags from their bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// No toe-off of this leg between its two contacts: no contact, flight or duty factor.
    public static let missingToeOff = StrideQuality(rawValue: 1 << 0)
    /// No contact of the other leg between this leg's two contacts: no step or flight time.
    public static let missingContralateralContact = StrideQuality(rawValue: 1 << 1)
    /// More events than a stride holds (a second toe-off, two contacts of the other leg):
    /// an event was missed or a spurious one detected.
    public static let extraEvents = StrideQuality(rawValue: 1 << 2)
    /// An event arrived older than one already processed and was dropped.
    public static let outOfOrder = StrideQuality(rawValue: 1 << 3)
    /// The first stride after a pause or a sensor gap.
    public static let afterGap = StrideQuality(rawValue: 1 << 4)
    /// Faster than the physiological limit on step rate.
    public static let stepRateTooHigh = StrideQuality(rawValue: 1 << 5)
    /// Contact (stance) time outside the physiological bounds.
    public static let stanceOutOfBounds = StrideQuality(rawValue: 1 << 6)
    /// Swing time (stride − contact) outside the physiological bounds.
    public static let swingOutOfBounds = StrideQuality(rawValue: 1 << 7)

    /// True when no flag is set.
    public var isGood: Bool { isEmpty }
}

/// Physiological bounds a running stride must respect to be trusted.
public struct StrideQualityBounds: Sendable, Equatable {
    /// At most 4.75 steps/s (Kiernan et al. 2023, physiological bounds for running events).
    public static let kiernanMaxStepsPerSecond = 4.75
    /// Stance at least 95 ms (Kiernan et al. 2023).
    public static let kiernanStanceMinMs = 95.0
    /// Stance at most 270 ms (Kiernan et al. 2023): their bound for plausible event pairs in
    /// a field study. Not the default: see ``runningStanceMaxMs``.
    public static let kiernanStanceMaxMs = 270.0
    /// Stance at most 400 ms: running has a duty factor under 0.5, and at the slowest
    /// running cadence (150 steps/min, running-gait-facts.md) a stride lasts 800 ms, so a
    /// running stance is under 400 ms. Kiernan's 270 ms would reject slow, uphill and tired
    /// runners (contact 180-300 ms and rising with fatigue, running-gait-facts.md), and so
    /// hide the very drift the compensation monitor looks for.
    public static let runningStanceMaxMs = 400.0
    /// Swing at least 200 ms (Kiernan et al. 2023).
    public static let kiernanSwingMinMs = 200.0
    /// Swing at most 600 ms (Kiernan et al. 2023).
    public static let kiernanSwingMaxMs = 600.0
    /// A stride longer than this is a pause, not a stride, s. Same as the activity
    /// classifier's step-sequence break (ActivityClassifier.maxStepIntervalSeconds, 2 s).
    public static let defaultMaxStrideSeconds = 2.0

    /// Most steps per second.
    public var maxStepsPerSecond: Double
    /// Shortest contact time, ms.
    public var stanceMinMs: Double
    /// Longest contact time, ms.
    public var stanceMaxMs: Double
    /// Shortest swing time, ms.
    public var swingMinMs: Double
    /// Longest swing time, ms.
    public var swingMaxMs: Double
    /// A same-leg contact interval longer than this is a gap, s: no stride is formed and the
    /// next stride carries `.afterGap`.
    public var maxStrideSeconds: Double

    /// Creates bounds; the defaults are Kiernan et al. 2023's but for the longest stance
    /// (``runningStanceMaxMs``).
    public init(maxStepsPerSecond: Double = kiernanMaxStepsPerSecond,
                stanceMinMs: Double = kiernanStanceMinMs, stanceMaxMs: Double = runningStanceMaxMs,
                swingMinMs: Double = kiernanSwingMinMs, swingMaxMs: Double = kiernanSwingMaxMs,
                maxStrideSeconds: Double = defaultMaxStrideSeconds) {
        self.maxStepsPerSecond = maxStepsPerSecond
        self.stanceMinMs = stanceMinMs
        self.stanceMaxMs = stanceMaxMs
        self.swingMinMs = swingMinMs
        self.swingMaxMs = swingMaxMs
        self.maxStrideSeconds = maxStrideSeconds
    }
}

/// One stride of one leg, from an initial contact to the next of the same leg.
public struct StrideRecord: Sendable, Equatable {
    /// Which leg (A/B when the side is unknown).
    public var side: Side
    /// 0-based count of this leg's strides since the analyser started.
    public var index: Int
    /// The stride's initial contact, ns.
    public var startNs: UInt64
    /// The next initial contact of the same leg, ns (end of the stride).
    public var endNs: UInt64
    /// The measured metrics; a metric is nil when its events were missing, and PTA and
    /// loading rate are nil when the sensor clipped (the true peak is unknown).
    public var metrics: MetricVector
    /// Impact peak at this stride's contact, g, even when clipped (then a lower bound).
    public var rawPeakG: Double
    /// The sensor clipped around the impact peak.
    public var peakClipped: Bool
    /// Why the stride should not be trusted; empty when good.
    public var quality: StrideQuality

    /// Creates a record.
    public init(side: Side, index: Int, startNs: UInt64, endNs: UInt64, metrics: MetricVector,
                rawPeakG: Double, peakClipped: Bool, quality: StrideQuality) {
        self.side = side
        self.index = index
        self.startNs = startNs
        self.endNs = endNs
        self.metrics = metrics
        self.rawPeakG = rawPeakG
        self.peakClipped = peakClipped
        self.quality = quality
    }

    /// The value of `metric`, nil when unavailable.
    public func value(_ metric: StrideMetric) -> Double? { metrics[metric] }
}

extension Side {
    /// 0 for left / A, 1 for right / B: the slot a leg's state lives in.
    @inline(__always)
    public var legSlot: Int {
        switch self {
        case .left, .stepA: return 0
        case .right, .stepB: return 1
        }
    }
}
