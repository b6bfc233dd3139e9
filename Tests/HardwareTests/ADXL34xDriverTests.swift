import Hardware
import HardwareSim
import StrideCore
import Testing

@Suite("ADXL345/ADXL375 driver against its register-level model")
struct ADXL34xDriverTests {
    let clock = VirtualClock()
    let bus: SimI2CBus
    let line: SimEdgeLine

    init() {
        bus = SimI2CBus(clock: clock)
        line = SimEdgeLine(clock: clock)
    }

    func makeChip(_ chip: ChipModel = .adxl345, source: any SignalSource = TestSignal()) -> SimADXL34x {
        let model = SimADXL34x(chip: chip, address: 0x53, clock: clock, source: source, line: line)
        bus.attach(model)
        return model
    }

    @Test func probeIdentifiesTheChipAndNothingElse() {
        _ = makeChip()
        let results = DriverTable.scan(bus: bus)
        #expect(results.contains(.identified(address: 0x53, family: .adxl34x, id: 0xe5)))
        #expect(results.contains(.nothing(address: 0x1d)))
        #expect(results.contains(.nothing(address: 0x6a)))
    }

    @Test func configureWritesTheExpectedRegisterSequence() throws {
        _ = makeChip()
        let driver = ADXL34xDriver(chip: .adxl345, bus: bus, address: 0x53, clock: clock)
        bus.clearTrace()
        let applied = try driver.configure(SensorConfiguration(dataRateHz: 800, rangeG: 16, fifoWatermark: 16, interruptPin: .int1))
        #expect(applied == AppliedConfiguration(dataRateHz: 800, rangeG: 16, fifoWatermark: 16))
        // The whole trace, register by register (ADXL345 datasheet Table 19).
        #expect(bus.trace == [
            .write(address: 0x53, register: 0x2d, value: 0x00),  // POWER_CTL standby
            .write(address: 0x53, register: 0x2e, value: 0x00),  // INT_ENABLE off while configuring
            .write(address: 0x53, register: 0x2c, value: 0x0d),  // BW_RATE 800 Hz
            .write(address: 0x53, register: 0x31, value: 0x0b),  // DATA_FORMAT full-res ±16 g
            .write(address: 0x53, register: 0x38, value: 0x00),  // FIFO_CTL bypass (clear)
            .write(address: 0x53, register: 0x38, value: 0x90),  // FIFO_CTL stream, watermark 16
            .write(address: 0x53, register: 0x2f, value: 0x00),  // INT_MAP: all to INT1
            .write(address: 0x53, register: 0x2e, value: 0x03),  // INT_ENABLE watermark + overrun
        ])
    }

    @Test func rejectsWhatTheChipCannotDo() {
        _ = makeChip()
        let driver = ADXL34xDriver(chip: .adxl345, bus: bus, address: 0x53, clock: clock)
        #expect(throws: HardwareError.self) { try driver.configure(SensorConfiguration(dataRateHz: 800, rangeG: 32, fifoWatermark: 16)) }
        #expect(throws: HardwareError.self) { try driver.configure(SensorConfiguration(dataRateHz: 5000, rangeG: 16, fifoWatermark: 16)) }
        #expect(throws: HardwareError.self) { try driver.configure(SensorConfiguration(dataRateHz: 800, rangeG: 16, fifoWatermark: 32)) }
    }

    @Test func wrongChipIsNamed() throws {
        let other = SimADXL34x(address: 0x1d, clock: clock, source: TestSignal())
        bus.attach(other)
        // An LIS3DH driver pointed at an ADXL: its WHO_AM_I register holds something else.
        let driver = ADXL34xDriver(chip: .adxl345, bus: bus, address: 0x1d, clock: clock)
        try driver.verifyIdentity()
        let missing = ADXL34xDriver(chip: .adxl345, bus: bus, address: 0x53, clock: clock)
        #expect(throws: HardwareError.bus(I2CError(.noAcknowledge, bus: bus.name, address: 0x53, register: 0x00, errno: 6))) {
            try missing.verifyIdentity()
        }
    }

    @Test func drainDeliversEverySampleAtItsTime() throws {
        let model = makeChip()
        let driver = ADXL34xDriver(chip: .adxl345, bus: bus, address: 0x53, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 800, rangeG: 16, fifoWatermark: 16))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        var times: [UInt64] = []
        var trueTimes: [UInt64] = []
        let startProduced = model.core.produced
        for _ in 0..<50 {
            guard let edge = try line.waitForEdge(timeoutNs: 100_000_000) else {
                Issue.record("no watermark interrupt")
                return
            }
            #expect(edge.rising)
            let fifoBefore = model.core.fifo.map(\.timeNs)
            let result = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs)
            #expect(!result.overrun)
            times += buffer.prefix(result.count).map(\.timeNs)
            trueTimes += fifoBefore.prefix(result.count)
        }
        let delivered = times.count
        #expect(UInt64(delivered) + UInt64(model.core.fifo.count) == model.core.produced - startProduced)
        #expect(delivered >= 50 * 16)
        // Each sample's time equals the time the model produced it (to the ns rounding of
        // an 800 Hz period).
        let worst = zip(times, trueTimes).map { $0 > $1 ? $0 - $1 : $1 - $0 }.max() ?? 0
        #expect(worst <= 2, "worst timestamp error \(worst) ns")
        #expect(driver.statistics.samples == UInt64(delivered))
    }

    @Test func timestampsFollowASlowOscillator() throws {
        let model = makeChip()
        model.core.rateError = 0.03  // the chip runs 3 % slow
        let driver = ADXL34xDriver(chip: .adxl345, bus: bus, address: 0x53, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 800, rangeG: 16, fifoWatermark: 16))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        var worst: UInt64 = 0
        for i in 0..<400 {
            guard let edge = try line.waitForEdge(timeoutNs: 100_000_000) else { Issue.record("no interrupt"); return }
            let truth = model.core.fifo.map(\.timeNs)
            let n = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs).count
            if i > 100 {  // after the period estimate has settled
                for (t, u) in zip(buffer.prefix(n).map(\.timeNs), truth) { worst = max(worst, t > u ? t - u : u - t) }
            }
        }
        // Under a tenth of a sample period (1.25 ms at 800 Hz).
        #expect(worst < 125_000, "worst timestamp error \(worst) ns")
    }

    @Test func overrunIsDetectedCountedAndRecovered() throws {
        let model = makeChip()
        let driver = ADXL34xDriver(chip: .adxl345, bus: bus, address: 0x53, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 800, rangeG: 16, fifoWatermark: 16))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        // Fall behind by 100 ms: 80 samples arrive into a 32-entry FIFO.
        clock.advance(by: 100_000_000)
        let result = try driver.drain(into: buffer, interruptTimeNs: nil, nowNs: clock.nowNs)
        #expect(result.overrun)
        #expect(result.count == 32)
        #expect(buffer[0].flags.contains(.afterGap))
        #expect(driver.statistics.overruns == 1)
        #expect(model.core.fifo.count < 16)  // drained below the watermark, nothing thrown away
        // After recovery, watermark interrupts resume and carry no gap. The edge queued
        // while we were behind is stale (as in the kernel's queue): it drains little.
        var next = DrainResult()
        for _ in 0..<3 where next.count < 16 {
            guard let edge = try line.waitForEdge(timeoutNs: 100_000_000) else { Issue.record("no interrupt after recovery"); return }
            next = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs)
            #expect(!next.overrun)
        }
        #expect(next.count >= 16)
        #expect(!buffer[0].flags.contains(.afterGap))
        #expect(driver.statistics.overruns == 1)
    }

    @Test func samplesAtFullScaleAreFlaggedClipped() throws {
        let signal = TestSignal(amplitudeG: 0, offset: Vector3(x: 0, y: 0, z: 30))  // 31 g on Z
        _ = makeChip(.adxl345, source: signal)
        let driver = ADXL34xDriver(chip: .adxl345, bus: bus, address: 0x53, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 800, rangeG: 16, fifoWatermark: 16))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        let edge = try #require(try line.waitForEdge(timeoutNs: 100_000_000))
        let result = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs)
        #expect(result.clippedSamples == result.count)
        #expect(buffer[0].flags.contains(.clipped))
        #expect(abs(buffer[0].accel.z - 16) < 0.1)
    }

    @Test func adxl375MeasuresTibialShockUnclipped() throws {
        let signal = TestSignal(amplitudeG: 0, offset: Vector3(x: 0, y: 0, z: 24))  // 25 g: overground PTA
        _ = makeChip(.adxl375, source: signal)
        let driver = ADXL34xDriver(chip: .adxl375, bus: bus, address: 0x53, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 1600, rangeG: 200, fifoWatermark: 16))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        let edge = try #require(try line.waitForEdge(timeoutNs: 100_000_000))
        let result = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs)
        #expect(result.clippedSamples == 0)
        #expect(abs(buffer[0].accel.z - 25) < 0.05)  // one LSB is 49 mg
    }

    @Test func selfTestPassesOnAHealthyChipAndFailsOnAStuckOne() throws {
        let model = makeChip()
        let driver = ADXL34xDriver(chip: .adxl345, bus: bus, address: 0x53, clock: clock)
        let report = try driver.selfTest()
        #expect(report.passed)
        #expect(abs(report.change.z - 1.5) < 0.05)
        model.selfTestForce = .zero  // a chip whose proof mass is stuck
        #expect(throws: HardwareError.self) { try driver.selfTest() }
    }

    @Test func aSensorVanishingMidDrainGivesATypedError() throws {
        _ = makeChip()
        let driver = ADXL34xDriver(chip: .adxl345, bus: bus, address: 0x53, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 800, rangeG: 16, fifoWatermark: 16))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        let edge = try #require(try line.waitForEdge(timeoutNs: 100_000_000))
        bus.disconnect(0x53, fromNs: clock.nowNs + 200_000, untilNs: clock.nowNs + 10_000_000_000)  // gone after a few transfers
        do {
            _ = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs)
            Issue.record("drain should have failed")
        } catch {
            guard case .bus(let e) = error else { Issue.record("unexpected \(error)"); return }
            #expect(e.failure == .noAcknowledge)
            #expect(e.address == 0x53)
            #expect(e.register == 0x32 || e.register == 0x39)
        }
    }

    @Test func twoSensorsShareOneBusAtTheirTwoAddresses() throws {
        // Left shank at 0x53 (ALT low), right at 0x1d (ALT high), each with its own INT line.
        let rightLine = SimEdgeLine(clock: clock)
        let left = makeChip(.adxl375)
        let right = SimADXL34x(chip: .adxl375, address: 0x1d, clock: clock, source: TestSignal(amplitudeG: 2), line: rightLine)
        bus.attach(right)
        let drivers = [ADXL34xDriver(chip: .adxl375, bus: bus, address: 0x53, clock: clock),
                       ADXL34xDriver(chip: .adxl375, bus: bus, address: 0x1d, clock: clock)]
        for driver in drivers {
            _ = try driver.configure(SensorConfiguration(dataRateHz: 800, rangeG: 200, fifoWatermark: 16))
            try driver.start()
        }
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        var delivered = [0, 0]
        let lines = [line, rightLine]
        // Serve whichever line fires, as the acquisition thread will, for one simulated second.
        let start = clock.nowNs
        while clock.nowNs - start < 1_000_000_000 {
            for (i, l) in lines.enumerated() {
                guard let edge = try l.waitForEdge(timeoutNs: 0) else { continue }
                delivered[i] += try drivers[i].drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs).count
            }
            clock.advance(by: 1_000_000)
        }
        for (i, model) in [left, right].enumerated() {
            #expect(UInt64(delivered[i] + model.core.fifo.count) == model.core.produced, "sensor \(i)")
            #expect(drivers[i].statistics.overruns == 0)
        }
        #expect(delivered.allSatisfy { $0 >= 780 })
    }
}
