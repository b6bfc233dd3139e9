#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex and a condition variable whose timed waits run on CLOCK_MONOTONIC, so a
/// wall-clock step (NTP, a GPS fix) never makes a buzzer step early or late.
final class MonotonicWaiter: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        cond = .allocate(capacity: 1)
        cond.initialize(to: pthread_cond_t())
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        #if canImport(Glibc)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` holding the mutex.
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Wakes the waiting thread. Call holding the mutex or not.
    func signal() { pthread_cond_signal(cond) }

    /// Waits, holding the mutex, until signalled or `timeoutNs` from now has passed
    /// (nil: until signalled). Spurious wake-ups happen: callers re-check their state.
    func wait(timeoutNs: UInt64?) {
        guard let timeoutNs else {
            pthread_cond_wait(cond, mutex)
            return
        }
        #if canImport(Glibc)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        #else
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        #endif
        // Caps the wait at a day so the sum cannot overflow; the caller loops anyway.
        let wait = min(timeoutNs, 86_400 * 1_000_000_000)
        let total = UInt64(now.tv_nsec) + wait % 1_000_000_000
        var deadline = timespec()
        deadline.tv_sec = now.tv_sec + Int(wait / 1_000_000_000) + Int(total / 1_000_000_000)
        deadline.tv_nsec = Int(total % 1_000_000_000)
        pthread_cond_timedwait(cond, mutex, &deadline)
    }
}
