#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CLOCK_MONOTONIC, the clock the kernel stamps GPIO edge events with.
public final class SystemMonotonicClock: MonotonicClock {
    /// Creates the clock.
    public init() {}

    public var nowNs: UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    public func sleep(untilNs deadlineNs: UInt64) {
        #if canImport(Glibc)
        var ts = timespec(tv_sec: Int(deadlineNs / 1_000_000_000), tv_nsec: Int(deadlineNs % 1_000_000_000))
        // TIMER_ABSTIME: an absolute deadline does not drift when we are woken early by a signal.
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
        #else
        let now = nowNs
        if deadlineNs > now { usleep(UInt32((deadlineNs - now) / 1000)) }
        #endif
    }
}
