import StrideCore

/// Alerts in words and as buzzer cues.
public enum AlertWords {
    /// The cue for an alert's side.
    public static func cue(for side: AlertSide) -> Cue {
        switch side {
        case .both: return .bothCompensating
        case .leg(.left), .leg(.stepA): return .leftCompensating
        case .leg(.right), .leg(.stepB): return .rightCompensating
        }
    }

    /// The side in words.
    public static func side(_ side: AlertSide) -> String {
        switch side {
        case .both: return "both legs"
        case .leg(.left): return "left"
        case .leg(.right): return "right"
        case .leg(.stepA): return "step A"
        case .leg(.stepB): return "step B"
        }
    }

    /// The metric in words.
    public static func metric(_ metric: StrideMetric) -> String {
        switch metric {
        case .strideTime: return "stride time"
        case .stepTime: return "step time"
        case .contactTime: return "contact time"
        case .flightTime: return "flight time"
        case .dutyFactor: return "duty factor"
        case .peakTibialAcceleration: return "tibial impact"
        case .loadingRate: return "loading rate"
        }
    }

    /// "left, contact time, SI +4.1 points (level 1)".
    public static func describe(_ alert: CompensationAlert) -> String {
        let f = alert.finding
        let change = (f.symmetryIndexChange * 10).rounded() / 10
        let sign = change >= 0 ? "+" : ""
        let size = f.side == .both
            ? "left \(percent(f.leftChangePercent)), right \(percent(f.rightChangePercent))"
            : "SI \(sign)\(change) points"
        return "\(side(f.side)), \(metric(f.primaryMetric)), \(size) (level \(alert.level))"
    }

    private static func percent(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return (rounded >= 0 ? "+" : "") + "\(rounded) %"
    }
}
