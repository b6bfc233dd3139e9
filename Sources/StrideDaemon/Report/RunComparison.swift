import Foundation
import StrideCore

/// Several runs' metrics side by side, and whether each run's asymmetry differs from the
/// first run's by more than run-to-run noise.
///
/// How noise is judged, per metric: each run's SI is the median of its running windows'
/// SI. Its uncertainty comes from a bootstrap over non-overlapping windows (every k-th
/// window, k = window length / hop, so resampled windows share no strides; 1000
/// resamples, fixed seed). A difference from the first run counts as real only when it
/// exceeds both 1.96 × the bootstrap standard error of the difference (sampling noise)
/// and the typical window-to-window spread of the SI within a run (robust SD of
/// successive non-overlapping windows' differences / √2, so a slow drift does not count;
/// pooled over the two runs): a change smaller than the SI's own wobble from one minute to the
/// next is not something the runner changed.
public struct RunComparison: Sendable {
    /// Bootstrap resamples.
    public static let resamples = 1000
    /// z for a two-sided 95 % interval.
    public static let z95 = 1.959963984540054

    /// One metric of one run.
    public struct MetricColumn: Sendable {
        /// Medians of the good strides, per leg.
        public var legMedians: [Double?]
        /// Median of the running windows' SI, %.
        public var medianSI: Double?
        /// Window-to-window spread of the SI (robust SD of successive differences / √2), SI points.
        public var spread: Double?
        /// Bootstrap standard error of `medianSI`, SI points.
        public var standardError: Double?
        /// Non-overlapping windows used.
        public var windows: Int
    }

    /// The verdict on one metric of one run against the first run.
    public struct Difference: Sendable {
        /// SI of this run minus SI of the first, SI points.
        public var delta: Double
        /// The noise limit it is compared with, SI points.
        public var limit: Double
        /// True when |delta| ≤ limit.
        public var withinNoise: Bool
    }

    /// One run.
    public struct Column: Sendable {
        /// The report it was computed from.
        public var report: RunReport
        /// Per metric.
        public var metrics: [StrideMetric: MetricColumn]
        /// Per metric, against the first run (empty for the first).
        public var differences: [StrideMetric: Difference]
    }

    /// The runs in the order given.
    public let columns: [Column]

    /// Compares `reports`; the first is the reference.
    public init(_ reports: [RunReport]) {
        var cols = [Column]()
        for (i, r) in reports.enumerated() {
            var metrics = [StrideMetric: MetricColumn]()
            let running = Self.independentRunningWindows(r)
            for m in RunReport.symmetryMetrics {
                let si = running.compactMap { $0.symmetryIndex[m] }
                metrics[m] = MetricColumn(
                    legMedians: [r.legStats[0][m]?.median, r.legStats[1][m]?.median],
                    medianSI: ReportStatistics.median(si), spread: ReportStatistics.successiveSigma(si),
                    standardError: ReportStatistics.bootstrapMedianSE(si, resamples: Self.resamples, seed: 0x5EED + UInt64(m.rawValue)),
                    windows: si.count)
            }
            var diffs = [StrideMetric: Difference]()
            if i > 0 {
                for m in RunReport.symmetryMetrics {
                    guard let a = cols[0].metrics[m], let b = metrics[m], let sa = a.medianSI, let sb = b.medianSI else { continue }
                    let se = ((a.standardError ?? 0) * (a.standardError ?? 0) + (b.standardError ?? 0) * (b.standardError ?? 0)).squareRoot()
                    let spread = (((a.spread ?? 0) * (a.spread ?? 0) + (b.spread ?? 0) * (b.spread ?? 0)) / 2).squareRoot()
                    let limit = max(Self.z95 * se, spread)
                    diffs[m] = Difference(delta: sb - sa, limit: limit, withinNoise: abs(sb - sa) <= limit)
                }
            }
            cols.append(Column(report: r, metrics: metrics, differences: diffs))
        }
        columns = cols
    }

    /// The run's windows that end while running, thinned to every k-th so that they do not
    /// overlap (k = window duration / time between window ends, median over the run).
    static func independentRunningWindows(_ r: RunReport) -> [SymmetryWindowReport] {
        let running = r.windows.filter { r.activity.isEmpty || r.activity(at: $0.endNs) == .running }
        guard running.count > 2 else { return running }
        var ratios = [Double]()
        for i in 1..<running.count where running[i].endNs > running[i - 1].endNs && running[i].endNs > running[i].startNs {
            ratios.append(Double(running[i].endNs - running[i].startNs) / Double(running[i].endNs - running[i - 1].endNs))
        }
        let k = max(1, Int((ReportStatistics.median(ratios) ?? 1).rounded()))
        return stride(from: 0, to: running.count, by: k).map { running[$0] }
    }

    /// The comparison as text for a terminal.
    public func render() -> String {
        let w = 26, first = 24
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? String(s.prefix(n - 1)) + " " : s + String(repeating: " ", count: n - s.count) }
        func row(_ label: String, _ cells: [String]) -> String { pad(label, first) + cells.map { pad($0, w) }.joined() }
        var out = [String]()
        out.append(row("", columns.enumerated().map { "\(Character(UnicodeScalar(65 + min($0.offset, 25)) ?? "?")): \(ReportFormat.date($0.element.report.metadata.startDate))" }))
        out.append(row("run id", columns.map { $0.report.metadata.runID }))
        let maxTags = columns.map(\.report.tags.count).max() ?? 0
        for t in 0..<max(maxTags, 1) {
            out.append(row(t == 0 ? "tags" : "", columns.map { t < $0.report.tags.count ? "\($0.report.tags[t].key)=\($0.report.tags[t].value)" : (t == 0 ? "–" : "") }))
        }
        out.append(row("duration / running", columns.map { "\(ReportFormat.clock($0.report.durationSeconds)) / \(ReportFormat.clock($0.report.runningSeconds))" + ($0.report.isCutOff ? " cut off" : "") }))
        out.append(row("cadence (steps/min)", columns.map { ReportFormat.number($0.report.cadence, 0) }))
        out.append(row("episodes / cues", columns.map { "\($0.report.episodes.count) / \($0.report.alerts.filter { $0.kind != .cleared }.count)" }))
        for m in RunReport.symmetryMetrics {
            out.append("")
            let names = columns.first?.report.legNames ?? ["left", "right"]
            out.append(row("\(m.label) (\(m.unit))", columns.map { c in
                let v = c.metrics[m]?.legMedians ?? [nil, nil]
                return "\(names[0]) \(ReportFormat.number(v[0], ReportFormat.digits(m))) · \(names[1]) \(ReportFormat.number(v.count > 1 ? v[1] : nil, ReportFormat.digits(m)))"
            }))
            out.append(row("  SI % (spread)", columns.map { c in
                guard let x = c.metrics[m], let s = x.medianSI else { return "–" }
                return "\(ReportFormat.signed(s)) (± \(ReportFormat.number(x.spread)))"
            }))
            out.append(row("  vs A", columns.enumerated().map { i, c in
                if i == 0 { return "reference" }
                guard let d = c.differences[m] else { return "–" }
                return "\(ReportFormat.signed(d.delta)) " + (d.withinNoise ? "noise (≤ \(ReportFormat.number(d.limit)))" : "REAL (> \(ReportFormat.number(d.limit)))")
            }))
        }
        out.append("")
        out.append(contentsOf: TerminalSummary.wrap("SI = 200·(L − R)/(L + R) %, median over the running windows; spread = the window-to-window spread within the run (robust SD of successive differences / √2). A difference from run A is called noise when it is within the larger of 1.96 × its bootstrap standard error (resampling non-overlapping windows, \(Self.resamples) times) and the pooled window-to-window spread.", indent: ""))
        return out.joined(separator: "\n") + "\n"
    }
}
