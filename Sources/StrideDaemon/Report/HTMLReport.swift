import Foundation
import StrideCore

/// The run report as one self-contained HTML page: inline CSS and SVG, no scripts, no
/// external assets, so it opens offline in any browser.
public enum HTMLReport {
    /// Width of the time charts, px.
    static let chartWidth = 1060.0
    /// Bins of the per-leg time charts, s.
    static let legBinSeconds = 60.0

    static let css = """
        body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#222;margin:0;background:#f6f6f4}
        main{max-width:1100px;margin:0 auto;padding:16px 20px 40px;background:#fff}
        h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:28px 0 6px;border-bottom:2px solid #ddd;padding-bottom:4px}
        h3{font-size:15px;margin:16px 0 4px}p,li{font-size:14px;line-height:1.5}
        .sub{color:#555;font-size:14px;margin:0 0 8px}.tags span{display:inline-block;background:#eef3f8;border:1px solid #c9d6e3;border-radius:10px;padding:1px 9px;margin:2px 4px 2px 0;font-size:13px}
        .note{font-size:12px;fill:#555;color:#555}.warn{background:#fff4e5;border-left:4px solid #D55E00;padding:8px 12px;margin:10px 0;font-size:14px}
        table{border-collapse:collapse;font-size:14px;margin:6px 0}td,th{padding:4px 10px;border-bottom:1px solid #e2e2e2;text-align:right;white-space:nowrap}
        th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}
        .glance{display:grid;grid-template-columns:repeat(4,1fr);gap:8px;margin:10px 0}
        .kpi{border:1px solid #ddd;border-radius:6px;padding:8px 10px}.kpi b{display:block;font-size:20px}.kpi span{font-size:12px;color:#555}
        .L{color:#0072B2;font-weight:bold}.R{color:#B07800;font-weight:bold}
        .pair{display:flex;gap:12px;align-items:flex-start;flex-wrap:nowrap}
        svg.chart{display:block;max-width:100%;height:auto}svg text{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif}
        .tick{font-size:11px;fill:#444}.axis{font-size:12px;fill:#222}.legend{font-size:12px;fill:#222}.alertlabel{font-size:11px;fill:#D55E00;font-weight:bold}
        .episode{border-left:4px solid #D55E00;padding:4px 12px;margin:10px 0;background:#fdf7f3}
        .suggestion{border-left:4px solid #009E73;padding:4px 12px;margin:10px 0;background:#f3faf7}
        footer{font-size:12px;color:#555;margin-top:30px}
        """

    /// The page for `report`.
    public static func render(_ report: RunReport) -> String {
        let r = report
        let minutesEnd = max(r.durationSeconds / 60, 1)
        let spans = r.spans.map { span -> (Double, Double, Bool) in
            if case .gap = span.kind { return (span.start / 60, span.end / 60, true) }
            return (span.start / 60, span.end / 60, false)
        }
        var alertMarks = [(Double, String)]()
        for e in r.episodes { alertMarks.append((e.raised / 60, "\(e.number)")) }
        for a in r.alerts where a.kind == .escalated { alertMarks.append((r.seconds(a.timeNs) / 60, "")) }
        alertMarks.sort { $0.0 < $1.0 }
        let L = r.legNames[0], R = r.legNames[1]

        var h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        h += "<title>StrideGuard run \(xmlEscape(ReportFormat.date(r.metadata.startDate)))</title><style>\(css)</style></head><body><main>"
        h += "<h1>Run of \(xmlEscape(ReportFormat.date(r.metadata.startDate)))</h1>"
        h += "<p class=\"sub\">\(xmlEscape(URL(fileURLWithPath: r.path).lastPathComponent)) · \(xmlEscape(r.metadata.mode)) · StrideGuard \(xmlEscape(r.metadata.appVersion)) · \(r.metadata.complete ? "complete record" : "<b>cut off</b>")</p>"
        if !r.tags.isEmpty {
            h += "<p class=\"tags\">" + r.tags.map { "<span>\(xmlEscape($0.key)) = \(xmlEscape($0.value))</span>" }.joined() + "</p>"
        }
        for n in r.notes { h += "<div class=\"warn\">\(xmlEscape(n))</div>" }

        // At a glance.
        h += "<h2>The run at a glance</h2><div class=\"glance\">"
        func kpi(_ value: String, _ label: String) -> String { "<div class=\"kpi\"><b>\(xmlEscape(value))</b><span>\(xmlEscape(label))</span></div>" }
        h += kpi(ReportFormat.duration(r.durationSeconds), "duration")
        h += kpi(ReportFormat.duration(r.runningSeconds), "running time")
        h += kpi(r.cadence.map { "\(Int($0.rounded())) steps/min" } ?? "–", "cadence (median)")
        let cues = r.alerts.filter { $0.kind != .cleared }
        h += kpi("\(r.episodes.count) episode\(r.episodes.count == 1 ? "" : "s"), \(cues.count) cue\(cues.count == 1 ? "" : "s")",
                 cues.isEmpty ? "compensation alerts" : "at " + cues.prefix(8).map { ReportFormat.minute(r.seconds($0.timeNs)) }.joined(separator: ", "))
        h += "</div>"
        h += "<table><tr><th>good strides: median [IQR]</th><th class=\"L\">\(L)</th><th class=\"R\">\(R)</th><th>SI of the medians</th><th>baseline \(L)</th><th>baseline \(R)</th><th>baseline SI</th></tr>"
        for m in RunReport.legMetrics {
            let a = r.legStats[0][m], b = r.legStats[1][m]
            func cell(_ s: ReportMetricStats?) -> String {
                guard let s else { return "–" }
                return "\(ReportFormat.metric(s.median, m)) [\(ReportFormat.number(s.p25, ReportFormat.digits(m)))–\(ReportFormat.number(s.p75, ReportFormat.digits(m)))]"
            }
            let si = a.flatMap { a in b.flatMap { SymmetryIndex.percent(left: a.median, right: $0.median) } }
            let bl = r.baseline.map { $0.leg(0, m) }.flatMap { $0.count > 0 ? $0.median : nil }
            let br = r.baseline.map { $0.leg(1, m) }.flatMap { $0.count > 0 ? $0.median : nil }
            h += "<tr><td>\(m == .peakTibialAcceleration ? "peak tibial acceleration (PTA)" : m.label) (\(m.unit))</td><td>\(cell(a))</td><td>\(cell(b))</td><td>\(ReportFormat.signed(si)) %</td>"
            h += "<td>\(ReportFormat.metric(bl, m))</td><td>\(ReportFormat.metric(br, m))</td><td>\(ReportFormat.signed(r.baseline?.symmetryIndex[m])) %</td></tr>"
        }
        h += "</table>"
        let strideCount = r.strides.count, good = r.strides.filter(\.quality.isGood).count
        var base = "Strides: \(strideCount) (\(good) good). "
        if let b = r.baseline {
            base += "Baseline learnt at \(ReportFormat.minute(r.seconds(b.learntAtNs))) at \(Int(b.cadenceStepsPerMinute.rounded())) steps/min"
            base += b.speedMetresPerSecond.map { " and \(ReportFormat.number($0, 2)) m/s." } ?? "."
        }
        h += "<p>\(xmlEscape(base)) SI = 200·(\(L) − \(R))/(\(L) + \(R)) in %: 0 is symmetric, positive means the \(L) side is larger.</p>"

        // SI over time.
        h += "<h2>Asymmetry over time</h2><p>Symmetry index of each rolling window (\(r.windows.first?.windowSteps ?? SymmetryWindow.defaultWindowSteps) steps, both legs), plotted at the window's end. "
        h += "The green band is your baseline: its SI ± \(ReportFormat.number(RunReport.baselineBandSigmas, 0)) × the window-to-window spread (1.4826 · MAD) while the baseline was learnt. Dashed red lines are the cues, numbered by episode.</p>"
        for m in RunReport.symmetryMetrics {
            var c = SVGTimeChart(id: "si-\(m.rawValue)", yLabel: "SI of \(m == .peakTibialAcceleration ? "PTA" : m.label) (%)", xRange: (0, minutesEnd))
            c.width = chartWidth
            c.series = [SVGSeries(name: "window SI of \(m.label)", color: ReportStyle.ink, dash: nil, marker: .none,
                                  points: r.symmetrySeries(m).map { ($0.0 / 60, $0.1) }, ribbon: nil, breakGap: 0.5, width: 1.3)]
            if let band = r.baselineBand(m) {
                c.band = (band.center - band.halfWidth, band.center + band.halfWidth, "baseline \(ReportFormat.signed(band.center)) ± \(ReportFormat.number(band.halfWidth)) %")
            }
            c.referenceY = 0
            c.spans = spans
            c.alerts = alertMarks
            c.upperNote = "↑ \(L) larger"
            c.lowerNote = "↓ \(R) larger"
            h += "<h3>\(ReportFormat.capitalised(m == .peakTibialAcceleration ? "impact (peak tibial acceleration)" : m.label))</h3>" + c.render()
        }

        // Legs.
        h += "<h2>Each leg</h2><p>Left: each leg's median per minute of good strides, with the shaded band from the 25th to the 75th percentile. Right: the distribution over the whole run (share of good strides per bin; the vertical lines are the medians).</p>"
        for m in RunReport.legMetrics {
            var c = SVGTimeChart(id: "leg-\(m.rawValue)", yLabel: "\(m == .peakTibialAcceleration ? "PTA" : m.label) (\(m.unit))", xRange: (0, minutesEnd))
            c.width = 640
            c.height = 250
            c.maxMarkers = 14
            for leg in 0..<2 {
                let bins = r.binnedSeries(leg: leg, metric: m, binSeconds: legBinSeconds)
                c.series.append(SVGSeries(name: r.legNames[leg], color: ReportStyle.color(leg: leg), dash: ReportStyle.dash(leg: leg),
                                          marker: ReportStyle.marker(leg: leg), points: bins.map { ($0.t / 60, $0.median) },
                                          ribbon: bins.map { ($0.t / 60, $0.p25, $0.p75) }, breakGap: 1.6 * legBinSeconds / 60))
            }
            c.spans = spans
            c.alerts = alertMarks
            let values = (0..<2).map { leg in
                r.strides.filter { $0.side.legSlot == leg && $0.quality.isGood }.compactMap { $0.metrics[m] }
            }
            var hist = SVGHistogram(xLabel: "\(m == .peakTibialAcceleration ? "PTA" : m.label) (\(m.unit))", legs: [(L, values[0]), (R, values[1])])
            hist.width = 420
            hist.height = 250
            h += "<h3>\(ReportFormat.capitalised(m == .peakTibialAcceleration ? "peak tibial acceleration" : m.label))</h3><div class=\"pair\">" + c.render() + hist.render() + "</div>"
        }

        // Episodes.
        h += "<h2>Compensation episodes</h2>"
        if r.episodes.isEmpty {
            h += r.baseline == nil ? "<p>No baseline was learnt, so no change could be judged.</p>"
                : "<p>None: your two sides stayed within your normal range for the whole run.</p>"
        }
        for e in r.episodes {
            h += "<div class=\"episode\"><h3>\(e.number). \(xmlEscape(ReportFormat.capitalised(e.sideName))) · \(xmlEscape(e.primaryMetric.label)) · from \(ReportFormat.minute(e.onset))</h3><p>\(xmlEscape(e.text))</p></div>"
        }

        // Suggestions.
        h += "<h2>What you can do</h2><p>Suggestions from what this run showed, not a diagnosis.</p>"
        for s in Suggestions.make(for: r) {
            h += "<div class=\"suggestion\"><h3>\(xmlEscape(s.area))</h3><p>\(xmlEscape(s.because))</p><ul>"
            h += s.actions.map { "<li>\(xmlEscape($0))</li>" }.joined() + "</ul></div>"
        }

        // Data quality.
        h += "<h2>Recording</h2><table><tr><th>sensor</th><th>chip</th><th>rate (Hz)</th><th>samples</th><th>lost</th><th>clipped</th></tr>"
        for s in r.sensors {
            h += "<tr><td>\(xmlEscape(s.placement.rawValue))</td><td>\(xmlEscape(s.chip.rawValue))</td><td>\(ReportFormat.number(s.applied?.dataRateHz, 0))</td>"
            h += "<td>\(s.statistics.samples)</td><td>\(s.statistics.lostSamples)</td><td>\(s.statistics.clippedSamples)</td></tr>"
        }
        h += "</table>"
        let shown = r.faults.prefix(30)
        if !shown.isEmpty {
            h += "<table><tr><th>fault</th><th>sensor</th><th>from</th><th>to</th><th style=\"text-align:left\">detail</th></tr>"
            for f in shown {
                let name = f.sensor.flatMap { id in r.sensors.first { $0.id == id }?.placement.rawValue } ?? "all"
                h += "<tr><td>\(xmlEscape(f.kind.rawValue))</td><td>\(xmlEscape(name))</td><td>\(ReportFormat.clock(r.seconds(f.startNs)))</td>"
                h += "<td>\(f.endNs.map { ReportFormat.clock(r.seconds($0)) } ?? "–")</td><td style=\"text-align:left\">\(xmlEscape(f.detail))</td></tr>"
            }
            h += "</table>"
            if r.faults.count > shown.count { h += "<p class=\"note\">… and \(r.faults.count - shown.count) more (strideguard export lists them all).</p>" }
        }
        h += "<footer>Made by <code>strideguard report</code> from the run record. Times are minutes from the start of the recording. A good stride has no quality flag (docs/RUN-RECORD.md).</footer>"
        h += "</main></body></html>\n"
        return h
    }
}
