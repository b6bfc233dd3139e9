import StrideCore

/// The figures the daemon shows while it runs: the live line of `simulate`, systemd's
/// STATUS, the log.
public struct LiveStatus: Sendable, Equatable {
    /// Time since the run started, s.
    public var elapsedSeconds: Double = 0
    /// What the runner is doing.
    public var activity: Activity = .unknown
    /// Cadence, steps per minute, from the latest window.
    public var cadenceStepsPerMinute: Double?
    /// Latest window values of contact time per leg (left, right), ms.
    public var contactTimeMs: (left: Double?, right: Double?) = (nil, nil)
    /// Latest window values of peak tibial acceleration per leg, g.
    public var peakTibialAccelerationG: (left: Double?, right: Double?) = (nil, nil)
    /// Latest window SI of contact time and PTA, %.
    public var contactTimeSI: Double?
    /// Latest window SI of PTA, %.
    public var peakTibialAccelerationSI: Double?
    /// Whether the baseline is learnt.
    public var baselineLearnt = false
    /// Alerts raised or escalated so far.
    public var alerts = 0
    /// The last alert, in words.
    public var lastAlert: String?
    /// Sensors sampling now, of those configured.
    public var sensorsUp = 0
    /// Sensors configured.
    public var sensorsConfigured = 0
    /// Strides recorded so far.
    public var strides = 0
    /// Shanks whose mount currently rings after impacts (a loose strap).
    public var looseMounts: [Placement] = []

    /// Creates an empty status.
    public init() {}

    public static func == (a: LiveStatus, b: LiveStatus) -> Bool {
        a.line == b.line
    }

    private static func format(_ value: Double?, _ decimals: Int) -> String {
        guard let value, value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return decimals == 0 ? String(Int(rounded)) : String(rounded)
    }

    /// One line: `12:34 running 172 spm | CT 245/251 ms SI -2.4 % | PTA 9.8/10.1 g SI -3.0 % | baseline ok | alerts 1 (left, contact time +4.1)`.
    public var line: String {
        let seconds = Int(elapsedSeconds)
        let clock = "\(seconds / 60):" + (seconds % 60 < 10 ? "0" : "") + "\(seconds % 60)"
        var parts = ["\(clock) \(Self.activityName(activity)) \(Self.format(cadenceStepsPerMinute, 0)) spm"]
        parts.append("CT \(Self.format(contactTimeMs.left, 0))/\(Self.format(contactTimeMs.right, 0)) ms SI \(Self.format(contactTimeSI, 1)) %")
        parts.append("PTA \(Self.format(peakTibialAccelerationG.left, 1))/\(Self.format(peakTibialAccelerationG.right, 1)) g SI \(Self.format(peakTibialAccelerationSI, 1)) %")
        parts.append(baselineLearnt ? "baseline ok" : "learning baseline")
        parts.append("sensors \(sensorsUp)/\(sensorsConfigured)")
        if !looseMounts.isEmpty { parts.append("check strap: " + looseMounts.map(\.rawValue).joined(separator: ", ")) }
        parts.append("alerts \(alerts)" + (lastAlert.map { " (\($0))" } ?? ""))
        return parts.joined(separator: " | ")
    }

    static func activityName(_ activity: Activity) -> String {
        switch activity {
        case .unknown: return "starting"
        case .standing: return "standing"
        case .walking: return "walking"
        case .running: return "running"
        }
    }
}
