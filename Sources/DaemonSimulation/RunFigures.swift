import Foundation
import HardwareSim
import StrideDaemon

/// What the daemon did in a simulated run, beyond the ground-truth score: what the soak
/// check (scripts/soak.sh) compares with the run record. Part of `simulate --json`.
public struct RunFigures: Codable, Sendable {
    /// Gait events the daemon detected (every one goes to the run record).
    public var eventsDetected: Int
    /// Strides the analyser produced (every one goes to the run record).
    public var stridesDetected: Int
    /// The longest time the buzzer line was on in one go, ms (virtual clock).
    public var buzzerLongestOnMs: Double
    /// Whether the buzzer line was on when the run ended (after the daemon stopped).
    public var buzzerOnAtEnd: Bool
    /// The longest on-step of any pattern in force during the run, ms.
    public var longestPatternOnMs: Double
    /// Times a full disk paused the run record.
    public var recordDiskFullPauses: Int
    /// Records dropped on their way to the run record (queue or disk-full backlog full).
    public var recordDroppedRecords: Int
    /// The faults injected, with the run-clock times they were applied.
    public var injectedFaults: [InjectedFault]
    /// The seed of the random fault schedule, nil without one.
    public var faultSeed: UInt64?
    /// SIGHUP reloads applied (`simulate --config`).
    public var reloadsApplied = 0
    /// SIGHUP reloads refused (a bad file; the running configuration kept).
    public var reloadsRefused = 0

    /// The longest single on-time of the line, ms; a line still on counts until `nowNs`.
    public static func longestOnMs(_ transitions: [SimOutputLine.Transition], nowNs: UInt64) -> Double {
        var longest: UInt64 = 0
        var onAt: UInt64?
        for t in transitions {
            if t.active {
                if onAt == nil { onAt = t.timeNs }
            } else if let on = onAt {
                longest = max(longest, t.timeNs - on)
                onAt = nil
            }
        }
        if let on = onAt { longest = max(longest, nowNs - on) }
        return Double(longest) / 1e6
    }

    /// The longest on-step among `patterns`, ms.
    public static func longestOnStepMs(_ patterns: [Cue: BuzzerPattern]) -> Double {
        Double(patterns.values.flatMap(\.steps).filter(\.on).map(\.durationMs).max() ?? 0)
    }
}
