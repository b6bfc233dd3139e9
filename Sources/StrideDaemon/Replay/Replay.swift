import Foundation
import StrideCore

/// Everything a replay produced, in the order it came out.
public struct ReplayResult: Sendable {
    /// Gait events (time order across legs).
    public var events: [GaitEvent] = []
    /// Strides of each leg (good and flagged).
    public var strides: [StrideRecord] = []
    /// Symmetry windows.
    public var windows: [SymmetryWindowReport] = []
    /// Alerts raised, escalated or cleared.
    public var alerts: [CompensationAlert] = []
    /// The baseline, when one was learnt.
    public var baseline: BaselineModel?
    /// Activity changes with the time of the newest sample then, ns.
    public var activityChanges: [(timeNs: UInt64, activity: Activity)] = []
    /// Events the merger dropped as later than its latency allowed (should be 0).
    public var lateEvents = 0
    /// Shank mounts that started (true) or stopped (false) ringing after impacts, with the
    /// time of the newest sample then, ns.
    public var mountChanges: [(timeNs: UInt64, placement: Placement, looseSuspected: Bool)] = []
}

/// `strideguard replay --csv`: runs the core (through `GaitPipeline`) over a recording.
public enum Replay {
    /// Samples handed to the pipeline per call: the tracks are interleaved in time in
    /// batches this long, like FIFO drains (32 samples = 40 ms at 800 Hz).
    public static let batchSamples = 32

    /// Runs the pipeline over the recording.
    public static func run(_ recording: ReplayRecording,
                           analyzer: StrideAnalyzerConfiguration = StrideAnalyzerConfiguration()) -> ReplayResult {
        var mountings: [Placement: MountingAxes] = [:]
        for t in recording.tracks { mountings[t.placement] = t.mounting }
        let sacrumML = recording.tracks.first { $0.placement == .sacrum }?.hasMedioLateral ?? true
        let options = GaitPipeline.Options(mountings: mountings, sacrumSideSource: sacrumML ? .medioLateral : .alternate)
        let pipeline = GaitPipeline(placements: recording.tracks.map { ($0.placement, sampleRateHz: $0.sampleRateHz) },
                                    analyzer: analyzer, options: options)
        var result = ReplayResult()
        var newestNs: UInt64 = 0
        func collect(_ output: PipelineOutput) {
            switch output {
            case .event(let e): result.events.append(e)
            case .activity(let a): result.activityChanges.append((newestNs, a))
            case .analyzer(.stride(let s)): result.strides.append(s)
            case .analyzer(.window(let w)): result.windows.append(w)
            case .analyzer(.alert(let a)): result.alerts.append(a)
            case .analyzer(.baselineLearnt(let b)): result.baseline = b
            case .mount(let p, let check): result.mountChanges.append((newestNs, p, check.looseSuspected))
            }
        }
        // Interleave the tracks in time, one batch at a time (the earliest next sample first).
        var next = Array(repeating: 0, count: recording.tracks.count)
        while true {
            var pick = -1
            var earliest = UInt64.max
            for (k, t) in recording.tracks.enumerated() where next[k] < t.samples.count {
                let ns = t.samples[next[k]].timeNs
                if ns < earliest { earliest = ns; pick = k }
            }
            guard pick >= 0 else { break }
            let track = recording.tracks[pick]
            let end = min(track.samples.count, next[pick] + batchSamples)
            let range = next[pick]..<end
            newestNs = max(newestNs, track.samples[end - 1].timeNs)
            track.samples.withUnsafeBufferPointer { all in
                pipeline.process(track.placement, UnsafeBufferPointer(rebasing: all[range]), emit: collect)
            }
            next[pick] = end
        }
        pipeline.finish(emit: collect)
        result.lateEvents = pipeline.lateEvents
        return result
    }

    /// Writes events.csv, strides.csv, windows.csv and alerts.csv into `folder` (created).
    public static func write(_ result: ReplayResult, recording: ReplayRecording, to folder: String) throws(ReplayError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(path: folder, reason: error.localizedDescription)
        }
        let s = recording.seconds
        var events = ReplayCSV(header: ReplayCSV.eventsHeader)
        for e in result.events { events.row(ReplayCSV.eventRow(e, seconds: s)) }
        try events.write(to: folder + "/events.csv")
        var strides = ReplayCSV(header: ReplayCSV.stridesHeader)
        for r in result.strides { strides.row(ReplayCSV.strideRow(r, seconds: s)) }
        try strides.write(to: folder + "/strides.csv")
        var windows = ReplayCSV(header: ReplayCSV.windowsHeader)
        for w in result.windows { windows.row(ReplayCSV.windowRow(w, seconds: s)) }
        try windows.write(to: folder + "/windows.csv")
        var alerts = ReplayCSV(header: ReplayCSV.alertsHeader)
        for a in result.alerts { alerts.row(ReplayCSV.alertRow(a, seconds: s)) }
        try alerts.write(to: folder + "/alerts.csv")
    }
}

/// The replay's CSV outputs (formats in docs/REPLAY.md): header row with units in the
/// column names, comma-separated, `.` decimal point, empty cell = not available.
public struct ReplayCSV: Sendable {
    /// events.csv columns.
    public static let eventsHeader = "time_s,kind,side,peak_g,clipped,loading_rate_g_per_s"
    /// strides.csv columns.
    public static let stridesHeader = "side,index,start_s,end_s,stride_time_s,step_time_s,contact_time_s,flight_time_s,duty_factor,pta_g,loading_rate_g_per_s,raw_peak_g,clipped,good,quality"
    /// windows.csv columns: per metric the left and right summaries (`SymmetryWindow.legSummary`)
    /// and the SI.
    public static let windowsHeader: String = {
        var h = "start_s,end_s,window_steps,left_strides,right_strides"
        for m in StrideMetric.all {
            let n = ReplayCSV.columnName(m)
            h += ",left_\(n),right_\(n),si_\(ReplayCSV.metricKey(m))_pct,si_change_\(ReplayCSV.metricKey(m))_pts"
        }
        return h
    }()
    /// alerts.csv columns.
    public static let alertsHeader = "time_s,kind,level,side,primary_metric,metrics,severity,si_change_pts,left_change_pct,right_change_pct,onset_s,effective_window_stride_pairs"

    private var text: String

    /// Starts a file with its header.
    public init(header: String) {
        text = header + "\n"
    }

    /// Appends a row.
    public mutating func row(_ fields: [String]) {
        text += fields.joined(separator: ",")
        text += "\n"
    }

    /// The whole file.
    public var contents: String { text }

    /// Writes the file.
    public func write(to path: String) throws(ReplayError) {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    /// A number with `decimals` digits, empty for nil or non-finite.
    public static func number(_ x: Double?, _ decimals: Int) -> String {
        guard let x, x.isFinite else { return "" }
        return String(format: "%.\(decimals)f", x)
    }

    /// `left`, `right`, `A`, `B`.
    public static func sideName(_ s: Side) -> String {
        switch s {
        case .left: return "left"
        case .right: return "right"
        case .stepA: return "A"
        case .stepB: return "B"
        }
    }

    /// Column stem with its unit (metrics in seconds, as the CSV asks).
    static func columnName(_ m: StrideMetric) -> String {
        switch m {
        case .strideTime: return "stride_time_s"
        case .stepTime: return "step_time_s"
        case .contactTime: return "contact_time_s"
        case .flightTime: return "flight_time_s"
        case .dutyFactor: return "duty_factor"
        case .peakTibialAcceleration: return "pta_g"
        case .loadingRate: return "loading_rate_g_per_s"
        }
    }

    /// Metric key without a unit.
    static func metricKey(_ m: StrideMetric) -> String {
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

    /// The metric's value in the CSV's unit (times in s, the core keeps ms).
    static func value(_ m: StrideMetric, _ v: Double?) -> String {
        guard let v else { return "" }
        switch m {
        case .strideTime, .stepTime, .contactTime, .flightTime: return number(v / 1000, 4)
        case .dutyFactor: return number(v, 4)
        case .peakTibialAcceleration: return number(v, 3)
        case .loadingRate: return number(v, 1)
        }
    }

    /// Quality flags joined with `|`.
    public static func qualityNames(_ q: StrideQuality) -> String {
        var names: [String] = []
        if q.contains(.missingToeOff) { names.append("missing_toe_off") }
        if q.contains(.missingContralateralContact) { names.append("missing_contralateral_contact") }
        if q.contains(.extraEvents) { names.append("extra_events") }
        if q.contains(.outOfOrder) { names.append("out_of_order") }
        if q.contains(.afterGap) { names.append("after_gap") }
        if q.contains(.stepRateTooHigh) { names.append("step_rate_too_high") }
        if q.contains(.stanceOutOfBounds) { names.append("stance_out_of_bounds") }
        if q.contains(.swingOutOfBounds) { names.append("swing_out_of_bounds") }
        return names.joined(separator: "|")
    }

    static func eventRow(_ e: GaitEvent, seconds: (UInt64) -> Double) -> [String] {
        let ic = e.kind == .initialContact
        return [number(seconds(e.timeNs), 6), ic ? "IC" : "TO", sideName(e.side),
                ic ? number(Double(e.peakG), 3) : "", ic ? (e.clipped ? "1" : "0") : "",
                ic ? number(Double(e.loadingRateGPerS), 1) : ""]
    }

    static func strideRow(_ r: StrideRecord, seconds: (UInt64) -> Double) -> [String] {
        var f = [sideName(r.side), String(r.index), number(seconds(r.startNs), 6), number(seconds(r.endNs), 6)]
        for m in StrideMetric.all { f.append(value(m, r.metrics[m])) }
        f += [number(r.rawPeakG, 3), r.peakClipped ? "1" : "0", r.quality.isGood ? "1" : "0", qualityNames(r.quality)]
        return f
    }

    static func windowRow(_ w: SymmetryWindowReport, seconds: (UInt64) -> Double) -> [String] {
        var f = [number(seconds(w.startNs), 6), number(seconds(w.endNs), 6), String(w.windowSteps),
                 String(w.leftStrides), String(w.rightStrides)]
        for m in StrideMetric.all {
            f += [value(m, w.left[m]), value(m, w.right[m]), number(w.symmetryIndex[m], 3), number(w.symmetryIndexChange[m], 3)]
        }
        return f
    }

    static func alertRow(_ a: CompensationAlert, seconds: (UInt64) -> Double) -> [String] {
        let kind: String
        switch a.kind {
        case .raised: kind = "raised"
        case .escalated: kind = "escalated"
        case .cleared: kind = "cleared"
        }
        let side: String
        switch a.finding.side {
        case .both: side = "both"
        case .leg(let s): side = sideName(s)
        }
        let metrics = StrideMetric.all.filter { a.finding.metrics.contains($0) }.map(metricKey).joined(separator: "|")
        return [number(seconds(a.timeNs), 6), kind, String(a.level), side, metricKey(a.finding.primaryMetric), metrics,
                number(a.finding.severity, 3), number(a.finding.symmetryIndexChange, 3),
                number(a.finding.leftChangePercent, 2), number(a.finding.rightChangePercent, 2),
                number(seconds(a.finding.onsetNs), 6), String(a.effectiveWindowStridePairs)]
    }
}
