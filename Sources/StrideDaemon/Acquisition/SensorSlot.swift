import Hardware
import StrideCore

/// One configured sensor under supervision: brought up at start, dropped when it stops
/// answering, retried with a backoff, and rejoined when it answers again.
final class SensorSlot {
    /// Retry delays after a sensor is lost, ns. Capped at 1 s so a sensor that comes back
    /// rejoins within about a second of answering again (the daemon issue asks for 2 s),
    /// while a dead sensor costs at most one probe a second on the bus.
    static let retryDelaysNs: [UInt64] = [100_000_000, 250_000_000, 500_000_000, 1_000_000_000]
    /// Samples one drain can deliver: the largest FIFO we drive (LSM6DSO, 512 words).
    static let bufferCapacity = 1024

    enum State: Equatable {
        /// Sampling.
        case up
        /// Not answering since `sinceNs`; next attempt at `retryAtNs`.
        case down(sinceNs: UInt64, retryAtNs: UInt64, attempt: Int)
    }

    let spec: SensorSpec
    private(set) var state: State
    private(set) var driver: (any AccelerometerDriver)?
    var interruptLine: (any EdgeEventLine)?
    /// When a polled sensor is next drained.
    var nextPollNs: UInt64 = 0
    /// Where drains land; allocated once.
    let buffer: UnsafeMutableBufferPointer<IMUSample>
    /// The last error, for logs.
    private(set) var lastError: HardwareError?
    /// Self-test result of the first start.
    private(set) var selfTestReport: SelfTestReport?

    init(spec: SensorSpec, nowNs: UInt64) {
        self.spec = spec
        state = .down(sinceNs: nowNs, retryAtNs: nowNs, attempt: 0)
        buffer = .allocate(capacity: Self.bufferCapacity)
        buffer.initialize(repeating: .empty)
    }

    deinit {
        buffer.deallocate()
    }

    /// Drains in a row that failed before reading a single sample. A bus error is noise on
    /// a long cable: the FIFO still holds the samples, so the drain is simply retried, and
    /// a drain that read some samples before failing proves the sensor is there. Only this
    /// many empty failures in a row (about 10 ms of retries) mean the sensor is gone: at a
    /// 1 % transfer error rate a 20-transfer drain fails one time in six, so three in a row
    /// would happen every few seconds by chance; five empty ones about once a day.
    static let failuresBeforeLost = 5
    /// Delay before retrying a failed drain: a few transfer times at 100 kHz.
    static let drainRetryDelayNs: UInt64 = 2_000_000
    /// An interrupt-driven sensor is drained anyway when no edge came for this many FIFO
    /// fill times: a missed edge (the pin stayed high because a drain failed half-way)
    /// must not stall it until the FIFO overruns.
    static let missedEdgeFillTimes = 3.0

    private(set) var consecutiveFailures = 0

    /// Bus errors (EIO: noise, a long cable) are retried silently, but they go into the run
    /// record as faults: summed and reported at most once per this interval, so a noisy
    /// cable adds one row a second, not one per failed transfer.
    static let busErrorReportIntervalNs: UInt64 = 1_000_000_000
    private var unreportedBusErrors = 0
    private var firstUnreportedBusErrorNs: UInt64 = 0
    private var lastBusErrorNs: UInt64 = 0

    /// Counts a drain that failed with a bus error.
    func noteBusError(nowNs: UInt64) {
        if unreportedBusErrors == 0 { firstUnreportedBusErrorNs = nowNs }
        unreportedBusErrors += 1
        lastBusErrorNs = nowNs
    }

    /// The bus errors not yet reported, once the first of them is a report interval old.
    func takeBusErrorReport(nowNs: UInt64) -> (count: Int, fromNs: UInt64, untilNs: UInt64)? {
        guard unreportedBusErrors > 0, nowNs >= firstUnreportedBusErrorNs + Self.busErrorReportIntervalNs else { return nil }
        defer { unreportedBusErrors = 0 }
        return (unreportedBusErrors, firstUnreportedBusErrorNs, lastBusErrorNs)
    }

    /// Time for the FIFO to fill to its watermark, ns.
    var fillTimeNs: Double {
        let rate = driver?.applied?.dataRateHz ?? spec.configuration.dataRateHz
        return Double(spec.configuration.fifoWatermark) / rate * 1e9
    }

    /// When to drain next without an interrupt: half a fill time when polling (the FIFO
    /// never gets near full between polls); a stall guard when interrupt-driven.
    func scheduleNextPoll(nowNs: UInt64) {
        let delay = interruptLine == nil ? fillTimeNs / 2 : fillTimeNs * Self.missedEdgeFillTimes
        nextPollNs = nowNs + UInt64(delay)
    }

    /// Records a successful drain.
    func drained(nowNs: UInt64) {
        consecutiveFailures = 0
        scheduleNextPoll(nowNs: nowNs)
    }

    /// Records a failed drain (`deliveredSamples`: it read some before failing); returns
    /// true when the sensor now counts as lost.
    func drainFailed(_ error: HardwareError, deliveredSamples: Bool, nowNs: UInt64) -> Bool {
        consecutiveFailures = deliveredSamples ? 0 : consecutiveFailures + 1
        lastError = error
        if consecutiveFailures >= Self.failuresBeforeLost {
            consecutiveFailures = 0
            markDown(error, nowNs: nowNs)
            return true
        }
        nextPollNs = nowNs + Self.drainRetryDelayNs
        return false
    }

    /// Probes, self-tests (first time only) and configures the chip, leaving it in standby.
    func prepare(bus: any I2CBus, clock: any MonotonicClock) throws(HardwareError) {
        let driver = self.driver ?? DriverTable.makeDriver(chip: spec.chip, bus: bus, address: spec.address, clock: clock)
        self.driver = driver
        try driver.verifyIdentity()
        if spec.selfTest && selfTestReport == nil {
            selfTestReport = try driver.selfTest()
        }
        _ = try driver.configure(spec.configuration)
    }

    /// Starts a prepared chip sampling.
    func startSampling(clock: any MonotonicClock) throws(HardwareError) {
        guard let driver else { throw .notConfigured(bus: spec.busPath, address: spec.address) }
        try driver.start()
        // Edges queued while the sensor was away are stale.
        if let line = interruptLine {
            while (try? line.waitForEdge(timeoutNs: 0)) != nil {}
        }
        state = .up
        consecutiveFailures = 0
        scheduleNextPoll(nowNs: clock.nowNs)
    }

    /// Marks the sensor lost at `nowNs` after `error`.
    func markDown(_ error: HardwareError, nowNs: UInt64) {
        lastError = error
        switch state {
        case .up:
            state = .down(sinceNs: nowNs, retryAtNs: nowNs + Self.retryDelaysNs[0], attempt: 1)
        case .down(let since, _, let attempt):
            let delay = Self.retryDelaysNs[min(attempt, Self.retryDelaysNs.count - 1)]
            state = .down(sinceNs: since, retryAtNs: nowNs + delay, attempt: attempt + 1)
        }
    }
}
