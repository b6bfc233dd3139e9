// The whole daemon (acquisition, drivers, stride core, run recorder, buzzer) on the virtual
// runner, built as `strideguard simulate` builds it (DaemonSimulation's SimulatedWearable)
// but on a WakeTimingPlatform, so that each FIFO wake-up can be timed from outside.
import Foundation
import Hardware
import HardwareSim
import Logging
import StrideDaemon

/// Two ADXL375 shanks at 800 Hz, watermark 16 (the README's wiring), the buzzer on the
/// simulated GPIO line, the run record in a temporary folder.
final class DaemonOnRunner {
    /// Longest stretch run at a time, s: sizes the wake log (about 100 wakes a second).
    static let maximumStretchSeconds = 10
    let platform: WakeTimingPlatform
    let daemon: Daemon
    let clock: VirtualClock
    let runDirectory: String

    init?(recordSamples: Bool, warmUpSeconds: Double) {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        guard let scenario = try? ScenarioParser.load(path: root.appendingPathComponent("config/scenarios/long-symmetric-8h.yaml").path)
        else { return nil }
        let runner = VirtualRunner(scenario: scenario)
        let rig = SimulatedRig.running(runner)
        rig.bus.tracing = false  // the register trace is for tests; it grows without bound
        let sim = SimPlatform(rig: rig)
        runDirectory = NSTemporaryDirectory() + "strideguard-bench-\(getpid())-\(recordSamples ? "raw" : "analysis")"
        try? FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        var configuration = DaemonConfiguration.readmeWiring
        configuration.runDirectory = runDirectory
        for sensor in configuration.sensors {
            if let line = sensor.interrupt {
                sim.wireInterrupt(of: sensor.address, toChip: line.chip, offset: UInt32(clamping: line.line))
            }
        }
        if let buzzer = configuration.buzzer {
            sim.buzzerLine = (buzzer.line.chip, UInt32(clamping: buzzer.line.line))
        }
        platform = WakeTimingPlatform(sim, capacity: Self.maximumStretchSeconds * 400)
        clock = rig.clock
        // As simulate: the buzzer is served on the acquisition thread as the virtual clock passes.
        let options = Daemon.Options(mode: "simulate", buzzerThread: false, recordSamples: recordSamples)
        daemon = Daemon(configuration: configuration, platform: platform, options: options,
                        logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        do { try daemon.start() } catch { return nil }
        run(seconds: warmUpSeconds)
        platform.log.reset()
    }

    /// Runs `seconds` of virtual time (as fast as this machine computes it).
    func run(seconds: Double) {
        daemon.run(untilNs: clock.nowNs + UInt64(seconds * 1e9))
        platform.closeWake()
    }

    func stop() {
        daemon.stop(reason: "benchmark done")
        try? FileManager.default.removeItem(atPath: runDirectory)
    }
}
