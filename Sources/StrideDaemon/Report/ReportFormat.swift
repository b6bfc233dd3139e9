import Foundation
import StrideCore

/// Number, time and date formatting shared by the terminal and HTML reports.
public enum ReportFormat {
    /// "1 h 02 min", "42 min 10 s", "35 s".
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600) h \(String(format: "%02d", (s % 3600) / 60)) min" }
        if s >= 60 { return "\(s / 60) min \(String(format: "%02d", s % 60)) s" }
        return "\(s) s"
    }

    /// "h:mm:ss" or "m:ss" for a table column.
    public static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60) }
        return String(format: "%d:%02d", s / 60, s % 60)
    }

    /// "minute 17" (minutes from the start, rounded down, as a runner reads a watch).
    public static func minute(_ seconds: Double) -> String { "minute \(max(0, Int(seconds / 60)))" }

    /// A number with `digits` decimals.
    public static func number(_ x: Double?, _ digits: Int = 1) -> String {
        guard let x, x.isFinite else { return "–" }
        return String(format: "%.\(digits)f", x)
    }

    /// A signed number ("+2.4", "−1.0").
    public static func signed(_ x: Double?, _ digits: Int = 1) -> String {
        guard let x, x.isFinite else { return "–" }
        let text = String(format: "%.\(digits)f", abs(x))
        return (x < 0 && text != String(format: "%.\(digits)f", 0.0) ? "−" : "+") + text
    }

    /// Decimals to show a metric with.
    public static func digits(_ metric: StrideMetric) -> Int {
        switch metric {
        case .strideTime, .stepTime, .contactTime, .flightTime, .loadingRate: return 0
        case .dutyFactor: return 3
        case .peakTibialAcceleration: return 1
        }
    }

    /// A metric value with its unit ("231 ms", "9.4 g").
    public static func metric(_ x: Double?, _ metric: StrideMetric) -> String {
        guard let x, x.isFinite else { return "–" }
        let u = metric.unit == "1" ? "" : " " + metric.unit
        return number(x, digits(metric)) + u
    }

    /// The start as local date and time, "2025-10-09 10:53 CEST".
    public static func date(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.timeZone = TimeZone.current
        f.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return f.string(from: date)
    }

    /// Words for what the runner was doing.
    public static func activity(_ a: Activity) -> String {
        switch a {
        case .unknown: return "not clearly running"
        case .standing: return "standing"
        case .walking: return "walking"
        case .running: return "running"
        }
    }

    /// Capitalises the first letter.
    public static func capitalised(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
}
