import Foundation
import Hardware
import HardwareSim
import Logging
import StrideCore
import StrideDaemon

/// The whole daemon worn by the virtual runner: the scenario's runner feeds register-level
/// chip models on a simulated bus, and the very same ``Daemon`` that runs on the board
/// reads them through a ``SimPlatform``. Used by `strideguard simulate` and by the tests.
public final class SimulatedWearable {
    /// The virtual runner.
    public let runner: VirtualRunner
    /// The simulated hardware.
    public let rig: SimulatedRig
    /// The hardware as the daemon sees it.
    public let platform: SimPlatform
    /// The daemon.
    public let daemon: Daemon
    /// The configuration in use.
    public let configuration: DaemonConfiguration
    /// Every gait event the daemon detected, in the order it reported them.
    public private(set) var detectedEvents: [GaitEvent] = []
    /// Every alert with the virtual time it came.
    public private(set) var alerts: [CompensationAlert] = []
    /// Faults to inject as the run goes (`simulate --faults random`), nil for none.
    public var faultInjector: FaultInjector?
    /// The longest on-step of the patterns in force so far, ms (a reload may lengthen it).
    public var longestPatternOnMs: Double

    /// Creates the wearable for `scenario`. The configuration's sensors must sit at the
    /// rig's addresses (ADXL375 shanks at 0x53 and 0x1d, LSM6DSO32 sacrum at 0x6a); their
    /// interrupt lines and the buzzer line are wired to the rig's simulated GPIO lines.
    /// The daemon notifies the service manager named by this process's NOTIFY_SOCKET (none
    /// when unset), so a test can watch a `simulate` process as systemd would.
    public init(scenario: Scenario, configuration: DaemonConfiguration, tags: [(key: String, value: String)] = [],
                configurationYAML: String = "", recordSamples: Bool = true, recordPageLimit: Int? = nil, logger: Logger) {
        runner = VirtualRunner(scenario: scenario)
        rig = SimulatedRig.running(runner)
        // The bus's access trace is for register-level tests; over a long run it would grow
        // by tens of kilobytes a second.
        rig.bus.tracing = false
        platform = SimPlatform(rig: rig)
        for sensor in configuration.sensors {
            if let line = sensor.interrupt {
                platform.wireInterrupt(of: sensor.address, toChip: line.chip, offset: UInt32(clamping: line.line))
            }
        }
        if let buzzer = configuration.buzzer {
            platform.buzzerLine = (buzzer.line.chip, UInt32(clamping: buzzer.line.line))
        }
        self.configuration = configuration
        longestPatternOnMs = RunFigures.longestOnStepMs(configuration.patterns)
        var options = Daemon.Options(mode: "simulate", tags: tags, configurationYAML: configurationYAML,
                                     buzzerThread: false, recordSamples: recordSamples)
        options.recordPageLimit = recordPageLimit
        daemon = Daemon(configuration: configuration, platform: platform, options: options,
                        logger: logger, notifier: SystemdNotifier())
        daemon.onGaitEvent = { [unowned self] event in self.detectedEvents.append(event) }
        daemon.onAlert = { [unowned self] alert in self.alerts.append(alert) }
    }

    /// The README's wiring plus the sacrum sensor (LSM6DSO32 at 0x6a on GPIO22), recording
    /// into `runDirectory`.
    public static func defaultConfiguration(runDirectory: String, withSacrum: Bool = false) -> DaemonConfiguration {
        var configuration = DaemonConfiguration.readmeWiring
        configuration.runDirectory = runDirectory
        if withSacrum {
            configuration.sensors.append(SensorSettings(name: "sacrum", placement: .sacrum, address: 0x6a, chip: .lsm6dso32,
                                                        interrupt: GPIOLineSettings(line: 22), dataRateHz: 208, rangeG: 16))
        }
        return configuration
    }

    /// Starts the daemon (sensors, run record, buzzer).
    public func start() throws(DaemonError) {
        try daemon.start()
    }

    /// Runs the scenario to its end (or `seconds` of it). `speed` slows the virtual clock to
    /// `speed` times real time (1 = real time); nil runs as fast as the machine allows.
    public func run(seconds: Double? = nil, speed: Double? = nil, shouldStop: @escaping () -> Bool = { false }) {
        let end = seconds.map { rig.clock.nowNs + UInt64($0 * 1e9) } ?? runner.endNs
        guard let speed, speed > 0 else {
            // In slices that end where the fault schedule changes something.
            while rig.clock.nowNs < end && !shouldStop() {
                daemon.run(untilNs: min(end, nextFaultChangeNs()), shouldStop: shouldStop)
                faultInjector?.apply(to: self)
            }
            return
        }
        // Paced: advance the virtual clock in slices, sleeping so that it keeps to the wall clock.
        let slice: UInt64 = 20_000_000
        let wallStart = DispatchTime.now().uptimeNanoseconds
        let virtualStart = rig.clock.nowNs
        while rig.clock.nowNs < end && !shouldStop() {
            daemon.run(untilNs: min(end, rig.clock.nowNs + slice, nextFaultChangeNs()), shouldStop: shouldStop)
            faultInjector?.apply(to: self)
            let due = wallStart + UInt64(Double(rig.clock.nowNs - virtualStart) / speed)
            let now = DispatchTime.now().uptimeNanoseconds
            if due > now { usleep(UInt32(min(UInt64(UInt32.max), (due - now) / 1000))) }
        }
    }

    /// When the fault schedule next changes something (at least 1 ms ahead: a stall held
    /// back while the buzzer is on is tried again a little later), .max without one.
    private func nextFaultChangeNs() -> UInt64 {
        guard let next = faultInjector?.nextChangeNs else { return .max }
        return max(next, rig.clock.nowNs + 1_000_000)
    }

    /// Stops the daemon: run record closed, buzzer off.
    public func stop(reason: String = "end of scenario") {
        daemon.stop(reason: reason)
    }

    /// The run against the runner's ground truth.
    public func score(wallSeconds: Double, faultSeed: UInt64? = nil) -> SimulationScore {
        var score = SimulationScore(runner: runner, detected: detectedEvents, alerts: alerts, buzzer: rig.buzzer.transitions,
                                    simulatedSeconds: runner.seconds(rig.clock.nowNs), wallSeconds: wallSeconds,
                                    placements: configuration.sensors.map(\.placement), buzzerStatistics: daemon.buzzerStatistics)
        score.daemon = RunFigures(
            eventsDetected: daemon.eventCount, stridesDetected: daemon.status.strides,
            buzzerLongestOnMs: RunFigures.longestOnMs(rig.buzzer.transitions, nowNs: rig.clock.nowNs),
            buzzerOnAtEnd: rig.buzzer.isActive, longestPatternOnMs: longestPatternOnMs,
            recordDiskFullPauses: daemon.recordDiskFullPauses, recordDroppedRecords: daemon.recordDroppedRecords,
            injectedFaults: faultInjector?.faults ?? [], faultSeed: faultSeed)
        return score
    }
}
