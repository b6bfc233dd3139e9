// Alert-to-buzzer latency as on the board: a cue handed to BuzzerDriver.play(_:) from this
// thread, the driver's own thread (started as `strideguard run` starts it) waking and
// driving the line. Real threads and the real CLOCK_MONOTONIC: the virtual clock of
// `simulate` would show 0, because there the buzzer is served on the acquisition thread
// as virtual time passes.
//
// ONE ITERATION = one cue: "cue to line on (ns)" (custom, one value per cue) is from the
// play(_:) call to the moment the line's set(active: true) runs. The pattern is one 1 ms
// pulse with no gap after it, so cues do not queue behind each other; the measuring thread
// waits for the line to go off again before the next cue, so the buzzer thread is asleep
// (as it is between cues on the board) when each cue arrives.
// Not included: the analysis thread's work from the alert to play(_:) (the alert's words
// and one log line) and the GPIO ioctl on the board (the line here is in memory).
import Benchmark
import Dispatch
import Hardware
import Logging
import StrideDaemon

let cueToLineOn = BenchmarkMetric.custom("cue to line on (ns)", polarity: .prefersSmaller, useScalingFactor: false)

/// A buzzer line in memory that notes when it turns on and tells the measuring thread.
final class WatchedLine: OutputLine, @unchecked Sendable {
    let name = "benchmark:buzzer"
    let clock = SystemMonotonicClock()
    /// Written by the buzzer thread before `turnedOn` is signalled, read after the wait.
    private(set) var onAtNs: UInt64 = 0
    private(set) var isActive = false
    let turnedOn = DispatchSemaphore(value: 0)
    let turnedOff = DispatchSemaphore(value: 0)

    func set(active: Bool) throws(GPIOError) {
        guard active != isActive else { return }
        isActive = active
        if active {
            onAtNs = clock.nowNs
            turnedOn.signal()
        } else {
            turnedOff.signal()
        }
    }
}

/// The driver with its thread running, playing a 1 ms pulse for the left cue.
final class BuzzerOnsetRig {
    let line = WatchedLine()
    let driver: BuzzerDriver

    init() {
        let pulse: [Cue: BuzzerPattern] = [.leftCompensating: BuzzerPattern(alternatingMs: [1])]
        driver = BuzzerDriver(line: line, clock: line.clock, player: BuzzerPlayer(patterns: pulse, gapNs: 0),
                              logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        guard driver.start() else { fatalError("BuzzerOnset: the buzzer thread did not start") }
    }

    /// Plays one cue; returns ns from the request to the line turning on.
    func oneCue() -> UInt64 {
        let asked = line.clock.nowNs
        driver.play(.leftCompensating)
        line.turnedOn.wait()
        let latency = line.onAtNs &- asked
        line.turnedOff.wait()
        return latency
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, cueToLineOn],
        maxDuration: .seconds(5),
        maxIterations: 3000
    )
    let started = StartedBuzzer()
    Benchmark("cue to buzzer line on, driver thread (1 ms pulse per cue)") { (benchmark: Benchmark, rig: BuzzerOnsetRig) in
        var latency: UInt64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            latency = rig.oneCue()
        }
        benchmark.stopMeasurement()
        benchmark.measurement(cueToLineOn, Int(latency))
    } setup: {
        let rig = BuzzerOnsetRig()
        started.rig = rig
        return rig
    } teardown: {
        started.rig?.driver.stop()
        started.rig = nil
    }
}

/// The rig the benchmark started, for its teardown.
final class StartedBuzzer {
    var rig: BuzzerOnsetRig?
}
