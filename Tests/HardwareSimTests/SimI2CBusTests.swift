import Hardware
import HardwareSim
import Testing

@Suite("Simulated I2C bus")
struct SimI2CBusTests {
    @Test func emptyAddressesNACK() {
        let clock = VirtualClock()
        let bus = SimI2CBus(clock: clock)
        #expect(throws: I2CError(.noAcknowledge, bus: "sim-i2c-0", address: 0x42, register: 0x00, errno: 6)) {
            try bus.readRegister(0x00, address: 0x42)
        }
        #expect(bus.trace == [.failed(address: 0x42, register: 0x00, failure: .noAcknowledge)])
    }

    @Test func transfersCostBusTimeAndBytes() throws {
        let clock = VirtualClock()
        let bus = SimI2CBus(clock: clock, clockHz: 400_000)
        bus.attach(SimADXL34x(clock: clock, source: TestSignal()))
        let t0 = clock.nowNs
        _ = try bus.readRegister(0x00, address: 0x53)
        // 3 addressing bytes + 1 data byte + start/stop = 5 × 9 bits at 400 kHz = 112.5 µs.
        #expect(bus.bytesOnBus == 4)
        #expect(clock.nowNs - t0 == 112_500)
    }

    @Test func aDeviceDisappearsAndComesBack() throws {
        let clock = VirtualClock()
        let bus = SimI2CBus(clock: clock)
        bus.chargesTransferTime = false
        bus.attach(SimADXL34x(clock: clock, source: TestSignal()))
        bus.disconnect(0x53, fromNs: clock.nowNs + 1_000, untilNs: clock.nowNs + 2_000)
        #expect(try bus.readRegister(0x00, address: 0x53) == 0xe5)
        clock.advance(by: 1_500)
        #expect(throws: I2CError.self) { try bus.readRegister(0x00, address: 0x53) }
        clock.advance(by: 1_000)
        #expect(try bus.readRegister(0x00, address: 0x53) == 0xe5)
    }

    @Test func nackBurstsAndErrorRate() throws {
        let clock = VirtualClock()
        let bus = SimI2CBus(clock: clock, seed: 42)
        bus.attach(SimADXL34x(clock: clock, source: TestSignal()))
        bus.injectNACKs(0x53, count: 2)
        #expect(throws: I2CError.self) { try bus.readRegister(0x00, address: 0x53) }
        #expect(throws: I2CError.self) { try bus.readRegister(0x00, address: 0x53) }
        #expect(try bus.readRegister(0x00, address: 0x53) == 0xe5)
        bus.faults.errorRate = 0.01
        var failures = 0
        for _ in 0..<10_000 {
            do { _ = try bus.readRegister(0x00, address: 0x53) } catch { failures += 1; #expect(error.failure == .busError) }
        }
        #expect((60...140).contains(failures), "\(failures) failures in 10000 at 1 %")
    }

    @Test func corruptionFlipsBits() throws {
        let clock = VirtualClock()
        let bus = SimI2CBus(clock: clock, seed: 3)
        bus.attach(SimADXL34x(clock: clock, source: TestSignal()))
        bus.faults.corruptionRate = 1
        let value = try bus.readRegister(0x00, address: 0x53)
        #expect(value != 0xe5)
        #expect((value ^ 0xe5).nonzeroBitCount == 1)
    }

    @Test func readsLongerThanTheAdapterAllowsAreRefused() {
        let clock = VirtualClock()
        let bus = SimI2CBus(clock: clock, maxReadLength: 32)
        bus.attach(SimADXL34x(clock: clock, source: TestSignal()))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 33, alignment: 1)
        defer { buffer.deallocate() }
        #expect(throws: I2CError.self) { try bus.readRegisters(0x32, address: 0x53, into: buffer) }
    }
}
