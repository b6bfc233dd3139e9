import Hardware
import HardwareSim
import StrideDaemon
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let ms: UInt64 = 1_000_000

/// The simulator's way: no thread, service at every change on the virtual clock.
private func runSimulated(_ driver: BuzzerDriver, _ clock: VirtualClock, untilNs endNs: UInt64) {
    while let next = driver.nextChangeNs, next <= endNs {
        clock.advance(to: next)
        driver.service()
    }
}

@Suite("buzzer driver")
struct BuzzerDriverTests {
    @Test func onTheVirtualClockTheOnsetIsImmediateAndThePatternExact() {
        let clock = VirtualClock()
        let line = SimOutputLine(clock: clock)
        let driver = BuzzerDriver(line: line, clock: clock)
        // An alert at an arbitrary instant, as the pipeline would raise it.
        clock.advance(to: 3_013_700_000)
        let alertNs = clock.nowNs
        #expect(driver.play(.rightCompensating) == .startsNow)
        runSimulated(driver, clock, untilNs: alertNs + 10_000 * ms)
        let onset = (line.transitions.first?.timeNs ?? 0) - alertNs
        print("buzzer: alert to onset on the simulated line (virtual clock): \(Double(onset) / 1e6) ms")
        #expect(onset == 0)
        #expect(driver.statistics.lastOnsetLatencyNs == 0)
        // Default right pattern: on 500, off 200, on 500.
        #expect(line.transitions.map { $0.timeNs - alertNs } == [0, 500 * ms, 700 * ms, 1200 * ms])
        #expect(line.transitions.map(\.active) == [true, false, true, false])
        #expect(!line.isActive)
    }

    @Test func aCueDuringAPatternWaitsForItAndTheGap() {
        let clock = VirtualClock()
        let line = SimOutputLine(clock: clock)
        let player = BuzzerPlayer(patterns: [.sensorsUp: BuzzerPattern(alternatingMs: [100]), .sensorFault: BuzzerPattern(alternatingMs: [300])], gapNs: 400 * ms)
        let driver = BuzzerDriver(line: line, clock: clock, player: player)
        let t0 = clock.nowNs
        driver.play(.sensorsUp)
        clock.advance(by: 30 * ms)
        #expect(driver.play(.sensorFault) == .queued)
        runSimulated(driver, clock, untilNs: t0 + 10_000 * ms)
        #expect(line.transitions.map { $0.timeNs - t0 } == [0, 100 * ms, 500 * ms, 800 * ms])
        #expect(driver.statistics.patternsStarted == 2)
        // The fault's latency includes its wait behind sensors-up: 500 - 30 ms.
        #expect(driver.statistics.lastOnsetLatencyNs == 470 * ms)
    }

    @Test func aFailedSetIsRetriedNotFatal() {
        let clock = VirtualClock()
        let line = SimOutputLine(clock: clock)
        let driver = BuzzerDriver(line: line, clock: clock)
        line.failNextSets = 2
        let t0 = clock.nowNs
        driver.play(.baselineLearnt)
        #expect(line.transitions.isEmpty)
        #expect(driver.nextChangeNs == t0 + BuzzerDriver.retryIntervalNs)
        runSimulated(driver, clock, untilNs: t0 + 10_000 * ms)
        #expect(driver.statistics.setFailures == 2)
        #expect(line.transitions.first?.timeNs == t0 + 2 * BuzzerDriver.retryIntervalNs)
        #expect(line.transitions.last?.active == false)
        #expect(!line.isActive)
    }

    @Test func stopAndDeinitDriveTheLineOff() {
        let clock = VirtualClock()
        let line = SimOutputLine(clock: clock)
        let driver = BuzzerDriver(line: line, clock: clock)
        driver.play(.sensorFault)
        #expect(line.isActive)
        // Off even when the first attempt fails.
        line.failNextSets = 1
        driver.stop()
        #expect(!line.isActive)
        #expect(driver.play(.leftCompensating) == .dropped)
        #expect(!line.isActive)

        let line2 = SimOutputLine(clock: clock)
        do {
            let scoped = BuzzerDriver(line: line2, clock: clock)
            scoped.play(.sensorFault)
            #expect(line2.isActive)
        }
        #expect(!line2.isActive)
    }

    @Test func withARealThreadTheOnsetIsWellUnder50ms() throws {
        let clock = SystemMonotonicClock()
        let line = SimOutputLine(name: "sim-gpio:buzzer(real time)", clock: clock)
        let player = BuzzerPlayer(patterns: [.sensorsUp: BuzzerPattern(alternatingMs: [15])], gapNs: 5 * ms)
        let driver = BuzzerDriver(line: line, clock: clock, player: player)
        #expect(driver.start())
        var requests: [UInt64] = []
        for _ in 0..<20 {
            requests.append(clock.nowNs)
            driver.play(.sensorsUp)
            // Idle again before the next cue: 15 ms on, 5 ms gap, and some slack.
            clock.sleep(untilNs: clock.nowNs + 40 * ms)
        }
        clock.sleep(untilNs: clock.nowNs + 40 * ms)
        let stats = driver.statistics
        driver.stop()
        let onsets = line.transitions.filter(\.active).map(\.timeNs)
        try #require(onsets.count == requests.count)
        let latencies = zip(onsets, requests).map { Double($0 - $1) / 1e6 }.sorted()
        let median = latencies[latencies.count / 2]
        let worst = latencies.last ?? 0
        print("buzzer: alert to onset with the real thread on a SimOutputLine (CLOCK_MONOTONIC), \(latencies.count) cues: median \(median) ms, worst \(worst) ms; driver's own max \(Double(stats.maxOnsetLatencyNs ?? 0) / 1e6) ms")
        #expect(stats.patternsStarted == requests.count)
        #expect(!line.isActive)
        // Only a loose bound: shared CI machines stall threads for tens of ms.
        #expect(worst < 1000)
    }

    @Test func theThreadFollowsThePatternAndStopsMidPattern() {
        let clock = SystemMonotonicClock()
        let line = SimOutputLine(clock: clock)
        let driver = BuzzerDriver(line: line, clock: clock)
        driver.start()
        driver.play(.sensorFault) // 1500 ms on
        clock.sleep(untilNs: clock.nowNs + 50 * ms)
        driver.stop()
        #expect(line.transitions.map(\.active) == [true, false])
        #expect(!line.isActive)
    }
}
