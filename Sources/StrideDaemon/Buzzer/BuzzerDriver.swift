import Hardware
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counters and timings of a ``BuzzerDriver``, for STATUS= and the run record.
public struct BuzzerStatistics: Sendable, Equatable {
    /// Patterns whose first step reached the line.
    public var patternsStarted = 0
    /// Cues merged into the same cue already waiting.
    public var cuesMerged = 0
    /// Cues dropped because the queue was full of more urgent ones.
    public var cuesDropped = 0
    /// `set` calls on the line that failed (each was logged or counted, then retried).
    public var setFailures = 0
    /// The last pattern's alert-to-onset latency: from the cue's request to the return of
    /// the `set` that turned the line on, ns on the driver's clock.
    public var lastOnsetLatencyNs: UInt64?
    /// The largest alert-to-onset latency seen, ns.
    public var maxOnsetLatencyNs: UInt64?

    /// Creates empty statistics.
    public init() {}
}

/// Plays cues on the buzzer's GPIO line: a ``BuzzerPlayer`` applied to an `OutputLine`.
///
/// Two ways to run it, with the same logic:
/// - On the board, ``start()`` a thread that sleeps until the player's next change (or a
///   new cue) and drives the line. ``play(_:)`` may then be called from any thread; it
///   takes a short lock and never touches the line itself.
/// - In the simulator, do not start the thread: ``play(_:)`` services the player at once,
///   and the simulation loop calls ``service()`` when its virtual clock reaches
///   ``nextChangeNs``.
///
/// The line is driven off when the driver starts, at ``stop()``, and in `deinit`. A
/// failed `set` is logged (first failure and recovery; the rest are counted) and retried
/// after ``retryIntervalNs``: never a crash.
public final class BuzzerDriver: @unchecked Sendable {
    /// Delay before a failed `set` is tried again, ns. 20 ms keeps one retry inside the
    /// 50 ms alert-to-onset budget while not spinning on a line that has gone away.
    public static let retryIntervalNs: UInt64 = 20_000_000
    /// Attempts to drive the line off when stopping, 5 ms apart.
    public static let stopAttempts = 5

    private let core: Core

    /// Creates a driver and drives the line off.
    ///
    /// - Parameters:
    ///   - line: the buzzer line (`LinuxOutputLine`, or `SimOutputLine`).
    ///   - clock: the clock cues are timed on (the system's CLOCK_MONOTONIC on the board,
    ///     the virtual clock in the simulator).
    ///   - player: the pattern player, with the configured patterns.
    ///   - logger: where failures and onsets go.
    public init(line: any OutputLine, clock: any MonotonicClock, player: BuzzerPlayer = BuzzerPlayer(), logger: Logger = Logger(label: "strideguard.buzzer")) {
        core = Core(line: line, clock: clock, player: player, logger: logger)
        core.driveOffAtStart()
    }

    deinit {
        core.stop()
    }

    /// Starts the thread that drives the line in real time. Returns false (and logs)
    /// when the thread cannot be created or the driver was stopped; the caller may then
    /// fall back to calling ``service()``.
    @discardableResult
    public func start() -> Bool { core.startThread() }

    /// Asks for `cue` now. Returns what became of it. Thread-safe.
    @discardableResult
    public func play(_ cue: Cue) -> CueRequestOutcome { core.play(cue) }

    /// Replaces the patterns (SIGHUP). The pattern playing finishes as it was.
    public func reload(patterns: [Cue: BuzzerPattern]) { core.reload(patterns) }

    /// Without the thread: brings the player to the clock's now and drives the line.
    /// Returns ``nextChangeNs``.
    @discardableResult
    public func service() -> UInt64? { core.serviceNow() }

    /// When the line next needs servicing (a step change, the end of a gap, or a retry
    /// after a failed set), or nil when idle.
    public var nextChangeNs: UInt64? { core.nextWakeNs() }

    /// Counters and onset latencies so far.
    public var statistics: BuzzerStatistics { core.snapshot() }

    /// The pattern playing, if any.
    public var playing: PlayingCue? { core.playing() }

    /// Stops the thread, forgets waiting cues and drives the line off. Idempotent; later
    /// cues are ignored.
    public func stop() { core.stop() }
}

extension BuzzerDriver {
    /// The state shared with the thread. The thread retains this, not the driver, so the
    /// driver's deinit can stop and join it.
    fileprivate final class Core: @unchecked Sendable {
        let line: any OutputLine
        let clock: any MonotonicClock
        let logger: Logger
        let waiter = MonotonicWaiter()
        /// Serialises access to the line (the thread, `service()`, `stop()`).
        let lineLock = MonotonicWaiter()

        // Guarded by `waiter`.
        var player: BuzzerPlayer
        var stopped = false
        var wakePending = false
        var threadRunning = false
        var stats = BuzzerStatistics()
        var retryAtNs: UInt64?
        #if canImport(Glibc)
        var thread: pthread_t?
        #endif

        // Guarded by `lineLock`.
        var applied: Bool?
        var failing = false
        var lastOnsetStartNs: UInt64?

        init(line: any OutputLine, clock: any MonotonicClock, player: BuzzerPlayer, logger: Logger) {
            self.line = line
            self.clock = clock
            self.player = player
            self.logger = logger
        }

        func driveOffAtStart() {
            lineLock.withLock { _ = apply(false) }
        }

        func play(_ cue: Cue) -> CueRequestOutcome {
            let (outcome, manual): (CueRequestOutcome, Bool) = waiter.withLock {
                guard !stopped else { return (.dropped, false) }
                let outcome = player.request(cue, atNs: clock.nowNs)
                stats.cuesMerged = player.mergedCount
                stats.cuesDropped = player.droppedCount
                wakePending = true
                waiter.signal()
                return (outcome, !threadRunning)
            }
            switch outcome {
            case .dropped: logger.warning("buzzer: cue '\(cue.rawValue)' dropped, the queue is full of more urgent cues")
            case .queuedEvicting(let evicted): logger.notice("buzzer: cue '\(evicted.rawValue)' dropped for the more urgent '\(cue.rawValue)'")
            default: break
            }
            if manual { _ = serviceNow() }
            return outcome
        }

        func reload(_ patterns: [Cue: BuzzerPattern]) {
            waiter.withLock { player.patterns = patterns }
        }

        func playing() -> PlayingCue? { waiter.withLock { player.playing } }
        func snapshot() -> BuzzerStatistics { waiter.withLock { stats } }

        func nextWakeNs() -> UInt64? {
            waiter.withLock { earliest(player.nextChangeNs, retryAtNs) }
        }

        /// One step of the loop: advance the player to now, apply, note failures.
        func serviceNow() -> UInt64? {
            lineLock.lock()
            defer { lineLock.unlock() }
            let (desired, current, now): (Bool, PlayingCue?, UInt64) = waiter.withLock {
                let now = clock.nowNs
                return (stopped ? false : player.advance(toNs: now), player.playing, now)
            }
            let ok = apply(desired)
            let doneNs = clock.nowNs
            return waiter.withLock {
                retryAtNs = ok ? nil : now + BuzzerDriver.retryIntervalNs
                if ok, desired, let current, current.startedNs != lastOnsetStartNs {
                    lastOnsetStartNs = current.startedNs
                    let latency = doneNs >= current.requestedNs ? doneNs - current.requestedNs : 0
                    stats.patternsStarted += 1
                    stats.lastOnsetLatencyNs = latency
                    stats.maxOnsetLatencyNs = max(stats.maxOnsetLatencyNs ?? 0, latency)
                    logger.debug("buzzer: '\(current.cue.rawValue)' on after \(Double(latency) / 1e6) ms")
                }
                return earliest(player.nextChangeNs, retryAtNs)
            }
        }

        /// Drives the line to `active` unless it already is; logs the first failure of a
        /// run of failures and the recovery. Call holding `lineLock`.
        func apply(_ active: Bool) -> Bool {
            if applied == active, !failing { return true }
            do {
                try line.set(active: active)
                applied = active
                if failing {
                    failing = false
                    logger.notice("buzzer: \(line.name) answers again")
                }
                return true
            } catch {
                let first = !failing
                failing = true
                waiter.withLock { stats.setFailures += 1 }
                if first {
                    logger.error("buzzer: cannot drive \(line.name) \(active ? "on" : "off"): \(error.description); retrying every \(BuzzerDriver.retryIntervalNs / 1_000_000) ms")
                }
                return false
            }
        }

        func startThread() -> Bool {
            #if canImport(Glibc)
            let ready: Bool = waiter.withLock {
                guard !stopped, !threadRunning else { return false }
                threadRunning = true
                return true
            }
            guard ready else { return false }
            let box = Unmanaged.passRetained(self).toOpaque()
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { arg in
                guard let arg else { return nil }
                let core = Unmanaged<Core>.fromOpaque(arg).takeRetainedValue()
                core.runLoop()
                return nil
            }, box)
            if rc != 0 {
                Unmanaged<Core>.fromOpaque(box).release()
                waiter.withLock { threadRunning = false }
                logger.error("buzzer: cannot start the buzzer thread [errno \(rc)]; cues are played only when serviced")
                return false
            }
            waiter.withLock { thread = tid }
            return true
            #else
            logger.error("buzzer: no thread on this platform; cues are played only when serviced")
            return false
            #endif
        }

        func runLoop() {
            while true {
                let next = serviceNow()
                let keepGoing: Bool = waiter.withLock {
                    if stopped { return false }
                    if !wakePending {
                        let now = clock.nowNs
                        let timeout = next.map { $0 > now ? $0 - now : 0 }
                        if timeout != 0 { waiter.wait(timeoutNs: timeout) }
                    }
                    wakePending = false
                    return !stopped
                }
                if !keepGoing { break }
            }
        }

        func stop() {
            #if canImport(Glibc)
            let toJoin: pthread_t? = waiter.withLock {
                stopped = true
                player.stop()
                waiter.signal()
                let t = thread
                thread = nil
                return t
            }
            if let toJoin, !pthread_equal(toJoin, pthread_self()).isTrue {
                pthread_join(toJoin, nil)
            }
            #else
            waiter.withLock {
                stopped = true
                player.stop()
            }
            #endif
            waiter.withLock { threadRunning = false; retryAtNs = nil }
            lineLock.withLock {
                guard applied != false || failing else { return }
                for attempt in 1...BuzzerDriver.stopAttempts {
                    if apply(false) { return }
                    if attempt < BuzzerDriver.stopAttempts {
                        var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
                        nanosleep(&pause, nil)
                    }
                }
                logger.critical("buzzer: \(line.name) may still be on after \(BuzzerDriver.stopAttempts) attempts to drive it off")
            }
        }
    }
}

private func earliest(_ a: UInt64?, _ b: UInt64?) -> UInt64? {
    switch (a, b) {
    case let (a?, b?): return min(a, b)
    case let (a?, nil): return a
    case let (nil, b?): return b
    case (nil, nil): return nil
    }
}

private extension Int32 {
    var isTrue: Bool { self != 0 }
}
