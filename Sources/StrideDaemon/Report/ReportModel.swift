import Foundation
import StrideCore

/// An interval of the run, in seconds from the start.
public struct ReportSpan: Sendable, Equatable {
    /// What the interval is.
    public enum Kind: Sendable, Equatable {
        /// The runner was not running (standing, walking, or the activity was unknown).
        case stop(Activity)
        /// A sensor's data is missing (a `sensor-lost` fault); the text names the sensor.
        case gap(String)
    }

    /// Start, s from the start of the run.
    public var start: Double
    /// End, s from the start of the run.
    public var end: Double
    /// What it is.
    public var kind: Kind
}

/// Median and quartiles of one metric of one leg over the good strides.
public struct ReportMetricStats: Sendable, Equatable {
    /// Good strides with a value.
    public var count: Int
    /// Median.
    public var median: Double
    /// 25th percentile.
    public var p25: Double
    /// 75th percentile.
    public var p75: Double
}

/// Everything a report shows, read from one run record. Building it reads the record's
/// strides, windows, alerts, faults and activity; raw samples are not read.
public struct RunReport: Sendable {
    /// Metrics whose symmetry the report plots over time.
    public static let symmetryMetrics: [StrideMetric] = [.contactTime, .stepTime, .peakTibialAcceleration]
    /// Metrics shown per leg (over time and as distributions).
    public static let legMetrics: [StrideMetric] = [.contactTime, .stepTime, .flightTime, .peakTibialAcceleration]
    /// Default learning time of the baseline (after the warm-up), s: the windows of that
    /// period give the width of the baseline band (StrideCore's `BaselineConfiguration`).
    public static let baselineLearnSeconds = BaselineConfiguration.defaultLearnSeconds
    /// Width of the baseline band in robust standard deviations of the window SI during the
    /// baseline period (±2 σ holds ~95 % of windows of a steady run).
    public static let baselineBandSigmas = 2.0
    /// Shortest stop shown on the plots, s (shorter pauses are a traffic light, not a stop).
    public static let shortestStopSeconds = 5.0

    /// The file read.
    public let path: String
    /// The run table.
    public let metadata: RunMetadata
    /// Tags in the order given.
    public let tags: [RunTag]
    /// The sensors.
    public let sensors: [RunSensor]
    /// Every stride, both legs, in the order recorded.
    public let strides: [StrideRecord]
    /// The symmetry windows.
    public let windows: [SymmetryWindowReport]
    /// The baseline, nil when none was learnt.
    public let baseline: BaselineModel?
    /// Alerts in time order.
    public let alerts: [CompensationAlert]
    /// Faults and gaps.
    public let faults: [RunFault]
    /// Activity changes.
    public let activity: [RunActivityChange]
    /// Names of leg 0 and leg 1: "left"/"right", or "A"/"B" for a sacrum-only rig.
    public let legNames: [String]
    /// Seconds spent running.
    public let runningSeconds: Double
    /// Per leg (0, 1), per metric: statistics of the good strides.
    public let legStats: [[StrideMetric: ReportMetricStats]]
    /// Running cadence: 60 000 / median step time of the good strides, steps/min.
    public let cadence: Double?
    /// Stops (not running) and sensor gaps.
    public let spans: [ReportSpan]
    /// The compensation episodes, in order.
    public private(set) var episodes: [CompensationEpisode] = []
    /// Notes about the record itself (cut off, dropped data, no baseline …).
    public let notes: [String]

    /// True when the record was cut off (power loss, killed daemon).
    public var isCutOff: Bool { !metadata.complete }

    /// Duration, s.
    public var durationSeconds: Double { metadata.durationSeconds }

    /// Seconds from the start of the run of a monotonic time.
    public func seconds(_ ns: UInt64) -> Double {
        ns >= metadata.startNs ? Double(ns - metadata.startNs) * 1e-9 : -Double(metadata.startNs - ns) * 1e-9
    }

    /// Reads `path` and builds the report.
    /// - Throws: `RunReaderError` when the record is missing, not a run record, empty or damaged.
    public static func load(path: String) throws(RunReaderError) -> RunReport {
        let reader = try RunReader(path: path)
        return try RunReport(reader: reader)
    }

    /// Builds the report from an open reader.
    public init(reader: RunReader) throws(RunReaderError) {
        path = reader.path
        metadata = reader.metadata
        tags = try reader.tags()
        sensors = try reader.sensors()
        strides = try reader.strides()
        windows = try reader.windows()
        baseline = try reader.baseline()
        alerts = try reader.alerts()
        faults = try reader.faults()
        activity = try reader.activityChanges()
        runningSeconds = try reader.summary().runningSeconds

        let unnamed = strides.contains { $0.side == .stepA || $0.side == .stepB }
        legNames = unnamed ? ["A", "B"] : ["left", "right"]

        var stats: [[StrideMetric: ReportMetricStats]] = [[:], [:]]
        var stepTimes = [Double]()
        for leg in 0..<2 {
            let good = strides.filter { $0.side.legSlot == leg && $0.quality.isGood }
            for m in StrideMetric.all {
                let values = good.compactMap { $0.metrics[m] }.filter(\.isFinite).sorted()
                guard let med = ReportStatistics.quantile(sorted: values, 0.5),
                      let p25 = ReportStatistics.quantile(sorted: values, 0.25),
                      let p75 = ReportStatistics.quantile(sorted: values, 0.75) else { continue }
                stats[leg][m] = ReportMetricStats(count: values.count, median: med, p25: p25, p75: p75)
            }
            stepTimes += good.compactMap { $0.metrics[.stepTime] }
        }
        legStats = stats
        cadence = ReportStatistics.median(stepTimes).flatMap { $0 > 0 ? 60_000 / $0 : nil }

        let start = metadata.startNs
        func sec(_ ns: UInt64) -> Double { ns >= start ? Double(ns - start) * 1e-9 : 0 }
        let endS = metadata.durationSeconds
        var spans = [ReportSpan]()
        let firstRunning = activity.firstIndex { $0.activity == .running }
        for (i, change) in activity.enumerated() where change.activity != .running {
            // Standing before the first running is the start, not a stop.
            guard let firstRunning, i > firstRunning else { continue }
            let until = i + 1 < activity.count ? sec(activity[i + 1].timeNs) : endS
            let from = sec(change.timeNs)
            if until - from >= Self.shortestStopSeconds {
                spans.append(ReportSpan(start: from, end: until, kind: .stop(change.activity)))
            }
        }
        let sensorsByID = Dictionary(sensors.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for f in faults where f.kind == .sensorLost {
            let name = f.sensor.flatMap { sensorsByID[$0]?.placement.rawValue } ?? "all sensors"
            spans.append(ReportSpan(start: sec(f.startNs), end: f.endNs.map(sec) ?? endS, kind: .gap(name)))
        }
        self.spans = spans.sorted { $0.start < $1.start }

        var notes = [String]()
        if !metadata.complete {
            notes.append("This run was cut off (power loss or the daemon was stopped without closing the record): the report shows the \(ReportFormat.duration(endS)) that were recorded up to the last commit.")
        } else if let reason = metadata.stopReason, reason != "closed" {
            notes.append("Recording stopped early: \(reason).")
        }
        if metadata.droppedSamples > 0 || metadata.droppedRecords > 0 {
            notes.append("\(metadata.droppedSamples) samples and \(metadata.droppedRecords) records were dropped because the storage fell behind.")
        }
        for f in faults where f.kind == .looseMount {
            let name = f.sensor.flatMap { sensorsByID[$0]?.placement.rawValue } ?? "a sensor"
            notes.append("The \(name) strap looked loose from \(ReportFormat.duration(sec(f.startNs))) into the run (\(f.detail)): that leg's impact peak and loading rate read high, so their symmetry is not the runner's. Tighten the strap next time.")
        }
        if baseline == nil {
            notes.append("No baseline was learnt (the run was too short or had too few good strides after the warm-up): asymmetry is shown, but no change from your normal and no alerts.")
        }
        self.notes = notes
        episodes = CompensationNarrative.episodes(in: self)
    }

    /// The SI of `metric` at baseline and the half-width of the baseline band (SI points):
    /// ± `baselineBandSigmas` robust standard deviations of the window SI in the baseline
    /// period; nil without a baseline.
    public func baselineBand(_ metric: StrideMetric) -> (center: Double, halfWidth: Double)? {
        guard let b = baseline, let center = b.symmetryIndex[metric] else { return nil }
        let from = b.learntAtNs > UInt64(Self.baselineLearnSeconds * 1e9) ? b.learntAtNs - UInt64(Self.baselineLearnSeconds * 1e9) : 0
        let during = windows.filter { $0.endNs <= b.learntAtNs && $0.endNs >= from }.compactMap { $0.symmetryIndex[metric] }
        var sigma = ReportStatistics.robustSigma(during)
        if sigma == nil || sigma == 0 {
            let block = b.pairSymmetry[metric.rawValue].blockSigma
            sigma = block > 0 ? block : nil
        }
        guard let sigma else { return (center, 0) }
        return (center, Self.baselineBandSigmas * sigma)
    }

    /// The window SI of `metric` over time: (s from the start at the window's end, SI %).
    public func symmetrySeries(_ metric: StrideMetric) -> [(Double, Double)] {
        windows.compactMap { w in w.symmetryIndex[metric].map { (seconds(w.endNs), $0) } }
    }

    /// What the runner was doing at `ns`.
    public func activity(at ns: UInt64) -> Activity {
        var current = Activity.unknown
        for change in activity {
            if change.timeNs > ns { break }
            current = change.activity
        }
        return current
    }

    /// Median cadence of the good strides between `from` and `to` (ns), steps/min.
    public func cadence(from: UInt64, to: UInt64) -> Double? {
        let steps = strides.filter { $0.quality.isGood && $0.startNs >= from && $0.startNs < to }.compactMap { $0.metrics[.stepTime] }
        return ReportStatistics.median(steps).flatMap { $0 > 0 ? 60_000 / $0 : nil }
    }

    /// Per-minute (or `binSeconds`) median and quartiles of one leg's metric over the good
    /// strides: (bin centre s, p25, median, p75).
    public func binnedSeries(leg: Int, metric: StrideMetric, binSeconds: Double) -> [(t: Double, p25: Double, median: Double, p75: Double)] {
        var bins = [Int: [Double]]()
        for s in strides where s.side.legSlot == leg && s.quality.isGood {
            guard let v = s.metrics[metric], v.isFinite else { continue }
            bins[Int(seconds(s.startNs) / binSeconds), default: []].append(v)
        }
        return bins.keys.sorted().compactMap { k in
            guard let values = bins[k], values.count >= 3 else { return nil }
            let sorted = values.sorted()
            guard let a = ReportStatistics.quantile(sorted: sorted, 0.25), let m = ReportStatistics.quantile(sorted: sorted, 0.5),
                  let b = ReportStatistics.quantile(sorted: sorted, 0.75) else { return nil }
            return ((Double(k) + 0.5) * binSeconds, a, m, b)
        }
    }
}
