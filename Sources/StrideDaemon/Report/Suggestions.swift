import Foundation
import StrideCore

/// One suggestion for the runner: an area to work on, why this run points to it, and what
/// to do. Suggestions, not a diagnosis.
public struct Suggestion: Sendable, Equatable {
    /// "Hip stability", "Mobility", "Core stability", "See a physiotherapist …".
    public var area: String
    /// What in this run points to it.
    public var because: String
    /// Exercises or actions.
    public var actions: [String]
}

/// Suggestions tied to what a run showed.
public enum Suggestions {
    /// The report's own limit for calling a baseline asymmetry notable, SI points. Not a
    /// clinical cut-off: a few percent of asymmetry is normal in healthy runners, and the
    /// report only uses this to decide whether to mention it.
    public static let notableBaselineSI = 5.0

    static let hipActions = [
        "Clamshells with a resistance band: 3 × 15 each side, slow on the way back.",
        "Lateral band walks (band above the knees or round the ankles): 3 × 10 steps each way, hips level.",
        "Single-leg squats to a box or chair: 3 × 8 each leg, knee in line with the second toe, pelvis level.",
    ]
    static let mobilityActions = [
        "Hip flexor stretch in a lunge: back knee down, tuck the pelvis, 3 × 30 s each side.",
        "Piriformis stretch: lying on your back, ankle over the opposite knee, pull the thigh in, 3 × 30 s each side.",
        "Foam rolling of the glutes and the outer thigh: 1–2 min each side, slowly, after running.",
    ]
    static let coreActions = [
        "Planks and side planks: 3 × 20–40 s each, body in one line.",
        "Dead bugs: 3 × 8 each side, lower back pressed to the floor.",
        "Bird-dogs: 3 × 8 each side, hips square, hold 2 s.",
    ]
    static let physioActions = [
        "Pain that lasts more than a week or two, comes back on every run, gets worse while running, or wakes you at night.",
        "Sharp pain, swelling, numbness or tingling, or pain that makes you change the way you run.",
        "A physiotherapist or sports-medicine doctor can find the cause; this report cannot.",
    ]

    /// The suggestions for `report`, most specific first; the last is always when to see a
    /// physiotherapist.
    public static func make(for report: RunReport) -> [Suggestion] {
        var out = [Suggestion]()
        let legEpisodes = report.episodes.filter { if case .leg = $0.side { return true } else { return false } }
        let both = report.episodes.filter { $0.side == .both }

        // Hip stability: one side changing, above all more impact or longer contact late on.
        var hipReasons = [String]()
        for e in legEpisodes {
            let m = e.metrics.union(StrideMetricSet(e.primaryMetric))
            let when = e.lateInRun ? "late in the run" : "in the first half of the run"
            if m.contains(.peakTibialAcceleration) {
                let impactWhen = e.impactLate ? "late in the run" : when
                hipReasons.append("More impact on the \(e.sideName) side \(impactWhen) (episode \(e.number), from \(ReportFormat.minute(e.impactFrom ?? e.onset))) often goes with tiring hip stabilisers on that side: when the gluteus medius tires, the pelvis drops and the leg lands stiffer.")
            } else if m.contains(.contactTime) {
                hipReasons.append("A longer ground contact on the \(e.sideName) side \(when) (episode \(e.number), from \(ReportFormat.minute(e.onset))) means that leg needed more time to support and stabilise you, which often goes with tiring hip and lower-leg muscles on that side.")
            } else {
                hipReasons.append("The \(e.sideName) side changed \(when) (episode \(e.number), \(e.primaryMetric.label)), a sign that side tired sooner.")
            }
        }
        if !hipReasons.isEmpty {
            let sides = Set(legEpisodes.map(\.sideName)).sorted()
            out.append(Suggestion(
                area: "Hip stability" + (sides.count == 1 ? ", \(sides[0]) side first" : ""),
                because: hipReasons.joined(separator: " "),
                actions: hipActions + (sides.count == 1 ? ["Do the single-leg work on the \(sides[0]) side first, and an extra set on it."] : [])))
        }

        // Mobility: a step-time change, or an asymmetry present from the start.
        var mobilityReasons = [String]()
        for e in legEpisodes where e.metrics.contains(.stepTime) || e.primaryMetric == .stepTime {
            mobilityReasons.append("Your step time became uneven (episode \(e.number)): an uneven stride length or rhythm can come from a hip that does not extend as freely on one side.")
        }
        if let b = report.baseline {
            for m in RunReport.symmetryMetrics {
                guard let si = b.symmetryIndex[m], abs(si) >= notableBaselineSI else { continue }
                let larger = si > 0 ? report.legNames[0] : report.legNames[1]
                mobilityReasons.append("Even at your baseline (the first minutes, before any fatigue) your \(m.label) was \(ReportFormat.number(abs(si))) % larger on the \(larger) side: an asymmetry you start with is often a matter of mobility or an old injury rather than fatigue.")
            }
        }
        if !mobilityReasons.isEmpty {
            out.append(Suggestion(area: "Mobility", because: mobilityReasons.joined(separator: " "), actions: mobilityActions))
        }

        // Core: both sides changing alike, or long one-sided episodes late on.
        var coreReasons = [String]()
        for e in both {
            coreReasons.append("Both legs changed alike from \(ReportFormat.minute(e.onset)) (episode \(e.number)): general fatigue, where a stronger trunk helps you keep your form.")
        }
        if legEpisodes.contains(where: { $0.lateInRun || $0.impactLate }) {
            coreReasons.append("The change came late in the run; a stable trunk and pelvis keep the load even when the legs tire.")
        }
        if !coreReasons.isEmpty {
            out.append(Suggestion(area: "Core stability", because: coreReasons.joined(separator: " "), actions: coreActions))
        }

        if report.episodes.isEmpty {
            let because = report.baseline == nil
                ? "This run was too short to learn your baseline, so the report cannot say whether a side changed. As general prevention:"
                : "Your two sides stayed within your normal range for the whole run. To keep it that way, twice a week:"
            out.append(Suggestion(area: "Keep it up: hip and core strength", because: because,
                                  actions: [hipActions[0], hipActions[1], coreActions[0], coreActions[2]]))
        }
        out.append(Suggestion(
            area: "See a physiotherapist when pain persists",
            because: "These are suggestions from how your stride changed, not a diagnosis. Asymmetry alone is not an injury, and pain is not something to train through.",
            actions: physioActions))
        return out
    }
}
