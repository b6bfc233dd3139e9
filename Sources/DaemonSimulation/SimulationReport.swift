/// The end-of-run summary of `simulate` for people.
public enum SimulationReport {
    /// Lines: speed, events per leg, alerts, buzzer.
    public static func lines(_ score: SimulationScore, runRecord: String?) -> [String] {
        func ms(_ v: Double?) -> String { v.map { String((($0 * 10).rounded()) / 10) } ?? "-" }
        var out = ["simulated \(Int(score.simulatedSeconds)) s in \(String((score.wallSeconds * 10).rounded() / 10)) s "
                   + "(\(Int(score.speedFactor.rounded())) × real time)"]
        for side in ["left", "right"] {
            guard let e = score.events[side] else { continue }
            out.append("\(side): \(e.found) of \(e.truth) contacts found, \(e.missed) missed, \(e.falsePositives) extra; "
                       + "timing error median \(ms(e.medianErrorMs)) ms, 95th percentile \(ms(e.p95ErrorMs)) ms")
        }
        if let onset = score.driftOnsetMinute {
            out.append("true drift from minute \(String((onset * 10).rounded() / 10))")
        } else {
            out.append("no drift in this scenario")
        }
        if score.alerts.isEmpty { out.append("no alerts") }
        for alert in score.alerts {
            let delay = alert.delayFromOnsetSeconds.map { ", \(Int($0.rounded())) s after the true onset" } ?? ""
            out.append("alert \(alert.kind) at minute \(String((alert.minute * 10).rounded() / 10)): \(alert.description)\(delay)")
        }
        out.append("false alarms: \(score.falseAlarms); buzzer transitions: \(score.buzzerTransitions)"
                   + (score.firstAlertToBuzzerMs.map { "; first alert's stride to buzzer \(ms($0)) ms" } ?? "")
                   + (score.cueToBuzzerMaxMs.map { "; cue to buzzer at most \(ms($0)) ms" } ?? ""))
        if let runRecord { out.append("run record: \(runRecord)") }
        return out
    }
}
