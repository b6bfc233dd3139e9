import Foundation
import StrideCore

/// The report as plain text for a terminal (80 columns).
public enum TerminalSummary {
    /// The text for `report`, ending with a newline.
    public static func render(_ r: RunReport) -> String {
        var out = [String]()
        let L = r.legNames[0], R = r.legNames[1]
        out.append("Run of \(ReportFormat.date(r.metadata.startDate))  (\(URL(fileURLWithPath: r.path).lastPathComponent))")
        if !r.tags.isEmpty { out.append("Tags: " + r.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")) }
        for n in r.notes { out.append("NOTE: " + n) }
        out.append("")
        out.append("Duration \(ReportFormat.duration(r.durationSeconds)), running \(ReportFormat.duration(r.runningSeconds)), "
                   + "cadence \(r.cadence.map { "\(Int($0.rounded())) steps/min" } ?? "–"), "
                   + "\(r.strides.count) strides (\(r.strides.filter(\.quality.isGood).count) good)")
        if let b = r.baseline {
            out.append("Baseline learnt at \(ReportFormat.minute(r.seconds(b.learntAtNs))), \(Int(b.cadenceStepsPerMinute.rounded())) steps/min")
        }
        out.append("")
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        out.append(pad("median of good strides", 24) + lpad(L, 10) + lpad(R, 10) + lpad("SI %", 8) + lpad("base SI %", 11))
        for m in RunReport.legMetrics {
            let a = r.legStats[0][m]?.median, b = r.legStats[1][m]?.median
            let si = a.flatMap { a in b.flatMap { SymmetryIndex.percent(left: a, right: $0) } }
            out.append(pad("\(m.label) (\(m.unit))", 24) + lpad(ReportFormat.number(a, ReportFormat.digits(m)), 10)
                       + lpad(ReportFormat.number(b, ReportFormat.digits(m)), 10) + lpad(ReportFormat.signed(si), 8)
                       + lpad(ReportFormat.signed(r.baseline?.symmetryIndex[m]), 11))
        }
        out.append("(SI = 200·(\(L) − \(R))/(\(L) + \(R)); positive: \(L) larger)")
        let stops = r.spans.filter { if case .stop = $0.kind { return true } else { return false } }
        let gaps = r.spans.filter { if case .gap = $0.kind { return true } else { return false } }
        if !stops.isEmpty || !gaps.isEmpty {
            out.append("")
            for s in stops { out.append("Stop  \(ReportFormat.clock(s.start))–\(ReportFormat.clock(s.end))") }
            for g in gaps {
                if case .gap(let name) = g.kind { out.append("Gap   \(ReportFormat.clock(g.start))–\(ReportFormat.clock(g.end))  \(name) sensor data missing") }
            }
        }
        out.append("")
        if r.episodes.isEmpty {
            out.append(r.baseline == nil ? "Compensation: not judged (no baseline)." : "Compensation: none; both sides stayed within your normal range.")
        } else {
            out.append("Compensation episodes:")
            for e in r.episodes { out.append(contentsOf: wrap("\(e.number). \(e.text)", indent: "   ")) }
        }
        out.append("")
        out.append("What you can do (suggestions, not a diagnosis):")
        for s in Suggestions.make(for: r) {
            out.append("* \(s.area)")
            out.append(contentsOf: wrap(s.because, indent: "  ", first: "  "))
            for a in s.actions { out.append(contentsOf: wrap(a, indent: "    ", first: "  - ")) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Wraps `text` at 80 columns.
    static func wrap(_ text: String, indent: String, first: String? = nil, width: Int = 80) -> [String] {
        var lines = [String]()
        var line = first ?? ""
        let lead = first ?? ""
        for word in text.split(separator: " ") {
            let isFresh = line == lead || line == indent
            if !isFresh, line.count + 1 + word.count > width {
                lines.append(line)
                line = indent + word
            } else {
                line += (isFresh ? "" : " ") + word
            }
        }
        if !line.trimmingCharacters(in: .whitespaces).isEmpty { lines.append(line) }
        return lines
    }
}
