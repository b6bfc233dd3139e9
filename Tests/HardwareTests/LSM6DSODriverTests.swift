import Hardware
import HardwareSim
import StrideCore
import Testing

@Suite("LSM6DSO/LSM6DSOX/LSM6DSO32 driver against its register-level model")
struct LSM6DSODriverTests {
    let clock = VirtualClock()
    let bus: SimI2CBus
    let line: SimEdgeLine

    init() {
        bus = SimI2CBus(clock: clock)
        line = SimEdgeLine(clock: clock)
    }

    func makeChip(_ chip: ChipModel = .lsm6dso, address: UInt8 = 0x6a, on bus: SimI2CBus? = nil,
                  source: any SignalSource = TestSignal()) -> SimLSM6DSO {
        let model = SimLSM6DSO(chip: chip, address: address, clock: clock, source: source, line: line)
        (bus ?? self.bus).attach(model)
        return model
    }

    /// Waits for watermark edges and drains `rounds` times; returns the delivered samples
    /// and the model's frames they should match, in order.
    func run(_ driver: LSM6DSODriver, _ model: SimLSM6DSO, rounds: Int,
             buffer: UnsafeMutableBufferPointer<IMUSample>) throws -> (samples: [IMUSample], truth: [RawFrame]) {
        var samples: [IMUSample] = []
        var truth: [RawFrame] = []
        for _ in 0..<rounds {
            guard let edge = try line.waitForEdge(timeoutNs: 200_000_000) else {
                Issue.record("no watermark interrupt")
                break
            }
            #expect(edge.rising)
            let before = model.core.fifo
            let result = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs)
            #expect(!result.overrun)
            samples += buffer.prefix(result.count)
            truth += before.prefix(result.count)
        }
        return (samples, truth)
    }

    @Test func probeIdentifiesTheChipAtBothAddresses() throws {
        _ = makeChip(address: 0x6a)
        _ = makeChip(.lsm6dso32, address: 0x6b)
        let results = DriverTable.scan(bus: bus)
        #expect(results.contains(.identified(address: 0x6a, family: .lsm6dso, id: 0x6c)))
        #expect(results.contains(.identified(address: 0x6b, family: .lsm6dso, id: 0x6c)))
        #expect(results.contains(.nothing(address: 0x53)))
        try LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock).verifyIdentity()
        try LSM6DSODriver(chip: .lsm6dso32, bus: bus, address: 0x6b, clock: clock).verifyIdentity()
        #expect(DriverTable.makeDriver(chip: .lsm6dsox, bus: bus, address: 0x6a, clock: clock) is LSM6DSODriver)
    }

    @Test func configureWritesTheExpectedRegisterSequenceOnTheLSM6DSO() throws {
        _ = makeChip()
        let driver = LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock)
        bus.clearTrace()
        let applied = try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 32, interruptPin: .int1))
        #expect(applied == AppliedConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 32, gyroRangeDps: 2000))
        // The whole trace, register by register (DS12140 §9).
        #expect(bus.trace == [
            .write(address: 0x6a, register: 0x12, value: 0x05),  // CTRL3_C SW_RESET, IF_INC
            .write(address: 0x6a, register: 0x12, value: 0x44),  // CTRL3_C BDU, IF_INC
            .write(address: 0x6a, register: 0x10, value: 0x04),  // CTRL1_XL power-down, FS_XL 01 = ±16 g
            .write(address: 0x6a, register: 0x11, value: 0x0c),  // CTRL2_G power-down, FS_G 11 = ±2000 dps
            .write(address: 0x6a, register: 0x07, value: 0x40),  // FIFO_CTRL1 watermark 64 words = 32 samples
            .write(address: 0x6a, register: 0x08, value: 0x00),  // FIFO_CTRL2 WTM[8] = 0
            .write(address: 0x6a, register: 0x09, value: 0x77),  // FIFO_CTRL3 BDR_GY = BDR_XL = 833 Hz
            .write(address: 0x6a, register: 0x0a, value: 0x00),  // FIFO_CTRL4 bypass (clear)
            .write(address: 0x6a, register: 0x0a, value: 0x06),  // FIFO_CTRL4 continuous
            .write(address: 0x6a, register: 0x0d, value: 0x18),  // INT1_CTRL FIFO_TH + FIFO_OVR
        ])
        bus.clearTrace()
        try driver.start()
        #expect(bus.trace == [
            .write(address: 0x6a, register: 0x10, value: 0x74),  // CTRL1_XL 833 Hz, ±16 g
            .write(address: 0x6a, register: 0x11, value: 0x7c),  // CTRL2_G 833 Hz, ±2000 dps
        ])
    }

    @Test func configureWritesTheLSM6DSO32FullScaleCodes() throws {
        _ = makeChip(.lsm6dso32)
        let driver = LSM6DSODriver(chip: .lsm6dso32, bus: bus, address: 0x6a, clock: clock)
        bus.clearTrace()
        let applied = try driver.configure(SensorConfiguration(dataRateHz: 1600, rangeG: 16, fifoWatermark: 200, interruptPin: .int2))
        #expect(applied == AppliedConfiguration(dataRateHz: 1666, rangeG: 16, fifoWatermark: 200, gyroRangeDps: 2000))
        #expect(bus.trace == [
            .write(address: 0x6a, register: 0x12, value: 0x05),  // CTRL3_C SW_RESET, IF_INC
            .write(address: 0x6a, register: 0x12, value: 0x44),  // CTRL3_C BDU, IF_INC
            .write(address: 0x6a, register: 0x10, value: 0x0c),  // CTRL1_XL FS_XL 11 = ±16 g on the DSO32 (±8 g on the DSO)
            .write(address: 0x6a, register: 0x11, value: 0x0c),  // CTRL2_G FS_G 11 = ±2000 dps
            .write(address: 0x6a, register: 0x07, value: 0x90),  // FIFO_CTRL1 watermark 400 words: low byte
            .write(address: 0x6a, register: 0x08, value: 0x01),  // FIFO_CTRL2 WTM[8] = 1
            .write(address: 0x6a, register: 0x09, value: 0x88),  // FIFO_CTRL3 BDR_GY = BDR_XL = 1666 Hz
            .write(address: 0x6a, register: 0x0a, value: 0x00),  // FIFO_CTRL4 bypass (clear)
            .write(address: 0x6a, register: 0x0a, value: 0x06),  // FIFO_CTRL4 continuous
            .write(address: 0x6a, register: 0x0e, value: 0x18),  // INT2_CTRL FIFO_TH + FIFO_OVR
        ])
        // ±32 g is FS_XL 01 on the DSO32.
        bus.clearTrace()
        _ = try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 20, fifoWatermark: 16))
        #expect(bus.trace.contains(.write(address: 0x6a, register: 0x10, value: 0x04)))
        #expect(driver.applied?.rangeG == 32)
    }

    @Test func rejectsWhatTheChipCannotDo() {
        _ = makeChip()
        let driver = LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock)
        #expect(throws: HardwareError.self) { try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 32, fifoWatermark: 16)) }
        #expect(throws: HardwareError.self) { try driver.configure(SensorConfiguration(dataRateHz: 8000, rangeG: 16, fifoWatermark: 16)) }
        #expect(throws: HardwareError.self) { try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 256)) }
        #expect(throws: HardwareError.self) { try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 0)) }
        // Without the gyroscope a sample is one word, so 256 samples fit under the 512-word FIFO.
        #expect(throws: Never.self) { try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 256, enableGyro: false)) }
    }

    @Test(arguments: [833.0, 1666.0])
    func drainDeliversEverySampleAtItsTimeWithGyro(rateHz: Double) throws {
        let signal = TestSignal()
        let model = makeChip(source: signal)
        let driver = LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: rateHz, rangeG: 16, fifoWatermark: 32))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 256)
        defer { buffer.deallocate() }
        let startProduced = model.core.produced
        let (samples, truth) = try run(driver, model, rounds: 40, buffer: buffer)
        // Exactly every sample produced is either delivered or still waiting in the FIFO.
        #expect(UInt64(samples.count) + UInt64(model.core.fifo.count) == model.core.produced - startProduced)
        // At 1666 Hz over 32-byte reads the drain is barely faster than the data, so the
        // level climbs back over the watermark mid-drain and every other edge is stale
        // (its batch is the ~19 samples that arrived meanwhile, still exactly timed).
        #expect(samples.count >= 40 * (rateHz > 1000 ? 16 : 32))
        #expect(driver.statistics.samples == UInt64(samples.count))
        // Timestamps against the model's frame times: within 100 ns (the nominal period
        // 1e9/833 is not a whole number of ns, the model's is).
        let worst = zip(samples, truth).map { $0.timeNs > $1.timeNs ? $0.timeNs - $1.timeNs : $1.timeNs - $0.timeNs }.max() ?? 0
        #expect(worst <= 100, "worst timestamp error \(worst) ns")
        // Values: gyroscope at 70 mdps/LSB, accelerometer at 0.488 mg/LSB, against the
        // frames and against the true signal (within half an LSB).
        for (s, f) in zip(samples, truth) {
            #expect(s.flags.contains(.hasGyro))
            #expect(s.gyro.z == Float(f.gz) * 0.070)
            #expect(s.accel.x == Float(f.ax) * 0.000488)
            let t = signal.sample(atNs: f.timeNs)
            #expect(abs(s.gyro.z - t.gyro.z) <= 0.036)
            #expect(abs(s.accel.x - t.accel.x) <= 0.00025)
            #expect(abs(s.accel.z - 1) <= 0.00025)
        }
        #expect(samples.contains { abs($0.gyro.z) > 9 })  // the ±10 dps test sine is really there
    }

    @Test func timestampsFollowASlowOscillatorThroughStaleEdges() throws {
        let model = makeChip()
        model.core.rateError = 0.03  // the chip runs 3 % slow
        let driver = LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 1666, rangeG: 16, fifoWatermark: 32))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 256)
        defer { buffer.deallocate() }
        _ = try run(driver, model, rounds: 200, buffer: buffer)  // let the period estimate settle
        let (samples, truth) = try run(driver, model, rounds: 100, buffer: buffer)
        let worst = zip(samples, truth).map { $0.timeNs > $1.timeNs ? $0.timeNs - $1.timeNs : $1.timeNs - $0.timeNs }.max() ?? 0
        // Under a tenth of a sample period (60 µs at 1666 Hz).
        #expect(worst < 60_000, "worst timestamp error \(worst) ns")
        #expect(driver.statistics.overruns == 0)
    }

    @Test func drainWithTheGyroscopeOff() throws {
        let model = makeChip()
        let driver = LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock)
        bus.clearTrace()
        let applied = try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 8, fifoWatermark: 32, enableGyro: false))
        #expect(applied.gyroRangeDps == nil)
        #expect(bus.trace.contains(.write(address: 0x6a, register: 0x11, value: 0x00)))  // CTRL2_G off
        #expect(bus.trace.contains(.write(address: 0x6a, register: 0x07, value: 0x20)))  // watermark 32 words
        #expect(bus.trace.contains(.write(address: 0x6a, register: 0x09, value: 0x07)))  // accelerometer batched only
        bus.clearTrace()
        try driver.start()
        #expect(bus.trace == [.write(address: 0x6a, register: 0x10, value: 0x7c)])  // 833 Hz, FS_XL 11 = ±8 g
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 256)
        defer { buffer.deallocate() }
        let startProduced = model.core.produced
        let (samples, truth) = try run(driver, model, rounds: 20, buffer: buffer)
        #expect(UInt64(samples.count) + UInt64(model.core.fifo.count) == model.core.produced - startProduced)
        #expect(samples.count >= 20 * 32)
        #expect(samples.allSatisfy { !$0.flags.contains(.hasGyro) && $0.gyro == .zero })
        let worst = zip(samples, truth).map { $0.timeNs > $1.timeNs ? $0.timeNs - $1.timeNs : $1.timeNs - $0.timeNs }.max() ?? 0
        #expect(worst <= 100, "worst timestamp error \(worst) ns")
        #expect(zip(samples, truth).allSatisfy { $0.accel.x == Float($1.ax) * 0.000244 })
    }

    @Test(arguments: [32, 4096])
    func burstsAreSplitAtWordBoundaries(maxReadLength: Int) throws {
        let bus = SimI2CBus(clock: clock, maxReadLength: maxReadLength)
        let model = makeChip(on: bus)
        let driver = LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 64))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 256)
        defer { buffer.deallocate() }
        bus.clearTrace()
        let startProduced = model.core.produced
        let (samples, _) = try run(driver, model, rounds: 10, buffer: buffer)
        #expect(UInt64(samples.count) + UInt64(model.core.fifo.count) == model.core.produced - startProduced)
        let fifoReads = bus.trace.compactMap { access -> Int? in
            if case .read(_, 0x78, let n) = access { return n }
            return nil
        }
        #expect(!fifoReads.isEmpty)
        #expect(fifoReads.allSatisfy { $0 % 7 == 0 && $0 <= maxReadLength })
        // Whole samples only: the words read add up to two per delivered sample.
        #expect(fifoReads.reduce(0, +) == samples.count * 2 * 7)
        if maxReadLength == 32 {
            #expect(fifoReads.allSatisfy { $0 <= 28 })  // four words a read
        } else {
            #expect(fifoReads.contains { $0 >= 64 * 2 * 7 })  // the whole watermark in one burst
        }
        #expect(samples.allSatisfy { $0.flags.contains(.hasGyro) })
    }

    @Test func theModelPopsOneWordPerSevenBytesAndWraps() throws {
        let model = makeChip()
        let driver = LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 32))
        try driver.start()
        clock.advance(by: 10_000_000)  // 8 samples, 16 words
        model.core.catchUp()
        var bytes = [UInt8](repeating: 0, count: 14)
        let before = model.fifoWords
        let producedBefore = model.core.produced
        #expect(before == 16)
        try bytes.withUnsafeMutableBytes { try bus.readRegisters(0x78, address: 0x6a, into: $0) }
        #expect(bytes[0] >> 3 == 0x01)  // gyroscope word
        #expect(bytes[7] >> 3 == 0x02)  // accelerometer word, after the wrap from 0x7E to 0x78
        // Two words popped (plus whatever arrived while the read was on the wire).
        let arrived = Int(model.core.produced - producedBefore) * 2
        #expect(model.fifoWords == before + arrived - 2)
        #expect(model.wordsReadFromHead == 0)
        // Seven bytes pop one word and leave the sample half read.
        try bytes.withUnsafeMutableBytes { try bus.readRegisters(0x78, address: 0x6a, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<7])) }
        #expect(bytes[0] >> 3 == 0x01)
        #expect(model.wordsReadFromHead == 1)
    }

    @Test func overrunIsDetectedCountedAndRecovered() throws {
        let model = makeChip()
        let driver = LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 1666, rangeG: 16, fifoWatermark: 32))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 1024)
        defer { buffer.deallocate() }
        // Fall behind by 300 ms: 500 samples (1000 words) arrive into a 512-word FIFO.
        clock.advance(by: 300_000_000)
        bus.clearTrace()
        let result = try driver.drain(into: buffer, interruptTimeNs: nil, nowNs: clock.nowNs)
        #expect(result.overrun)
        #expect(result.count >= 256)
        #expect(result.lostSamples >= 1)
        #expect(buffer[0].flags.contains(.afterGap))
        #expect(buffer.prefix(result.count).allSatisfy { $0.flags.contains(.hasGyro) })
        #expect(driver.statistics.overruns == 1)
        // Recovery: bypass then continuous (FIFO_CTRL4), which empties the FIFO.
        #expect(Array(bus.trace.suffix(2)) == [
            .write(address: 0x6a, register: 0x0a, value: 0x00),
            .write(address: 0x6a, register: 0x0a, value: 0x06),
        ])
        #expect(model.core.fifo.isEmpty)
        // Watermark interrupts resume. The first edge may be stale (raised while the FIFO
        // overflowed) and its batch follows the samples the recovery emptied, so it may
        // carry a gap; the batches after it are whole, on time and gap-free.
        var times: [UInt64] = []
        var truth: [UInt64] = []
        for round in 0..<4 {
            guard let edge = try line.waitForEdge(timeoutNs: 100_000_000) else { Issue.record("no interrupt after recovery"); return }
            let before = model.core.fifo.map(\.timeNs)
            let next = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs)
            #expect(!next.overrun)
            if round >= 1 {
                #expect(next.count >= 16)  // stale edges give shorter batches at 1666 Hz (see above)
                #expect(next.lostSamples == 0)
                #expect(!buffer[0].flags.contains(.afterGap))
                times += buffer.prefix(next.count).map(\.timeNs)
                truth += before.prefix(next.count)
            }
        }
        let worst = zip(times, truth).map { $0 > $1 ? $0 - $1 : $1 - $0 }.max() ?? 0
        #expect(worst <= 100, "worst timestamp error \(worst) ns")
        #expect(driver.statistics.overruns == 1)
    }

    @Test func samplesAtFullScaleAreFlaggedClippedOnTheLSM6DSO() throws {
        let signal = TestSignal(amplitudeG: 0, offset: Vector3(x: 0, y: 0, z: 16))  // 17 g on Z
        _ = makeChip(.lsm6dso, source: signal)
        let driver = LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 32))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 256)
        defer { buffer.deallocate() }
        let edge = try #require(try line.waitForEdge(timeoutNs: 100_000_000))
        let result = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs)
        #expect(result.count >= 32)
        #expect(result.clippedSamples == result.count)
        #expect(buffer[0].flags.contains(.clipped))
        #expect(abs(buffer[0].accel.z - 16) < 0.02)  // 32767 × 0.488 mg
        #expect(driver.statistics.clippedSamples == UInt64(result.count))
    }

    @Test func theLSM6DSO32MeasuresTwentyGUnclipped() throws {
        let signal = TestSignal(amplitudeG: 0, offset: Vector3(x: 0, y: 0, z: 19))  // 20 g on Z
        _ = makeChip(.lsm6dso32, source: signal)
        let driver = LSM6DSODriver(chip: .lsm6dso32, bus: bus, address: 0x6a, clock: clock)
        let applied = try driver.configure(SensorConfiguration(dataRateHz: 1666, rangeG: 32, fifoWatermark: 32))
        #expect(applied.rangeG == 32)
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 256)
        defer { buffer.deallocate() }
        let edge = try #require(try line.waitForEdge(timeoutNs: 100_000_000))
        let result = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs)
        #expect(result.count >= 32)
        #expect(result.clippedSamples == 0)
        #expect(abs(buffer[0].accel.z - 20) < 0.001)  // one LSB is 0.976 mg
    }

    @Test func selfTestPassesOnAHealthyChipAndFailsOnAStuckOne() throws {
        let model = makeChip(source: TestSignal(amplitudeG: 0))
        let driver = LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock)
        let report = try driver.selfTest()
        #expect(report.passed)
        #expect(abs(report.change.x - 0.6) < 0.01)
        #expect(abs(report.change.z - 0.6) < 0.01)
        let gyro = try #require(driver.lastGyroSelfTest)
        #expect(gyro.passed)
        #expect(abs(gyro.change.x - 300) < 1)
        #expect(abs(gyro.change.z - 300) < 25)  // the test signal turns at up to ±10 dps about Z
        // The chip is left reset and powered down; configure works again afterwards.
        #expect(model.core.dataRateHz == 0)
        #expect(driver.applied == nil)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 32))

        model.selfTestForce = .zero  // a proof mass that does not move
        #expect(throws: HardwareError.self) { try driver.selfTest() }
        model.selfTestForce = Vector3(x: 0.6, y: 0.6, z: 0.6)
        model.gyroSelfTestRate = Vector3(x: 900, y: 900, z: 900)  // gyroscope out of limits
        do {
            _ = try driver.selfTest()
            Issue.record("gyroscope self-test should have failed")
        } catch {
            guard case .selfTestFailed(let r, _, let address) = error else { Issue.record("unexpected \(error)"); return }
            #expect(address == 0x6a)
            #expect(abs(r.change.x - 900) < 1)
        }
    }

    @Test func theLSM6DSO32SelfTestUsesItsOwnFourGCode() throws {
        _ = makeChip(.lsm6dso32, source: TestSignal(amplitudeG: 0))
        let driver = LSM6DSODriver(chip: .lsm6dso32, bus: bus, address: 0x6a, clock: clock)
        bus.clearTrace()
        let report = try driver.selfTest()
        #expect(report.passed)
        #expect(abs(report.change.y - 0.6) < 0.01)
        #expect(bus.trace.contains(.write(address: 0x6a, register: 0x10, value: 0x30)))  // 52 Hz, FS_XL 00 = ±4 g
    }

    @Test func aSensorVanishingMidDrainGivesATypedError() throws {
        _ = makeChip()
        let driver = LSM6DSODriver(chip: .lsm6dso, bus: bus, address: 0x6a, clock: clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 32))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 256)
        defer { buffer.deallocate() }
        let edge = try #require(try line.waitForEdge(timeoutNs: 100_000_000))
        bus.disconnect(0x6a, fromNs: clock.nowNs + 300_000, untilNs: clock.nowNs + 10_000_000_000)  // gone after a few transfers
        // The first burst got through: its samples come back, stamped, with the error.
        let partial = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs)
        #expect(partial.count > 0 && partial.count < 32)
        #expect(buffer[0].timeNs > 0)
        guard case .bus(let e)? = partial.interruption else { Issue.record("no interruption in \(partial)"); return }
        #expect(e.failure == .noAcknowledge)
        #expect(e.address == 0x6a)
        #expect(e.register == 0x78)
        #expect(e.bus == bus.name)
        // Nothing answers any more: the next drain throws before reading a sample.
        do {
            _ = try driver.drain(into: buffer, interruptTimeNs: nil, nowNs: clock.nowNs)
            Issue.record("drain should have failed")
        } catch {
            guard case .bus(let e) = error else { Issue.record("unexpected \(error)"); return }
            #expect(e.failure == .noAcknowledge)
            #expect(e.address == 0x6a)
        }
    }
}
