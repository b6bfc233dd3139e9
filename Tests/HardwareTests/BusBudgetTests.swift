import Hardware
import HardwareSim
import StrideCore
import Testing

@Suite("I2C bus budget")
struct BusBudgetTests {
    @Test func twoFastSensorsOverloadAStandardModeBus() {
        let config = SensorConfiguration(dataRateHz: 1600, rangeG: 200, fifoWatermark: 16)
        let verdict = BusBudget.evaluate(sensors: [(.adxl375, config), (.adxl375, config)], clockHz: 100_000, maxReadLength: 32)
        #expect(verdict.isOverloaded)
        #expect(verdict.load > 2.5)
        #expect(verdict.summary.contains("100 kHz"))
    }

    @Test func twoShanksAt800HzFitAFastModeBus() {
        let config = SensorConfiguration(dataRateHz: 800, rangeG: 200, fifoWatermark: 16)
        let verdict = BusBudget.evaluate(sensors: [(.adxl375, config), (.adxl375, config)], clockHz: 400_000, maxReadLength: 32)
        #expect(!verdict.isOverloaded)
        #expect(!verdict.isTight)
    }

    /// The formula must match what the driver really puts on the wire: drain the
    /// simulated chip for one second and count the bytes.
    @Test func theADXLFormulaMatchesTheDriversTraffic() throws {
        let clock = VirtualClock()
        let bus = SimI2CBus(clock: clock)
        let line = SimEdgeLine(clock: clock)
        bus.attach(SimADXL34x(chip: .adxl375, clock: clock, source: TestSignal(), line: line))
        let driver = ADXL34xDriver(chip: .adxl375, bus: bus, address: 0x53, clock: clock)
        let config = SensorConfiguration(dataRateHz: 800, rangeG: 200, fifoWatermark: 16)
        _ = try driver.configure(config)
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        let start = clock.nowNs
        let bytesBefore = bus.bytesOnBus
        while clock.nowNs - start < 1_000_000_000 {
            guard let edge = try line.waitForEdge(timeoutNs: 100_000_000) else { break }
            _ = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs)
        }
        let measured = Double(bus.bytesOnBus - bytesBefore) * 1e9 / Double(clock.nowNs - start)
        let predicted = BusBudget.bytesPerSecond(chip: .adxl375, dataRateHz: 800, watermark: 16, gyro: false, maxReadLength: 32)
        #expect(abs(measured - predicted) / predicted < 0.03, "measured \(measured) B/s, predicted \(predicted) B/s")
    }
}
