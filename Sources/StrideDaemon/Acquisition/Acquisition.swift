import Hardware
import StrideCore

/// Something acquisition reports besides samples: for the log, the run record and the
/// buzzer.
public enum AcquisitionEvent: Sendable, Equatable {
    /// A sensor was probed, self-tested, configured and started.
    case sensorUp(Placement, chip: ChipModel, address: UInt8, applied: AppliedConfiguration?, atNs: UInt64)
    /// A sensor stopped answering (first failure only; retries are silent).
    case sensorLost(Placement, error: HardwareError, atNs: UInt64)
    /// A lost sensor answers again: samples from `fromNs` to `untilNs` are missing.
    case sensorRejoined(Placement, gapFromNs: UInt64, untilNs: UInt64)
    /// A sensor could not be brought up at start (it is retried like a lost one).
    case sensorFailedToStart(Placement, error: HardwareError, atNs: UInt64)
    /// The FIFO overran: about `lostSamples` samples are missing before `atNs`.
    case overrun(Placement, lostSamples: Int, atNs: UInt64)
    /// Drains failed with bus errors (EIO) `count` times between `fromNs` and `untilNs` and
    /// were retried; reported at most once a second per sensor (`SensorSlot.busErrorReportIntervalNs`).
    case busErrors(Placement, count: Int, fromNs: UInt64, untilNs: UInt64)
    /// The sensor's interrupt line could not be requested: it is polled instead.
    case interruptUnavailable(Placement, error: GPIOError)
    /// The bus could not be opened.
    case busUnavailable(Placement, error: I2CError)
}

/// Interrupt-driven acquisition from every configured sensor, with supervision.
///
/// Each sensor's FIFO watermark line is an edge-event line; one thread waits on all of
/// them and drains whichever fired, using the kernel's edge timestamp. A sensor without an
/// interrupt line is polled at half its FIFO period. A failed drain is retried at once (a
/// bus error on a long cable loses nothing: the FIFO keeps the samples); a sensor that
/// fails several drains in a row is dropped, retried with a backoff, and rejoins when it
/// answers again; the others go on.
/// Nothing here allocates once running: buffers and the line list are built at start.
public final class Acquisition {
    /// Receives each drained batch: the placement and its samples, oldest first.
    public typealias SampleHandler = (Placement, UnsafeBufferPointer<IMUSample>) -> Void
    /// Receives everything else.
    public typealias EventHandler = (AcquisitionEvent) -> Void

    private let platform: any HardwarePlatform
    private let slots: [SensorSlot]
    private var buses: [String: any I2CBus] = [:]
    private var lines: [any EdgeEventLine] = []
    private var lineOwners: [Int] = []
    private let onSamples: SampleHandler
    private let onEvent: EventHandler
    /// Samples delivered since start, per placement order of `specs`.
    public private(set) var samplesDelivered: [UInt64]
    /// When the last sample arrived (for the watchdog: pet only while samples flow).
    public private(set) var lastSampleAtNs: UInt64 = 0

    /// Creates acquisition for `specs` on `platform`.
    public init(platform: any HardwarePlatform, specs: [SensorSpec], onSamples: @escaping SampleHandler, onEvent: @escaping EventHandler) {
        self.platform = platform
        let now = platform.clock.nowNs
        slots = specs.map { SensorSlot(spec: $0, nowNs: now) }
        samplesDelivered = Array(repeating: 0, count: specs.count)
        self.onSamples = onSamples
        self.onEvent = onEvent
    }

    /// The sensors that are sampling now.
    public var sensorsUp: [Placement] { slots.filter { $0.state == .up }.map(\.spec.placement) }

    /// Whether every configured sensor is sampling.
    public var allSensorsUp: Bool { slots.allSatisfy { $0.state == .up } }

    /// Driver statistics per placement (overruns, lost and clipped samples).
    public var statistics: [(Placement, DriverStatistics)] {
        slots.compactMap { slot in slot.driver.map { (slot.spec.placement, $0.statistics) } }
    }

    /// Opens buses and lines and brings every sensor up. Every chip is probed, self-tested
    /// and configured first, then all are started together: a self-test takes a fraction
    /// of a second, and a sensor started before it would overrun its FIFO meanwhile.
    /// Sensors that fail are reported and retried by ``run(untilNs:shouldStop:)``.
    public func start() {
        for (index, slot) in slots.enumerated() {
            if let line = slot.spec.interruptLine {
                do {
                    let edgeLine = try platform.openInterruptLine(chip: line.chip, offset: line.offset)
                    slot.interruptLine = edgeLine
                    lines.append(edgeLine)
                    lineOwners.append(index)
                } catch {
                    onEvent(.interruptUnavailable(slot.spec.placement, error: error))
                }
            }
        }
        var prepared: [SensorSlot] = []
        for slot in slots {
            do {
                try prepare(slot, reportBusFailure: true)
                prepared.append(slot)
            } catch {
                slot.markDown(error, nowNs: platform.clock.nowNs)
                onEvent(.sensorFailedToStart(slot.spec.placement, error: error, atNs: platform.clock.nowNs))
            }
        }
        for slot in prepared {
            do {
                try slot.startSampling(clock: platform.clock)
                onEvent(.sensorUp(slot.spec.placement, chip: slot.spec.chip, address: slot.spec.address,
                                  applied: slot.driver?.applied, atNs: platform.clock.nowNs))
            } catch {
                slot.markDown(error, nowNs: platform.clock.nowNs)
                onEvent(.sensorFailedToStart(slot.spec.placement, error: error, atNs: platform.clock.nowNs))
            }
        }
    }

    private func bus(for spec: SensorSpec) throws(I2CError) -> any I2CBus {
        if let bus = buses[spec.busPath] { return bus }
        let bus = try platform.openBus(spec.busPath, clockHz: spec.busClockHz)
        buses[spec.busPath] = bus
        return bus
    }

    /// Retries a sensor that is down: prepare and start in one go.
    private func retry(_ slot: SensorSlot) {
        let clock = platform.clock
        guard case .down(let since, _, _) = slot.state else { return }
        do {
            try prepare(slot, reportBusFailure: false)
            try slot.startSampling(clock: clock)
            onEvent(.sensorRejoined(slot.spec.placement, gapFromNs: since, untilNs: clock.nowNs))
        } catch {
            slot.markDown(error, nowNs: clock.nowNs)
        }
    }

    /// Opens the bus if needed, then probes, self-tests and configures the chip. A bus that
    /// will not open is reported once, at start, not on every retry.
    private func prepare(_ slot: SensorSlot, reportBusFailure: Bool) throws(HardwareError) {
        let bus: any I2CBus
        do {
            bus = try self.bus(for: slot.spec)
        } catch {
            if reportBusFailure { onEvent(.busUnavailable(slot.spec.placement, error: error)) }
            throw .bus(error)
        }
        try slot.prepare(bus: bus, clock: platform.clock)
    }

    /// The next time something is due without an interrupt: a poll or a retry.
    private func nextTimedWorkNs(after deadlineNs: UInt64) -> UInt64 {
        var next = deadlineNs
        for slot in slots {
            switch slot.state {
            case .up: next = min(next, slot.nextPollNs)
            case .down(_, let retryAt, _): next = min(next, retryAt)
            }
        }
        return next
    }

    /// Acquires until the clock reaches `deadlineNs` (or `shouldStop` says so between
    /// wake-ups), handing samples to the handler as they are drained.
    ///
    /// - Parameter wakeBy: an extra time to wake at, if any (the simulator's buzzer, which
    ///   is served on this thread between drains); `shouldStop` then decides.
    public func run(untilNs deadlineNs: UInt64, shouldStop: () -> Bool = { false }, wakeBy: () -> UInt64? = { nil }) {
        let clock = platform.clock
        while clock.nowNs < deadlineNs && !shouldStop() {
            var wakeAt = nextTimedWorkNs(after: deadlineNs)
            if let extra = wakeBy(), extra < wakeAt { wakeAt = max(extra, clock.nowNs) }
            _ = platform.waitForEdges(on: lines, untilNs: wakeAt)
            serviceInterrupts()
            servicePollsAndRetries()
        }
    }

    private func serviceInterrupts() {
        for (lineIndex, line) in lines.enumerated() {
            // The oldest queued edge anchors the batch; later ones are stale once drained.
            guard let edge = try? line.waitForEdge(timeoutNs: 0) else { continue }
            let slot = slots[lineOwners[lineIndex]]
            guard slot.state == .up else { continue }
            drain(slot, index: lineOwners[lineIndex], interruptTimeNs: edge.timeNs)
            while (try? line.waitForEdge(timeoutNs: 0)) != nil {}
        }
    }

    private func servicePollsAndRetries() {
        let now = platform.clock.nowNs
        for (index, slot) in slots.enumerated() {
            if let errors = slot.takeBusErrorReport(nowNs: now) {
                onEvent(.busErrors(slot.spec.placement, count: errors.count, fromNs: errors.fromNs, untilNs: errors.untilNs))
            }
            switch slot.state {
            case .up where now >= slot.nextPollNs:
                drain(slot, index: index, interruptTimeNs: nil)
            case .down(_, let retryAt, _) where now >= retryAt:
                retry(slot)
            default:
                break
            }
        }
    }

    private func drain(_ slot: SensorSlot, index: Int, interruptTimeNs: UInt64?) {
        guard let driver = slot.driver else { return }
        let now = platform.clock.nowNs
        let result: DrainResult
        do {
            result = try driver.drain(into: slot.buffer, interruptTimeNs: interruptTimeNs, nowNs: now)
        } catch {
            failed(slot, error, deliveredSamples: false, nowNs: now)
            return
        }
        if let interruption = result.interruption {
            failed(slot, interruption, deliveredSamples: result.count > 0, nowNs: now)
        } else {
            slot.drained(nowNs: now)
        }
        if result.overrun {
            onEvent(.overrun(slot.spec.placement, lostSamples: result.lostSamples, atNs: now))
        }
        guard result.count > 0 else { return }
        samplesDelivered[index] += UInt64(result.count)
        lastSampleAtNs = platform.clock.nowNs
        onSamples(slot.spec.placement, UnsafeBufferPointer(rebasing: slot.buffer[0..<result.count]))
    }

    private func failed(_ slot: SensorSlot, _ error: HardwareError, deliveredSamples: Bool, nowNs: UInt64) {
        if case .bus(let transfer) = error, transfer.failure == .busError { slot.noteBusError(nowNs: nowNs) }
        if slot.drainFailed(error, deliveredSamples: deliveredSamples, nowNs: nowNs) {
            onEvent(.sensorLost(slot.spec.placement, error: error, atNs: nowNs))
        }
    }

    /// Stops every sensor that is up (best effort: a sensor that does not answer is left).
    public func stop() {
        for slot in slots where slot.state == .up {
            try? slot.driver?.stop()
        }
    }
}
