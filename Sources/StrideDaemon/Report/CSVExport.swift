import Foundation
import StrideCore

/// Writes a run's strides, events, windows, alerts, faults and activity as CSV files with
/// one header row; units are in the column names (`_ms`, `_g`, `_s` …), for pandas, R or a
/// spreadsheet. Times are seconds from the start of the run (`*_s`) and the record's
/// monotonic nanoseconds (`*_ns`, to join with the SQLite file).
public enum CSVExport {
    /// The files written, in order.
    public static let files = ["strides.csv", "events.csv", "windows.csv", "alerts.csv", "faults.csv", "activity.csv"]

    /// Errors writing.
    public struct WriteError: Error, CustomStringConvertible {
        /// What failed.
        public var description: String
    }

    /// Quotes a field when it holds a comma, a quote or a line break.
    static func field(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    static func num(_ x: Double?, _ digits: Int = 4) -> String {
        guard let x, x.isFinite else { return "" }
        var s = String(format: "%.\(digits)f", x)
        while s.contains("."), s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    static func sideName(_ s: Side) -> String {
        switch s {
        case .left: return "left"
        case .right: return "right"
        case .stepA: return "A"
        case .stepB: return "B"
        }
    }

    static func column(_ m: StrideMetric) -> String {
        switch m {
        case .strideTime: return "stride_time_ms"
        case .stepTime: return "step_time_ms"
        case .contactTime: return "contact_time_ms"
        case .flightTime: return "flight_time_ms"
        case .dutyFactor: return "duty_factor"
        case .peakTibialAcceleration: return "pta_g"
        case .loadingRate: return "loading_rate_g_per_s"
        }
    }

    static func key(_ m: StrideMetric) -> String {
        switch m {
        case .strideTime: return "stride_time"
        case .stepTime: return "step_time"
        case .contactTime: return "contact_time"
        case .flightTime: return "flight_time"
        case .dutyFactor: return "duty_factor"
        case .peakTibialAcceleration: return "pta"
        case .loadingRate: return "loading_rate"
        }
    }

    static func qualityWords(_ q: StrideQuality) -> String {
        let names: [(StrideQuality, String)] = [
            (.missingToeOff, "no-toe-off"), (.missingContralateralContact, "no-other-contact"), (.extraEvents, "extra-events"),
            (.outOfOrder, "out-of-order"), (.afterGap, "after-gap"), (.stepRateTooHigh, "step-rate-high"),
            (.stanceOutOfBounds, "contact-out-of-bounds"), (.swingOutOfBounds, "swing-out-of-bounds"),
        ]
        return names.filter { q.contains($0.0) }.map(\.1).joined(separator: " ")
    }

    /// The CSV texts, by file name.
    public static func tables(_ r: RunReport, events: [GaitEvent]) -> [(String, String)] {
        func t(_ ns: UInt64) -> String { num(r.seconds(ns), 4) }
        var strides = "side,stride_index,start_s,end_s,start_ns,end_ns," + StrideMetric.all.map(column).joined(separator: ",")
            + ",raw_peak_g,peak_clipped,quality,quality_flags,good\n"
        for s in r.strides {
            strides += "\(sideName(s.side)),\(s.index),\(t(s.startNs)),\(t(s.endNs)),\(s.startNs),\(s.endNs),"
            strides += StrideMetric.all.map { num(s.metrics[$0]) }.joined(separator: ",")
            strides += ",\(num(s.rawPeakG)),\(s.peakClipped ? 1 : 0),\(s.quality.rawValue),\(field(qualityWords(s.quality))),\(s.quality.isGood ? 1 : 0)\n"
        }
        var ev = "time_s,time_ns,kind,side,peak_g,clipped,loading_rate_g_per_s\n"
        for e in events {
            ev += "\(t(e.timeNs)),\(e.timeNs),\(e.kind == .initialContact ? "IC" : "TO"),\(sideName(e.side)),\(num(Double(e.peakG))),\(e.clipped ? 1 : 0),\(num(Double(e.loadingRateGPerS)))\n"
        }
        var win = "start_s,end_s,start_ns,end_ns,window_steps,left_strides,right_strides,"
        win += StrideMetric.all.map { "left_" + column($0) + ",right_" + column($0) }.joined(separator: ",") + ","
        win += StrideMetric.all.map { "si_\(key($0))_percent,si_change_\(key($0))_points" }.joined(separator: ",") + "\n"
        for w in r.windows {
            win += "\(t(w.startNs)),\(t(w.endNs)),\(w.startNs),\(w.endNs),\(w.windowSteps),\(w.leftStrides),\(w.rightStrides),"
            win += StrideMetric.all.map { num(w.left[$0]) + "," + num(w.right[$0]) }.joined(separator: ",") + ","
            win += StrideMetric.all.map { num(w.symmetryIndex[$0]) + "," + num(w.symmetryIndexChange[$0]) }.joined(separator: ",") + "\n"
        }
        var al = "time_s,time_ns,kind,level,side,primary_metric,metrics,severity,si_change_points,left_change_percent,right_change_percent,onset_s,onset_ns,effective_window_stride_pairs\n"
        for a in r.alerts {
            let f = a.finding
            let side: String
            switch f.side {
            case .both: side = "both"
            case .leg(let s): side = sideName(s)
            }
            let kind = a.kind == .raised ? "raised" : a.kind == .escalated ? "escalated" : "cleared"
            let metrics = StrideMetric.all.filter { f.metrics.contains($0) }.map(key).joined(separator: " ")
            al += "\(t(a.timeNs)),\(a.timeNs),\(kind),\(a.level),\(side),\(key(f.primaryMetric)),\(field(metrics)),\(num(f.severity)),"
            al += "\(num(f.symmetryIndexChange)),\(num(f.leftChangePercent)),\(num(f.rightChangePercent)),\(t(f.onsetNs)),\(f.onsetNs),\(a.effectiveWindowStridePairs)\n"
        }
        var fa = "sensor_id,placement,kind,start_s,end_s,duration_s,start_ns,end_ns,errno,detail\n"
        for f in r.faults {
            let placement = f.sensor.flatMap { id in r.sensors.first { $0.id == id }?.placement.rawValue } ?? "all"
            let dur = f.endNs.map { r.seconds($0) - r.seconds(f.startNs) }
            fa += "\(f.sensor.map(String.init) ?? ""),\(placement),\(f.kind.rawValue),\(t(f.startNs)),\(f.endNs.map(t) ?? ""),\(num(dur)),"
            fa += "\(f.startNs),\(f.endNs.map(String.init) ?? ""),\(f.errno.map(String.init) ?? ""),\(field(f.detail))\n"
        }
        var act = "time_s,time_ns,activity\n"
        for a in r.activity { act += "\(t(a.timeNs)),\(a.timeNs),\(ReportFormat.activity(a.activity) == "not clearly running" ? "unknown" : ReportFormat.activity(a.activity))\n" }
        return [("strides.csv", strides), ("events.csv", ev), ("windows.csv", win), ("alerts.csv", al), ("faults.csv", fa), ("activity.csv", act)]
    }

    /// Writes the CSV files into `directory` (created if needed); returns the paths.
    public static func write(_ report: RunReport, events: [GaitEvent], to directory: String) throws(WriteError) -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw WriteError(description: "\(directory): cannot create the folder: \(error.localizedDescription)")
        }
        var paths = [String]()
        for (name, text) in tables(report, events: events) {
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                throw WriteError(description: "\(path): cannot write: \(error.localizedDescription)")
            }
            paths.append(path)
        }
        return paths
    }
}
