import Foundation
import HardwareSim
import StrideCore

/// One fault to inject into a simulated run, at a time counted from the daemon's start.
public struct InjectedFault: Codable, Sendable, Equatable {
    /// What goes wrong.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// A sensor stops answering (a loose connector) and comes back.
        case sensorLoss = "sensor-loss"
        /// The acquisition thread stalls (an SD card flush, a busy CPU): the FIFOs overrun.
        case stall
        /// A burst of bus errors (EIO) on every transfer with probability `errorRate`.
        case busErrors = "bus-errors"
        /// The run record's disk is full, then has room again.
        case diskFull = "disk-full"
    }

    /// What goes wrong.
    public var kind: Kind
    /// Seconds after the daemon's start.
    public var startSeconds: Double
    /// How long, s (for a stall: how long the thread stops).
    public var durationSeconds: Double
    /// The sensor lost (its I2C address), for `sensorLoss`.
    public var address: UInt8?
    /// The transfer error probability, for `busErrors`.
    public var errorRate: Double?
    /// When it was applied, on the run's clock (the run record's times), ns; nil until then.
    public var appliedAtNs: UInt64?
    /// When it ended, on the run's clock, ns.
    public var endedAtNs: UInt64?

    /// One line for the log: what and when.
    public var description: String {
        let at = String(format: "%.1f", startSeconds)
        let length = String(format: "%.2f", durationSeconds)
        switch kind {
        case .sensorLoss: return "at \(at) s: sensor 0x\(String(address ?? 0, radix: 16)) lost for \(length) s"
        case .stall: return "at \(at) s: acquisition stalls for \(length) s"
        case .busErrors:
            return "at \(at) s: bus errors on \(String(format: "%.0f", (errorRate ?? 0) * 100)) % of transfers for \(length) s"
        case .diskFull: return "at \(at) s: disk full for \(length) s"
        }
    }
}

/// A reproducible random fault schedule: the same seed and length give the same faults.
public struct FaultSchedule: Sendable {
    /// Faults start this long after the daemon's start: sensors up, and the first fault
    /// does not hit the self-tests.
    public static let firstFaultSeconds = 60.0
    /// Quiet time between two faults, s (uniform): faults never overlap, so each one's
    /// trace in the run record can be told apart.
    public static let quietSeconds = 40.0...200.0
    /// Quiet time between the first four faults (one of each kind), s: shorter, so that a
    /// 20-minute run meets all four.
    public static let firstRoundQuietSeconds = 20.0...60.0
    /// How long a sensor stays lost, s: a brief contact bounce to a minute.
    public static let sensorLossSeconds = 3.0...60.0
    /// How long acquisition stalls, s: every value overruns a 32-sample FIFO at 800 Hz (40 ms).
    public static let stallSeconds = 0.1...1.5
    /// How long a bus error burst lasts, s.
    public static let busErrorSeconds = 5.0...60.0
    /// Transfer error probability in a burst: 1 % is a marginal cable, 10 % a bad one.
    public static let busErrorRates = 0.01...0.10
    /// How long the disk stays full, s: long enough for the writer to meet it (it commits
    /// about every 10 s of simulated time when running fast) and to exercise the backlog.
    public static let diskFullSeconds = 20.0...180.0

    /// The seed.
    public let seed: UInt64
    /// The faults, in time order.
    public let faults: [InjectedFault]

    /// A random schedule over the first `seconds` of a run, faults on the sensors at
    /// `addresses`. The first four faults are one of each kind (in random order), so even a
    /// short run meets every kind.
    public static func random(seed: UInt64, seconds: Double, addresses: [UInt8]) -> FaultSchedule {
        var random = SimRandom(seed: seed ^ 0x5EED_FA17)
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + random.unit() * (range.upperBound - range.lowerBound)
        }
        var firstKinds = InjectedFault.Kind.allCases
        firstKinds.shuffle(using: &random)
        var faults: [InjectedFault] = []
        var t = firstFaultSeconds
        while true {
            let kind = faults.count < firstKinds.count
                ? firstKinds[faults.count]
                : InjectedFault.Kind.allCases[Int(random.next() % UInt64(InjectedFault.Kind.allCases.count))]
            var fault = InjectedFault(kind: kind, startSeconds: t, durationSeconds: 0)
            switch kind {
            case .sensorLoss:
                fault.durationSeconds = uniform(sensorLossSeconds)
                fault.address = addresses.isEmpty ? nil : addresses[Int(random.next() % UInt64(addresses.count))]
            case .stall:
                fault.durationSeconds = uniform(stallSeconds)
            case .busErrors:
                fault.durationSeconds = uniform(busErrorSeconds)
                fault.errorRate = uniform(busErrorRates)
            case .diskFull:
                fault.durationSeconds = uniform(diskFullSeconds)
            }
            // A fault must end (and leave its trace) before the run does.
            guard t + fault.durationSeconds + 30 < seconds else { break }
            if kind != .sensorLoss || fault.address != nil { faults.append(fault) }
            t += fault.durationSeconds + uniform(faults.count <= firstKinds.count ? firstRoundQuietSeconds : quietSeconds)
        }
        return FaultSchedule(seed: seed, faults: faults)
    }
}

/// Applies a fault schedule to a simulated wearable as its run goes.
///
/// Called between the daemon's slices (``SimulatedWearable/run(seconds:speed:shouldStop:)``
/// stops at ``nextChangeNs``). A stall is held back while the buzzer line is on: in the
/// simulator the buzzer is served on the acquisition thread, so a stall there would stretch
/// a pulse, which cannot happen on the board, where the buzzer has its own thread.
public final class FaultInjector {
    /// The faults, with the times they were applied and ended filled in as the run goes.
    public private(set) var faults: [InjectedFault]
    private let originNs: UInt64
    private var next = 0
    /// The fault in progress and when it ends, ns.
    private var active: (index: Int, endNs: UInt64)?
    /// Called with a line for each fault as it starts.
    public var onApply: ((InjectedFault) -> Void)?

    /// Prepares `schedule`, its times counted from `originNs` (the daemon's start).
    public init(schedule: FaultSchedule, originNs: UInt64) {
        faults = schedule.faults
        self.originNs = originNs
    }

    /// When something is next due, ns (nil: nothing left).
    public var nextChangeNs: UInt64? {
        if let active { return active.endNs }
        guard next < faults.count else { return nil }
        return originNs + UInt64(faults[next].startSeconds * 1e9)
    }

    /// Applies what is due at the wearable's clock.
    public func apply(to wearable: SimulatedWearable) {
        let clock = wearable.rig.clock
        if let current = active, clock.nowNs >= current.endNs {
            end(current.index, wearable)
            active = nil
        }
        guard active == nil, next < faults.count, clock.nowNs >= originNs + UInt64(faults[next].startSeconds * 1e9) else { return }
        let index = next
        let fault = faults[index]
        let now = clock.nowNs
        let durationNs = UInt64(fault.durationSeconds * 1e9)
        switch fault.kind {
        case .stall:
            guard !wearable.rig.buzzer.isActive else { return }  // held back (see above); tried again next slice
            clock.advance(by: durationNs)
            faults[index].appliedAtNs = now
            faults[index].endedAtNs = clock.nowNs
            next += 1
            onApply?(faults[index])
            return
        case .sensorLoss:
            if let address = fault.address { wearable.rig.bus.disconnect(address, fromNs: now, untilNs: now + durationNs) }
        case .busErrors:
            wearable.rig.bus.faults.errorRate = fault.errorRate ?? 0
        case .diskFull:
            // A cap below the record's size holds it at its size: no new page fits.
            wearable.daemon.limitRunRecord(pages: 1)
        }
        faults[index].appliedAtNs = now
        active = (index, now + durationNs)
        next += 1
        onApply?(faults[index])
    }

    private func end(_ index: Int, _ wearable: SimulatedWearable) {
        switch faults[index].kind {
        case .busErrors: wearable.rig.bus.faults.errorRate = 0
        case .diskFull: wearable.daemon.limitRunRecord(pages: nil)
        case .sensorLoss, .stall: break  // the bus window ends by itself; a stall is instant
        }
        faults[index].endedAtNs = wearable.rig.clock.nowNs
    }
}
