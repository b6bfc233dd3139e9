import Hardware

/// Simulated CLOCK_MONOTONIC: time moves only when someone sleeps or advances it, so a
/// simulated hour can pass in seconds and every test is repeatable.
public final class VirtualClock: MonotonicClock, @unchecked Sendable {
    /// Now, nanoseconds.
    public private(set) var nowNs: UInt64

    /// Creates a clock starting at `startNs` (default one second, so time 0 is never a
    /// valid sample time by accident).
    public init(startNs: UInt64 = 1_000_000_000) {
        nowNs = startNs
    }

    /// Moves time forward to `deadlineNs` (never backwards).
    public func sleep(untilNs deadlineNs: UInt64) {
        advance(to: deadlineNs)
    }

    /// Moves time forward to `timeNs` (never backwards).
    public func advance(to timeNs: UInt64) {
        if timeNs > nowNs { nowNs = timeNs }
    }

    /// Moves time forward by `durationNs`.
    public func advance(by durationNs: UInt64) {
        nowNs += durationNs
    }
}
