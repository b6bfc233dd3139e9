// The whole daemon in steady state on the virtual runner: two ADXL375 shanks at 800 Hz,
// after 10 simulated minutes of warm-up (sensors up, calibration, baseline learnt, run
// record open), with raw-sample recording on and off.
//
// ONE ITERATION = 1 simulated second = 1600 samples (800 per shank), 100 FIFO interrupts.
// - mallocCountTotal / 1600 = whole-process allocations per sample (every thread: the
//   acquisition/analysis thread and the run recorder's writer thread with SQLite).
// - wallClock includes the simulated chips and the virtual runner, which the
//   board does not run.
// - "wake service" (custom, one value per FIFO interrupt, ns): from the moment the
//   acquisition thread wakes for an interrupt until it waits again (drain, stride core,
//   hand-off to recorder and buzzer, housekeeping). "wake service outside the bus" is the
//   same minus the time inside the simulated bus (register emulation here; on the board
//   that part is the I2C transfer itself, bus time computed in docs/PERFORMANCE.md).
//   Interrupt-to-result latency on the board = kernel wake-up + this service time.
//
// Resident memory of the daemon alone (without `simulate`'s list of every detected event,
// kept there to score the run against the ground truth):
//   DAEMON_STEADY_STATE_RSS_HOURS=6 .build/release/DaemonSteadyState
// runs that many simulated hours with raw samples recorded and prints, once a simulated
// minute, the simulated second and VmRSS in kB (scripts/measure-daemon.sh uses it).
import Benchmark
import Foundation

let serviceMetric = BenchmarkMetric.custom("wake service (ns)", polarity: .prefersSmaller, useScalingFactor: false)
let ownMetric = BenchmarkMetric.custom("wake service outside the bus (ns)", polarity: .prefersSmaller, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    if let text = ProcessInfo.processInfo.environment["DAEMON_STEADY_STATE_RSS_HOURS"], let hours = Double(text) {
        printResidentMemory(hours: hours)
        exit(0)
    }
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, serviceMetric, ownMetric],
        warmupIterations: 2,
        maxDuration: .seconds(10),
        maxIterations: 300
    )
    // Control: the harness's own allocations and wake metrics with no daemon at all, to be
    // subtracted from the cases below.
    Benchmark("control: empty iteration") { benchmark in
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations { blackHole(i) }
        benchmark.stopMeasurement()
    }
    for recordSamples in [true, false] {
        // The framework's teardown gets no setup state: keep the rig here to stop it.
        let started = StartedRig()
        let title = "whole daemon, 1 s of two shanks at 800 Hz, raw samples \(recordSamples ? "recorded" : "not recorded")"
        Benchmark(title) { (benchmark: Benchmark, rig: DaemonOnRunner) in
            rig.platform.log.reset()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                rig.run(seconds: 1)
            }
            benchmark.stopMeasurement()
            // Reported after the measured stretch: handing values to the framework allocates.
            let log = rig.platform.log
            for i in 0..<log.count {
                benchmark.measurement(serviceMetric, Int(log.serviceNs[i]))
                benchmark.measurement(ownMetric, Int(log.serviceNs[i] &- min(log.serviceNs[i], log.inBusNs[i])))
            }
        } setup: {
            guard let rig = DaemonOnRunner(recordSamples: recordSamples, warmUpSeconds: 600) else {
                fatalError("DaemonSteadyState: cannot start the daemon on the virtual runner (scenario missing?)")
            }
            started.rig = rig
            return rig
        } teardown: {
            started.rig?.stop()
            started.rig = nil
        }
    }
}

/// The rig a benchmark started, for its teardown.
final class StartedRig {
    var rig: DaemonOnRunner?
}

/// The RSS mode: the daemon alone for `hours` simulated hours, VmRSS once a simulated minute.
func printResidentMemory(hours: Double) {
    guard let rig = DaemonOnRunner(recordSamples: true, warmUpSeconds: 0) else {
        fatalError("DaemonSteadyState: cannot start the daemon on the virtual runner (scenario missing?)")
    }
    for minute in 1...max(1, Int(hours * 60)) {
        rig.run(seconds: 60)
        rig.platform.log.reset()
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?
            .split(separator: " ").dropFirst().first ?? "?"
        print("\(minute * 60)\t\(rss)")
        fflush(nil)  // the script reads these lines as they come
    }
    rig.stop()
}
