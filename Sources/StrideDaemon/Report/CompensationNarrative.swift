import Foundation
import StrideCore

/// One compensation episode: from an alert's raise to its clearing (or the end of the run).
public struct CompensationEpisode: Sendable, Equatable {
    /// 1, 2, … in time order (the numbers on the plots).
    public var number: Int
    /// Which side changed.
    public var side: AlertSide
    /// The side's name ("left", "right", "A", "B", "both").
    public var sideName: String
    /// The metric that changed most.
    public var primaryMetric: StrideMetric
    /// Every metric that pointed to the same side.
    public var metrics: StrideMetricSet
    /// Estimated onset, s from the start.
    public var onset: Double
    /// First cue, s from the start.
    public var raised: Double
    /// Cleared, s from the start; nil when still active at the end of the run.
    public var cleared: Double?
    /// Cues given (raise and escalations).
    public var cues: Int
    /// Highest cue level reached.
    public var highestLevel: Int
    /// The finding at its largest severity.
    public var peak: CompensationFinding
    /// What the runner was doing at the onset.
    public var activityAtOnset: Activity
    /// Cadence in the minute after the onset, steps/min.
    public var cadenceAtOnset: Double?
    /// Seconds since the last stop ended, at the onset; nil when there was no stop before.
    public var secondsAfterStop: Double?
    /// The onset came in the second half of the running time.
    public var lateInRun: Bool
    /// When impact (PTA) first pointed to this side, s; nil if it never did.
    public var impactFrom: Double?
    /// `impactFrom` came in the second half of the running time.
    public var impactLate: Bool = false
    /// The episode in plain words.
    public var text: String
}

/// Turns the alerts of a run into episodes told in plain words.
public enum CompensationNarrative {
    /// Cadence is averaged over this long after the onset, s.
    static let cadenceWindowSeconds = 60.0

    /// The episodes of `report`'s alerts: each `raised` opens one, `escalated` updates it,
    /// `cleared` closes it.
    public static func episodes(in report: RunReport) -> [CompensationEpisode] {
        var out = [CompensationEpisode]()
        var open: CompensationEpisode?
        let end = report.durationSeconds
        for alert in report.alerts {
            let t = report.seconds(alert.timeNs)
            switch alert.kind {
            case .raised:
                if let e = open { out.append(finish(e, report: report)) }
                let f = alert.finding
                let onsetNs = min(f.onsetNs, alert.timeNs)
                let onset = report.seconds(onsetNs)
                let lastStop = report.spans.filter {
                    if case .stop = $0.kind { return $0.end <= onset } else { return false }
                }.last
                open = CompensationEpisode(
                    number: out.count + 1, side: f.side, sideName: sideName(f.side, report: report), primaryMetric: f.primaryMetric,
                    metrics: f.metrics, onset: onset, raised: t, cleared: nil, cues: 1, highestLevel: alert.level, peak: f,
                    activityAtOnset: report.activity(at: onsetNs),
                    cadenceAtOnset: report.cadence(from: onsetNs, to: onsetNs + UInt64(cadenceWindowSeconds * 1e9)),
                    secondsAfterStop: lastStop.map { onset - $0.end },
                    lateInRun: onset > report.runningStartSeconds + report.runningSeconds / 2,
                    impactFrom: f.metrics.contains(.peakTibialAcceleration) || f.primaryMetric == .peakTibialAcceleration ? t : nil,
                    text: "")
            case .escalated:
                guard var e = open else { continue }
                e.cues += 1
                e.highestLevel = max(e.highestLevel, alert.level)
                if alert.finding.severity >= e.peak.severity {
                    e.peak = alert.finding
                    e.primaryMetric = alert.finding.primaryMetric
                }
                e.metrics.formUnion(alert.finding.metrics)
                if e.impactFrom == nil,
                   alert.finding.metrics.contains(.peakTibialAcceleration) || alert.finding.primaryMetric == .peakTibialAcceleration {
                    e.impactFrom = t
                }
                open = e
            case .cleared:
                guard var e = open else { continue }
                e.cleared = min(t, end)
                out.append(finish(e, report: report))
                open = nil
            }
        }
        if let e = open { out.append(finish(e, report: report)) }
        return out
    }

    static func sideName(_ side: AlertSide, report: RunReport) -> String {
        switch side {
        case .both: return "both"
        case .leg(let s): return report.legNames[s.legSlot]
        }
    }

    /// Which way a leg's change goes, in words ("longer", "higher impact" …).
    static func direction(_ metric: StrideMetric, increase: Bool) -> String {
        switch metric {
        case .peakTibialAcceleration: return increase ? "higher" : "lower"
        case .loadingRate, .dutyFactor: return increase ? "higher" : "lower"
        case .strideTime, .stepTime, .contactTime, .flightTime: return increase ? "longer" : "shorter"
        }
    }

    static func metricList(_ set: StrideMetricSet, except primary: StrideMetric) -> [String] {
        StrideMetric.all.filter { set.contains($0) && $0 != primary }.map(\.label)
    }

    static func finish(_ episode: CompensationEpisode, report: RunReport) -> CompensationEpisode {
        var e = episode
        if let i = e.impactFrom { e.impactLate = i > report.runningStartSeconds + report.runningSeconds / 2 }
        let f = e.peak
        let m = f.primaryMetric
        let metricName = m == .peakTibialAcceleration ? "impact (PTA)" : m.label
        var parts = [String]()
        switch f.side {
        case .both:
            parts.append("From about \(ReportFormat.minute(e.onset)) both legs' \(metricName) changed alike (\(report.legNames[0]) \(ReportFormat.signed(f.leftChangePercent)) %, \(report.legNames[1]) \(ReportFormat.signed(f.rightChangePercent)) % against your baseline), so the two sides stayed symmetric: that is general fatigue rather than one side compensating for the other.")
        case .leg(let s):
            let leg = s.legSlot
            let own = leg == 0 ? f.leftChangePercent : f.rightChangePercent
            let other = leg == 0 ? f.rightChangePercent : f.leftChangePercent
            let otherName = report.legNames[1 - leg]
            parts.append("From about \(ReportFormat.minute(e.onset)) your \(e.sideName) leg's \(metricName) changed: at its largest it was \(ReportFormat.number(abs(own))) % \(direction(m, increase: own >= 0)) than your baseline, while the \(otherName) leg changed by \(ReportFormat.signed(other)) %. The \(m.label) symmetry index moved \(ReportFormat.number(abs(f.symmetryIndexChange))) points towards the \(f.symmetryIndexChange >= 0 ? report.legNames[0] : report.legNames[1]).")
        }
        let others = metricList(e.metrics, except: m).filter { $0 != StrideMetric.peakTibialAcceleration.label || e.impactFrom == nil || e.impactFrom == e.raised }
        if !others.isEmpty {
            parts.append("\(ReportFormat.capitalised(others.joined(separator: " and "))) pointed the same way.")
        }
        if let i = e.impactFrom, i != e.raised, m != .peakTibialAcceleration {
            parts.append("From \(ReportFormat.minute(i)) the impact (PTA) on the \(e.sideName) side rose too.")
        }
        var doing = "You were \(ReportFormat.activity(e.activityAtOnset))"
        if let c = e.cadenceAtOnset {
            doing += " at about \(Int(c.rounded())) steps/min"
            if let bc = report.baseline?.cadenceStepsPerMinute, bc > 0 {
                let d = c - bc
                doing += abs(d) < 3 ? " (your baseline cadence, \(Int(bc.rounded())))" : " (\(Int(abs(d).rounded())) steps/min \(d > 0 ? "quicker" : "slower") than at baseline)"
            }
        }
        if let after = e.secondsAfterStop {
            doing += ", \(ReportFormat.duration(after)) after a stop"
        }
        doing += e.lateInRun ? ", in the second half of the run." : ", in the first half of the run."
        parts.append(doing)
        var cue = "The first cue came at \(ReportFormat.minute(e.raised))"
        if e.cues > 1 { cue += " and was repeated \(e.cues - 1) time\(e.cues > 2 ? "s" : "") (up to level \(e.highestLevel))" }
        if let c = e.cleared {
            cue += "; it cleared at \(ReportFormat.minute(c)) (\(ReportFormat.duration(c - e.onset)) after the onset)."
        } else {
            cue += "; it was still there when the recording ended."
        }
        parts.append(cue)
        e.text = parts.joined(separator: " ")
        return e
    }
}

extension RunReport {
    /// When running first started, s (0 when the activity was never classified).
    var runningStartSeconds: Double {
        activity.first { $0.activity == .running }.map { seconds($0.timeNs) } ?? 0
    }
}
