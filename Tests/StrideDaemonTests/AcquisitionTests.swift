import Hardware
import HardwareSim
import StrideCore
import StrideDaemon
import Testing

/// Acquisition on the simulated rig: the same code `strideguard run` uses on the board.
@Suite("Acquisition and sensor supervision")
struct AcquisitionTests {
    /// Two ADXL375 shanks with their interrupts on GPIO17/27 and an LSM6DSO32 at the
    /// sacrum that is polled (no interrupt line), as a board might be wired.
    final class Bench {
        let rig = SimulatedRig.standard()
        let platform: SimPlatform
        var samples: [Placement: [IMUSample]] = [:]
        var events: [AcquisitionEvent] = []
        var acquisition: Acquisition?

        init(pollSacrum: Bool = true) {
            platform = SimPlatform(rig: rig)
            platform.wireInterrupt(of: 0x53, toChip: "/dev/gpiochip0", offset: 17)
            platform.wireInterrupt(of: 0x1d, toChip: "/dev/gpiochip0", offset: 27)
            let shank = SensorConfiguration(dataRateHz: 800, rangeG: 200, fifoWatermark: 16)
            let specs = [
                SensorSpec(placement: .leftShank, chip: .adxl375, busPath: "/dev/i2c-1", address: 0x53,
                           interruptLine: GPIOLineSpec(chip: "/dev/gpiochip0", offset: 17), configuration: shank),
                SensorSpec(placement: .rightShank, chip: .adxl375, busPath: "/dev/i2c-1", address: 0x1d,
                           interruptLine: GPIOLineSpec(chip: "/dev/gpiochip0", offset: 27), configuration: shank),
                SensorSpec(placement: .sacrum, chip: .lsm6dso32, busPath: "/dev/i2c-1", address: 0x6a, interruptLine: nil,
                           configuration: SensorConfiguration(dataRateHz: 208, rangeG: 16, fifoWatermark: 16, enableGyro: true)),
            ]
            acquisition = Acquisition(platform: platform, specs: specs, onSamples: { [unowned self] placement, batch in
                self.samples[placement, default: []].append(contentsOf: batch)
            }, onEvent: { [unowned self] event in
                self.events.append(event)
            })
        }

        func run(seconds: Double) {
            let clock = rig.clock
            acquisition?.run(untilNs: clock.nowNs + UInt64(seconds * 1e9))
        }

        /// Samples of a placement whose time lies in [from, to).
        func count(_ placement: Placement, fromNs: UInt64, toNs: UInt64) -> Int {
            samples[placement, default: []].filter { $0.timeNs >= fromNs && $0.timeNs < toNs }.count
        }
    }

    @Test func everySensorDeliversEverySampleInTimeOrder() throws {
        let bench = Bench()
        let acquisition = try #require(bench.acquisition)
        acquisition.start()
        #expect(acquisition.allSensorsUp)
        let t0 = bench.rig.clock.nowNs
        bench.run(seconds: 10)
        for placement in [Placement.leftShank, .rightShank] {
            let got = bench.samples[placement, default: []]
            // 800 Hz for 10 s, minus what still sits in the FIFO below the watermark.
            #expect(got.count >= 7_980 && got.count <= 8_000, "\(placement): \(got.count)")
            #expect(zip(got, got.dropFirst()).allSatisfy { $0.timeNs < $1.timeNs })
            #expect(got.allSatisfy { !$0.flags.contains(.afterGap) })
        }
        let sacrum = bench.samples[.sacrum, default: []]
        #expect(sacrum.count >= 2_050 && sacrum.count <= 2_080, "sacrum: \(sacrum.count)")  // 208 Hz, polled
        #expect(sacrum.allSatisfy { $0.flags.contains(.hasGyro) })
        #expect(!bench.events.contains { if case .overrun = $0 { return true } else { return false } })
        _ = t0
    }

    @Test func aSensorThatVanishesForTenSecondsRejoinsWithinTwoSecondsOfItsReturn() throws {
        let bench = Bench()
        let acquisition = try #require(bench.acquisition)
        acquisition.start()
        bench.run(seconds: 5)
        let goneAt = bench.rig.clock.nowNs
        let backAt = goneAt + 10_000_000_000
        bench.rig.bus.disconnect(0x1d, fromNs: goneAt, untilNs: backAt)
        bench.run(seconds: 15)

        let lost = bench.events.compactMap { event -> UInt64? in
            if case .sensorLost(.rightShank, _, let at) = event { return at } else { return nil }
        }
        let rejoined = bench.events.compactMap { event -> (UInt64, UInt64)? in
            if case .sensorRejoined(.rightShank, let from, let until) = event { return (from, until) } else { return nil }
        }
        #expect(lost.count == 1)
        let back = try #require(rejoined.first)
        #expect(back.1 >= backAt && back.1 - backAt < 2_000_000_000, "rejoined \(Double(back.1 - backAt) / 1e6) ms after its return")
        #expect(back.0 <= goneAt + 100_000_000)
        // The right shank delivered nothing while gone, and samples again after.
        #expect(bench.count(.rightShank, fromNs: goneAt + 100_000_000, toNs: backAt) == 0)
        #expect(bench.count(.rightShank, fromNs: back.1, toNs: back.1 + 2_000_000_000) > 1_500)
        // The left shank never noticed.
        #expect(bench.count(.leftShank, fromNs: goneAt, toNs: backAt) >= 7_980)
    }

    @Test func aOnePercentBusErrorRateLosesNoSamples() throws {
        let bench = Bench()
        let acquisition = try #require(bench.acquisition)
        acquisition.start()
        bench.rig.bus.faults.errorRate = 0.01
        bench.run(seconds: 20)
        for placement in [Placement.leftShank, .rightShank] {
            let got = bench.samples[placement, default: []].count
            // A failed drain is retried: the FIFO kept the samples.
            #expect(got >= 15_960, "\(placement): \(got) of 16000")
        }
        #expect(!bench.events.contains { if case .sensorLost = $0 { return true } else { return false } })
    }

    @Test func aFIFOOverrunIsReportedAndMarkedAsAGap() throws {
        let bench = Bench()
        let acquisition = try #require(bench.acquisition)
        acquisition.start()
        bench.run(seconds: 1)
        // The acquisition thread is stalled for 200 ms (a slow SD card, say).
        bench.rig.clock.advance(by: 200_000_000)
        bench.run(seconds: 1)
        let overruns = bench.events.filter { if case .overrun = $0 { return true } else { return false } }
        #expect(overruns.count >= 2)  // both shanks: 160 samples into 32-entry FIFOs
        let left = bench.samples[.leftShank, default: []]
        #expect(left.filter { $0.flags.contains(.afterGap) }.count == 1)
        #expect(zip(left, left.dropFirst()).allSatisfy { $0.timeNs < $1.timeNs })
    }

    @Test func aSensorMissingAtStartIsReportedAndJoinsWhenItAppears() throws {
        let bench = Bench()
        let acquisition = try #require(bench.acquisition)
        let now = bench.rig.clock.nowNs
        bench.rig.bus.disconnect(0x53, fromNs: now, untilNs: now + 3_000_000_000)
        acquisition.start()
        #expect(!acquisition.allSensorsUp)
        #expect(bench.events.contains { if case .sensorFailedToStart(.leftShank, _, _) = $0 { return true } else { return false } })
        bench.run(seconds: 5)
        #expect(acquisition.allSensorsUp)
        #expect(bench.samples[.leftShank, default: []].count > 1_000)
    }
}
