import Logging
import Synchronization

/// Whether samples are flowing: the acquisition path marks the time of each sample (or
/// each FIFO drain), the watchdog reads it. Marking is one relaxed atomic store: no lock,
/// no allocation, fit for the per-sample path.
public final class WatchdogGate: Sendable {
    /// How old the last sample may be for samples to count as flowing, ns, by default.
    /// FIFOs are drained every few tens of ms; 2 s is many drains missed in a row, yet
    /// well inside the 5 s between pets, so a stall withholds the very next pet.
    public static let defaultStaleAfterNs: UInt64 = 2_000_000_000

    /// How old the last sample may be, ns.
    public let staleAfterNs: UInt64
    private let lastSampleNs = Atomic<UInt64>(0)

    /// Creates a gate; no sample has been seen yet, so it is closed.
    public init(staleAfterNs: UInt64 = defaultStaleAfterNs) {
        self.staleAfterNs = staleAfterNs
    }

    /// Records a sample (or a drain) at `timeNs`, CLOCK_MONOTONIC. Never moves backwards.
    @inline(__always)
    public func markSample(atNs timeNs: UInt64) {
        // Drains come from several sensors' threads at most; keep the latest time.
        var current = lastSampleNs.load(ordering: .relaxed)
        while timeNs > current {
            let (exchanged, original) = lastSampleNs.compareExchange(expected: current, desired: timeNs, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// The last sample's time, or nil if none yet.
    public var lastSampleTimeNs: UInt64? {
        let t = lastSampleNs.load(ordering: .relaxed)
        return t == 0 ? nil : t
    }

    /// True when a sample arrived within ``staleAfterNs`` of `nowNs`.
    public func isFlowing(atNs nowNs: UInt64) -> Bool {
        guard let last = lastSampleTimeNs else { return false }
        return nowNs <= last || nowNs - last <= staleAfterNs
    }
}

/// Pets systemd's watchdog at half of WatchdogSec, and only while a ``WatchdogGate`` says
/// samples flow: a daemon whose acquisition has hung stops petting and systemd restarts
/// it. Call ``tick(nowNs:)`` from the daemon's housekeeping loop at least every
/// ``petIntervalNs`` (or at ``nextTickNs``).
public final class SystemdWatchdog: Sendable {
    /// The notifier pets go to.
    public let notifier: SystemdNotifier
    /// The gate that must be open for a pet.
    public let gate: WatchdogGate
    /// Time between pets, ns: half of WATCHDOG_USEC (sd_watchdog_enabled(3) advises
    /// petting at half the interval), or nil when systemd did not ask for pets.
    public let petIntervalNs: UInt64?
    /// Time between looks at the gate while it is closed, or after a failed send, ns: a
    /// tenth of the pet interval, so a pet follows soon after samples flow again.
    public let recheckIntervalNs: UInt64?
    private let logger: Logger
    private let state = Mutex<State>(State())

    private struct State {
        var nextDueNs: UInt64 = 0
        var withholding = false
        var pets = 0
        var withheld = 0
    }

    /// Creates a watchdog.
    ///
    /// - Parameters:
    ///   - notifier: where WATCHDOG=1 goes.
    ///   - gate: marked by acquisition.
    ///   - intervalNs: systemd's watchdog interval (``SystemdNotifier/watchdogInterval(environment:pid:)``);
    ///     nil turns pets off.
    ///   - logger: where a withheld pet is reported (once per stall).
    public init(notifier: SystemdNotifier, gate: WatchdogGate, intervalNs: UInt64?, logger: Logger = Logger(label: "strideguard.systemd")) {
        self.notifier = notifier
        self.gate = gate
        let pet = intervalNs.map { max($0 / 2, 1) }
        self.petIntervalNs = pet
        self.recheckIntervalNs = pet.map { max($0 / 10, 1) }
        self.logger = logger
    }

    /// Pets sent so far.
    public var petCount: Int { state.withLock { $0.pets } }
    /// Ticks at which a pet was due but samples were stale.
    public var withheldCount: Int { state.withLock { $0.withheld } }

    /// When ``tick(nowNs:)`` should next be called, or nil when pets are off.
    public var nextTickNs: UInt64? {
        guard petIntervalNs != nil else { return nil }
        return state.withLock { $0.nextDueNs }
    }

    /// Pets if a pet is due and samples flow. Returns true when WATCHDOG=1 was sent.
    @discardableResult
    public func tick(nowNs: UInt64) -> Bool {
        guard let interval = petIntervalNs, let recheck = recheckIntervalNs else { return false }
        let flowing = gate.isFlowing(atNs: nowNs)
        enum Verdict { case notDue, pet, withheld(first: Bool), resumed }
        let verdict: Verdict = state.withLock { state in
            if nowNs < state.nextDueNs { return .notDue }
            if !flowing {
                state.withheld += 1
                state.nextDueNs = nowNs &+ recheck
                let first = !state.withholding
                state.withholding = true
                return .withheld(first: first)
            }
            if state.withholding {
                state.withholding = false
                return .resumed
            }
            return .pet
        }
        switch verdict {
        case .notDue:
            return false
        case .withheld(let first):
            if first {
                let age = gate.lastSampleTimeNs.map { "last sample \(Double(nowNs &- $0) / 1e9) s ago" } ?? "no sample yet"
                logger.warning("watchdog: not petting, samples are not flowing (\(age)); systemd restarts the service if this lasts")
            }
            return false
        case .resumed:
            logger.notice("watchdog: samples flow again, petting")
        case .pet:
            break
        }
        do {
            try notifier.watchdog()
        } catch {
            logger.error("watchdog: \(error.description)")
            state.withLock { $0.nextDueNs = nowNs &+ recheck }
            return false
        }
        state.withLock { state in
            state.nextDueNs = nowNs &+ interval
            state.pets += 1
        }
        return true
    }
}
