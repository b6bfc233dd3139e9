// The simulator's platform with a stopwatch around the acquisition thread's wake-ups:
// how long the daemon works on each FIFO interrupt, and how much of that is spent inside
// the simulated bus (register emulation that the board does not run on its CPU: there the
// bytes take bus time instead).
#if canImport(Glibc)
import Glibc
#endif
import Hardware
import HardwareSim

/// CLOCK_MONOTONIC now, ns (wall time; the virtual clock does not move while the daemon computes).
@inline(__always)
func wallNowNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Per-wake durations, in fixed buffers allocated once (the measured loop must not
/// allocate, or it would count in the daemon's allocations).
struct WakeLog {
    /// Wall ns from the moment an interrupt woke the thread to the moment it went back to
    /// waiting: drain, core, hand-off to the recorder and the buzzer, housekeeping.
    let serviceNs: UnsafeMutableBufferPointer<UInt64>
    /// The part of it spent inside the simulated bus.
    let inBusNs: UnsafeMutableBufferPointer<UInt64>
    private(set) var count = 0
    /// Wakes that did not fit (the buffers are sized for one iteration; should stay 0).
    private(set) var overflow = 0

    init(capacity: Int) {
        serviceNs = .allocate(capacity: capacity)
        inBusNs = .allocate(capacity: capacity)
    }

    mutating func append(service: UInt64, inBus: UInt64) {
        guard count < serviceNs.count else { overflow += 1; return }
        serviceNs[count] = service
        inBusNs[count] = inBus
        count += 1
    }

    mutating func reset() { count = 0 }
}

/// Forwards every call to the rig's bus, adding the wall time spent in it to a counter.
final class StopwatchBus: I2CBus {
    let inner: any I2CBus
    var elapsedNs: UInt64 = 0

    init(_ inner: any I2CBus) { self.inner = inner }

    var name: String { inner.name }
    var maxReadLength: Int { inner.maxReadLength }
    var clockHz: Int { inner.clockHz }

    func writeRegister(_ register: UInt8, value: UInt8, address: UInt8) throws(I2CError) {
        let start = wallNowNs()
        defer { elapsedNs &+= wallNowNs() &- start }
        try inner.writeRegister(register, value: value, address: address)
    }

    func readRegister(_ register: UInt8, address: UInt8) throws(I2CError) -> UInt8 {
        let start = wallNowNs()
        defer { elapsedNs &+= wallNowNs() &- start }
        return try inner.readRegister(register, address: address)
    }

    func readRegisters(_ register: UInt8, address: UInt8, into buffer: UnsafeMutableRawBufferPointer) throws(I2CError) {
        let start = wallNowNs()
        defer { elapsedNs &+= wallNowNs() &- start }
        try inner.readRegisters(register, address: address, into: buffer)
    }
}

/// A ``SimPlatform`` whose `waitForEdges` marks when the thread wakes for an interrupt and
/// when it comes back to wait: the time between is the daemon's work on that wake-up.
/// Lines are the simulator's own (SimPlatform advances the clock only for SimEdgeLine).
final class WakeTimingPlatform: HardwarePlatform {
    let sim: SimPlatform
    let bus: StopwatchBus
    var log: WakeLog
    private var wokeAtNs: UInt64?
    private var busAtWakeNs: UInt64 = 0

    init(_ sim: SimPlatform, capacity: Int) {
        self.sim = sim
        bus = StopwatchBus(sim.rig.bus)
        log = WakeLog(capacity: capacity)
    }

    var clock: any MonotonicClock { sim.clock }

    func openBus(_ path: String, clockHz: Int) throws(I2CError) -> any I2CBus {
        _ = try sim.openBus(path, clockHz: clockHz)
        return bus
    }

    func openInterruptLine(chip: String, offset: UInt32) throws(GPIOError) -> any EdgeEventLine {
        try sim.openInterruptLine(chip: chip, offset: offset)
    }

    func openOutputLine(chip: String, offset: UInt32, activeLow: Bool) throws(GPIOError) -> any OutputLine {
        try sim.openOutputLine(chip: chip, offset: offset, activeLow: activeLow)
    }

    func waitForEdges(on lines: [any EdgeEventLine], untilNs deadlineNs: UInt64) -> Bool {
        closeWake()
        let edge = sim.waitForEdges(on: lines, untilNs: deadlineNs)
        if edge {
            busAtWakeNs = bus.elapsedNs
            wokeAtNs = wallNowNs()
        }
        return edge
    }

    /// Ends the wake in progress, if any (also at the end of a measured stretch).
    func closeWake() {
        guard let woke = wokeAtNs else { return }
        log.append(service: wallNowNs() &- woke, inBus: bus.elapsedNs &- busAtWakeNs)
        wokeAtNs = nil
    }
}
