// Tests of LinuxHardware against a real kernel: i2c-dev with i2c-stub, and the GPIO
// character device with gpio-sim. They run only inside the VM that scripts/vm-test.sh
// boots (vm/guest-test.sh sets the environment below) and are skipped everywhere else.
//
//   STRIDEGUARD_VM=1                      enables them
//   STRIDEGUARD_VM_I2C_BUS=N              the i2c-stub bus number (/dev/i2c-N)
//   STRIDEGUARD_VM_GPIOCHIP=/dev/gpiochipN the gpio-sim chip
//   STRIDEGUARD_VM_GPIOSIM_DIR=/sys/...   that chip's sysfs folder with sim_gpioN/{value,pull}
import Glibc
import Hardware
import LinuxHardware
import Testing

/// What the guest script set up.
enum VMEnvironment {
    static func variable(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let string = String(cString: value)
        return string.isEmpty ? nil : string
    }

    static var isEnabled: Bool { variable("STRIDEGUARD_VM") == "1" }
    static var i2cBusPath: String { "/dev/i2c-" + (variable("STRIDEGUARD_VM_I2C_BUS") ?? "missing") }
    static var gpioChip: String { variable("STRIDEGUARD_VM_GPIOCHIP") ?? "/dev/missing-gpiochip" }
    static var gpioSimDir: String { variable("STRIDEGUARD_VM_GPIOSIM_DIR") ?? "/sys/missing-gpio-sim" }

    static var hasI2C: Bool { isEnabled && variable("STRIDEGUARD_VM_I2C_BUS") != nil }
    static var hasGPIO: Bool {
        isEnabled && variable("STRIDEGUARD_VM_GPIOCHIP") != nil && variable("STRIDEGUARD_VM_GPIOSIM_DIR") != nil
    }
}

/// Reading and writing gpio-sim's per-line sysfs attributes (Documentation/admin-guide/
/// gpio/gpio-sim.rst): `value` shows the level, writing `pull` drives an input line.
enum GPIOSim {
    struct SysfsError: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { "\(path): errno \(errno)" }
    }

    static func path(_ offset: UInt32, _ attribute: String) -> String {
        "\(VMEnvironment.gpioSimDir)/sim_gpio\(offset)/\(attribute)"
    }

    static func value(_ offset: UInt32) throws -> String {
        let file = path(offset, "value")
        guard let stream = fopen(file, "r") else { throw SysfsError(path: file, errno: errno) }
        defer { fclose(stream) }
        var bytes = [CChar](repeating: 0, count: 16)
        guard fgets(&bytes, Int32(bytes.count), stream) != nil else { throw SysfsError(path: file, errno: errno) }
        let text = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.filter { !$0.isWhitespace }
    }

    /// Sets the simulated pull ("pull-up" or "pull-down") of an input line.
    static func setPull(_ offset: UInt32, _ pull: String) throws {
        let file = path(offset, "pull")
        let fd = open(file, O_WRONLY)
        guard fd >= 0 else { throw SysfsError(path: file, errno: errno) }
        defer { close(fd) }
        let written = pull.withCString { write(fd, $0, strlen($0)) }
        guard written >= 0 else { throw SysfsError(path: file, errno: errno) }
    }
}

/// ADXL345 registers used to exercise the stub (Analog Devices ADXL345 datasheet, Rev. G,
/// Table 19 "Register Map").
enum ADXL345Register {
    /// DEVID, read-only device ID.
    static let deviceID: UInt8 = 0x00
    /// POWER_CTL.
    static let powerControl: UInt8 = 0x2D
    /// DATAX0, first of the six output bytes DATAX0...DATAZ1.
    static let dataX0: UInt8 = 0x32
    /// The DEVID value, 0xE5 (datasheet, Register 0x00).
    static let deviceIDValue: UInt8 = 0xE5
    /// POWER_CTL Measure bit (D3).
    static let measureBit: UInt8 = 0x08
}

/// The addresses the guest script gives i2c-stub, and one it leaves empty.
enum StubAddress {
    /// ADXL345 with ALT ADDRESS low (datasheet, "Serial Communications", I2C).
    static let adxl345: UInt8 = 0x53
    /// ADXL345 with ALT ADDRESS high; a second chip to switch between.
    static let adxl345Alt: UInt8 = 0x1D
    /// Not given to i2c-stub: nothing answers there.
    static let empty: UInt8 = 0x40
}

@Suite("LinuxI2CBus against i2c-stub (VM only)", .serialized, .enabled(if: VMEnvironment.hasI2C))
struct I2CStubTests {
    @Test("the stub bus opens, SMBus-only, with 32-byte block reads")
    func opens() throws {
        let bus = try LinuxI2CBus(path: VMEnvironment.i2cBusPath)
        #expect(bus.name == VMEnvironment.i2cBusPath)
        #expect(bus.clockHz == 400_000)
        #expect(!bus.usesCombinedTransfers)
        #expect(bus.maxReadLength == 32)
    }

    @Test("the preloaded ADXL345 DEVID reads 0xE5")
    func readsDeviceID() throws {
        let bus = try LinuxI2CBus(path: VMEnvironment.i2cBusPath)
        #expect(try bus.readRegister(ADXL345Register.deviceID, address: StubAddress.adxl345) == ADXL345Register.deviceIDValue)
    }

    @Test("a register write reads back, also when switching between two devices")
    func writeReadRoundTrip() throws {
        let bus = try LinuxI2CBus(path: VMEnvironment.i2cBusPath)
        try bus.writeRegister(ADXL345Register.powerControl, value: ADXL345Register.measureBit, address: StubAddress.adxl345)
        try bus.writeRegister(ADXL345Register.powerControl, value: 0x00, address: StubAddress.adxl345Alt)
        #expect(try bus.readRegister(ADXL345Register.powerControl, address: StubAddress.adxl345) == ADXL345Register.measureBit)
        #expect(try bus.readRegister(ADXL345Register.powerControl, address: StubAddress.adxl345Alt) == 0x00)
        try bus.updateRegister(ADXL345Register.powerControl, mask: 0x03, bits: 0x02, address: StubAddress.adxl345)
        #expect(try bus.readRegister(ADXL345Register.powerControl, address: StubAddress.adxl345) == ADXL345Register.measureBit | 0x02)
    }

    @Test("readRegisters reads a block through the SMBus I2C-block path")
    func blockRead() throws {
        let bus = try LinuxI2CBus(path: VMEnvironment.i2cBusPath)
        let expected: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66]
        for (index, value) in expected.enumerated() {
            try bus.writeRegister(ADXL345Register.dataX0 + UInt8(index), value: value, address: StubAddress.adxl345)
        }
        var six = [UInt8](repeating: 0, count: 6)
        try six.withUnsafeMutableBytes { buffer in
            try bus.readRegisters(ADXL345Register.dataX0, address: StubAddress.adxl345, into: buffer)
        }
        #expect(six == expected)

        // A full 32-byte block, the SMBus maximum.
        let start: UInt8 = 0x80
        for index in 0..<32 {
            try bus.writeRegister(start + UInt8(index), value: UInt8(0xA0 &+ index), address: StubAddress.adxl345)
        }
        var block = [UInt8](repeating: 0, count: 32)
        try block.withUnsafeMutableBytes { buffer in
            try bus.readRegisters(start, address: StubAddress.adxl345, into: buffer)
        }
        #expect(block == (0..<32).map { UInt8(0xA0 &+ $0) })

        // One byte goes through "read byte data".
        var one: [UInt8] = [0]
        try one.withUnsafeMutableBytes { buffer in
            try bus.readRegisters(ADXL345Register.deviceID, address: StubAddress.adxl345, into: buffer)
        }
        #expect(one == [ADXL345Register.deviceIDValue])
    }

    @Test("a read longer than maxReadLength is refused before touching the bus")
    func tooLong() throws {
        let bus = try LinuxI2CBus(path: VMEnvironment.i2cBusPath)
        var buffer = [UInt8](repeating: 0, count: bus.maxReadLength + 1)
        #expect(throws: I2CError(.unsupported, bus: bus.name, address: StubAddress.adxl345, register: 0, errno: EINVAL)) {
            try buffer.withUnsafeMutableBytes { raw in
                try bus.readRegisters(0, address: StubAddress.adxl345, into: raw)
            }
        }
    }

    @Test("an empty address gives .noAcknowledge naming bus, address and register")
    func emptyAddress() throws {
        let bus = try LinuxI2CBus(path: VMEnvironment.i2cBusPath)
        do {
            _ = try bus.readRegister(0x00, address: StubAddress.empty)
            Issue.record("nothing should answer at 0x40")
        } catch {
            #expect(error.failure == .noAcknowledge)
            #expect(error.address == StubAddress.empty)
            #expect(error.register == 0x00)
            #expect(error.errno != 0)
            #expect(error.description.contains(VMEnvironment.i2cBusPath))
            #expect(error.description.contains("0x40"))
        }
        var buffer = [UInt8](repeating: 0, count: 4)
        #expect(throws: I2CError.self) {
            try buffer.withUnsafeMutableBytes { raw in
                try bus.readRegisters(0x10, address: StubAddress.empty, into: raw)
            }
        }
        // The bus is still usable afterwards.
        #expect(try bus.readRegister(ADXL345Register.deviceID, address: StubAddress.adxl345) == ADXL345Register.deviceIDValue)
    }
}

/// gpio-sim line offsets used by the tests (the guest script makes an 8-line bank).
enum SimLine {
    static let output: UInt32 = 0
    static let risingInput: UInt32 = 1
    static let activeLowOutput: UInt32 = 2
    static let bothEdgesInput: UInt32 = 3
    static let quietInput: UInt32 = 4
    static let count: UInt32 = 8
}

/// Generous bound on how long an edge takes to arrive in a software-emulated VM.
let edgeTimeoutNs: UInt64 = 5_000_000_000

func monotonicNowNs() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

@Suite("Linux GPIO lines against gpio-sim (VM only)", .serialized, .enabled(if: VMEnvironment.hasGPIO))
struct GPIOSimTests {
    @Test("an output line driven 1 and 0 shows in sysfs")
    func outputLine() throws {
        let line = try LinuxOutputLine(chip: VMEnvironment.gpioChip, offset: SimLine.output)
        #expect(line.name == "\(VMEnvironment.gpioChip):\(SimLine.output)")
        #expect(!line.isActive)
        #expect(try GPIOSim.value(SimLine.output) == "0")
        try line.set(active: true)
        #expect(line.isActive)
        #expect(try GPIOSim.value(SimLine.output) == "1")
        try line.set(active: false)
        #expect(try GPIOSim.value(SimLine.output) == "0")
    }

    @Test("an active-low output line drives the opposite level")
    func activeLowOutput() throws {
        let line = try LinuxOutputLine(chip: VMEnvironment.gpioChip, offset: SimLine.activeLowOutput, activeLow: true)
        #expect(try GPIOSim.value(SimLine.activeLowOutput) == "1")
        try line.set(active: true)
        #expect(try GPIOSim.value(SimLine.activeLowOutput) == "0")
        try line.set(active: false)
        #expect(try GPIOSim.value(SimLine.activeLowOutput) == "1")
    }

    @Test("a requested line is busy for a second request; a bad offset is .noSuchLine")
    func busyAndNoSuchLine() throws {
        let held = try LinuxOutputLine(chip: VMEnvironment.gpioChip, offset: SimLine.output)
        #expect(throws: GPIOError(.busy, chip: VMEnvironment.gpioChip, line: SimLine.output, errno: EBUSY)) {
            _ = try LinuxOutputLine(chip: VMEnvironment.gpioChip, offset: SimLine.output)
        }
        _ = held
        do {
            _ = try LinuxEdgeEventLine(chip: VMEnvironment.gpioChip, offset: SimLine.count + 91)
            Issue.record("offset \(SimLine.count + 91) does not exist")
        } catch {
            #expect(error.failure == .noSuchLine)
        }
        // Releasing (deinit) frees the line for the next request.
        var again: LinuxOutputLine? = try LinuxOutputLine(chip: VMEnvironment.gpioChip, offset: SimLine.quietInput)
        #expect(again != nil)
        again = nil
        _ = try LinuxOutputLine(chip: VMEnvironment.gpioChip, offset: SimLine.quietInput)
    }

    @Test("rising edges arrive with increasing kernel CLOCK_MONOTONIC timestamps")
    func risingEdges() throws {
        try GPIOSim.setPull(SimLine.risingInput, "pull-down")
        let line = try LinuxEdgeEventLine(chip: VMEnvironment.gpioChip, offset: SimLine.risingInput, edges: .rising)
        let fd = try line.eventFileDescriptor()
        #expect(fd >= 0)
        var previous: UInt64 = 0
        let before = monotonicNowNs()
        for _ in 0..<5 {
            try GPIOSim.setPull(SimLine.risingInput, "pull-up")
            let edge = try line.waitForEdge(timeoutNs: edgeTimeoutNs)
            #expect(edge?.rising == true)
            if let edge {
                #expect(edge.timeNs > previous)
                #expect(edge.timeNs >= before)
                #expect(edge.timeNs <= monotonicNowNs())
                previous = edge.timeNs
            }
            try GPIOSim.setPull(SimLine.risingInput, "pull-down")  // falling: not reported
        }
        #expect(try line.waitForEdge(timeoutNs: 50_000_000) == nil)
        #expect(line.lostEvents == 0)
    }

    @Test("a both-edges line reports rising then falling")
    func bothEdges() throws {
        try GPIOSim.setPull(SimLine.bothEdgesInput, "pull-down")
        let line = try LinuxEdgeEventLine(chip: VMEnvironment.gpioChip, offset: SimLine.bothEdgesInput, edges: .both)
        try GPIOSim.setPull(SimLine.bothEdgesInput, "pull-up")
        let rising = try line.waitForEdge(timeoutNs: edgeTimeoutNs)
        try GPIOSim.setPull(SimLine.bothEdgesInput, "pull-down")
        let falling = try line.waitForEdge(timeoutNs: edgeTimeoutNs)
        #expect(rising?.rising == true)
        #expect(falling?.rising == false)
        if let rising, let falling {
            #expect(falling.timeNs > rising.timeNs)
        }
    }

    @Test("waiting on a quiet line times out with nil")
    func timeout() throws {
        let line = try LinuxEdgeEventLine(chip: VMEnvironment.gpioChip, offset: SimLine.quietInput, edges: .both)
        let start = monotonicNowNs()
        #expect(try line.waitForEdge(timeoutNs: 100_000_000) == nil)
        #expect(monotonicNowNs() - start >= 100_000_000)
    }
}
