// The real drivers over the real kernel: probe and configure each supported chip family
// through LinuxI2CBus on i2c-stub, then read every register back from the stub. i2c-stub
// is plain register memory (no FIFO, no self-clearing bits), so what the driver wrote is
// exactly what it keeps. VM only, like VMTests.swift.
import Hardware
import LinuxHardware
import Testing

/// Records the writes that pass through to the real bus, so a test can compare what the
/// driver sent with what the kernel's device now holds.
final class WriteRecordingBus: I2CBus {
    let inner: any I2CBus
    private(set) var writes: [(address: UInt8, register: UInt8, value: UInt8)] = []

    init(_ inner: any I2CBus) { self.inner = inner }

    var name: String { inner.name }
    var maxReadLength: Int { inner.maxReadLength }
    var clockHz: Int { inner.clockHz }

    func writeRegister(_ register: UInt8, value: UInt8, address: UInt8) throws(I2CError) {
        try inner.writeRegister(register, value: value, address: address)
        writes.append((address, register, value))
    }

    func readRegister(_ register: UInt8, address: UInt8) throws(I2CError) -> UInt8 {
        try inner.readRegister(register, address: address)
    }

    func readRegisters(_ register: UInt8, address: UInt8, into buffer: UnsafeMutableRawBufferPointer) throws(I2CError) {
        try inner.readRegisters(register, address: address, into: buffer)
    }

    /// The last value written to each register, in first-write order.
    var finalValues: [(register: UInt8, value: UInt8)] {
        var order: [UInt8] = []
        var last: [UInt8: UInt8] = [:]
        for w in writes {
            if last[w.register] == nil { order.append(w.register) }
            last[w.register] = w.value
        }
        return order.compactMap { r in last[r].map { (r, $0) } }
    }
}

/// Where the guest script put each chip's ID into i2c-stub (vm/guest-test.sh, setup_i2c_stub).
enum StubChip {
    static let adxl: UInt8 = 0x53
    static let lis3dh: UInt8 = 0x18
    static let lsm6dso: UInt8 = 0x6a
}

@Suite("Drivers against i2c-stub (VM only)", .serialized, .enabled(if: VMEnvironment.hasI2C))
struct VMDriverTests {
    @Test("the driver table identifies each chip family by its ID register")
    func probeIdentifiesEachFamily() throws {
        let bus = try LinuxI2CBus(path: VMEnvironment.i2cBusPath)
        #expect(DriverTable.probe(bus: bus, address: StubChip.adxl) == .identified(address: 0x53, family: .adxl34x, id: 0xe5))
        #expect(DriverTable.probe(bus: bus, address: StubChip.lis3dh) == .identified(address: 0x18, family: .lis3dh, id: 0x33))
        #expect(DriverTable.probe(bus: bus, address: StubChip.lsm6dso) == .identified(address: 0x6a, family: .lsm6dso, id: 0x6c))
        #expect(DriverTable.probe(bus: bus, address: 0x19) == .nothing(address: 0x19))
    }

    /// Configures and starts `chip`, then checks the kernel's device holds every value
    /// the driver wrote, and the key registers hold what the datasheet asks for.
    func configureAndReadBack(_ chip: ChipModel, at address: UInt8, _ configuration: SensorConfiguration,
                              expect expected: [UInt8: UInt8]) throws {
        let bus = WriteRecordingBus(try LinuxI2CBus(path: VMEnvironment.i2cBusPath))
        let driver = DriverTable.makeDriver(chip: chip, bus: bus, address: address, clock: SystemMonotonicClock())
        try driver.verifyIdentity()
        _ = try driver.configure(configuration)
        try driver.start()
        #expect(!bus.writes.isEmpty)
        for (register, value) in bus.finalValues {
            let held = try bus.readRegister(register, address: address)
            #expect(held == value, "\(chip.rawValue) register \(hex(register)): wrote \(hex(value)), stub holds \(hex(held))")
        }
        for (register, value) in expected {
            #expect(try bus.readRegister(register, address: address) == value, "\(chip.rawValue) register \(hex(register))")
        }
    }

    @Test("ADXL345: configure and start write the expected registers")
    func adxl345() throws {
        try configureAndReadBack(.adxl345, at: StubChip.adxl, SensorConfiguration(dataRateHz: 800, rangeG: 16, fifoWatermark: 16),
                                 expect: [0x2c: 0x0d, 0x31: 0x0b, 0x38: 0x90, 0x2f: 0x00, 0x2e: 0x03, 0x2d: 0x08])
    }

    @Test("LIS3DH: configure and start write the expected registers")
    func lis3dh() throws {
        try configureAndReadBack(.lis3dh, at: StubChip.lis3dh, SensorConfiguration(dataRateHz: 400, rangeG: 16, fifoWatermark: 16),
                                 expect: [0x23: 0xb8, 0x24: 0x40, 0x2e: 0x90, 0x22: 0x06, 0x20: 0x77])
    }

    @Test("LSM6DSO: configure and start write the expected registers")
    func lsm6dso() throws {
        try configureAndReadBack(.lsm6dso, at: StubChip.lsm6dso, SensorConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 32),
                                 expect: [0x12: 0x44, 0x07: 0x40, 0x09: 0x77, 0x0a: 0x06, 0x0d: 0x18, 0x10: 0x74, 0x11: 0x7c])
    }
}
