// Tests of LinuxHardware that need neither root nor hardware. The tests against a real
// kernel (i2c-stub, gpio-sim) are in VMTests.swift and run inside scripts/vm-test.sh.
import Glibc
import Hardware
@testable import LinuxHardware
import Testing

@Suite("LinuxI2CBus without hardware")
struct LinuxI2CBusOpenTests {
    @Test("a bus that does not exist is .noSuchBus, with the path and a hint")
    func missingBus() {
        let path = "/dev/i2c-99"
        do {
            _ = try LinuxI2CBus(path: path)
            Issue.record("opening \(path) should have failed")
        } catch {
            #expect(error.failure == .noSuchBus)
            #expect(error.errno == ENOENT)
            #expect(error.bus == path)
            #expect(error.description.contains(path))
            #expect(error.description.contains("is I2C enabled"))
        }
    }

    @Test("the bus-number initialiser builds the /dev/i2c-N path")
    func missingBusByNumber() {
        #expect(throws: I2CError(.noSuchBus, bus: "/dev/i2c-98", address: 0, errno: ENOENT)) {
            _ = try LinuxI2CBus(busNumber: 98)
        }
    }

    @Test("a device node that is not an I2C bus is .noSuchBus (ENOTTY)")
    func notAnI2CBus() {
        do {
            _ = try LinuxI2CBus(path: "/dev/null")
            Issue.record("/dev/null is no I2C bus")
        } catch {
            #expect(error.failure == .noSuchBus)
            #expect(error.errno == ENOTTY)
            #expect(error.description.contains("/dev/null"))
        }
    }

    @Test("errno from transfers maps to the failure kinds")
    func transferErrnoMapping() {
        #expect(ErrnoMapping.i2cTransferFailure(ENXIO) == .noAcknowledge)
        #expect(ErrnoMapping.i2cTransferFailure(EREMOTEIO) == .noAcknowledge)
        #expect(ErrnoMapping.i2cTransferFailure(ENODEV) == .noAcknowledge)
        #expect(ErrnoMapping.i2cTransferFailure(EIO) == .busError)
        #expect(ErrnoMapping.i2cTransferFailure(ETIMEDOUT) == .busError)
        #expect(ErrnoMapping.i2cTransferFailure(EAGAIN) == .busError)
        #expect(ErrnoMapping.i2cTransferFailure(EOPNOTSUPP) == .unsupported)
        #expect(ErrnoMapping.i2cTransferFailure(EPERM) == .permissionDenied)
        #expect(ErrnoMapping.i2cTransferFailure(EBUSY) == .other)
    }

    @Test("errno from opening maps to the failure kinds")
    func openErrnoMapping() {
        #expect(ErrnoMapping.i2cOpenFailure(ENOENT) == .noSuchBus)
        #expect(ErrnoMapping.i2cOpenFailure(EACCES) == .permissionDenied)
        #expect(ErrnoMapping.i2cOpenFailure(EPERM) == .permissionDenied)
        #expect(ErrnoMapping.i2cOpenFailure(EMFILE) == .other)
    }

    @Test("a transfer error names bus, address, register and errno")
    func errorDescription() {
        let error = I2CError(ErrnoMapping.i2cTransferFailure(ENXIO), bus: "/dev/i2c-1", address: 0x53, register: 0x32, errno: ENXIO)
        #expect(error.description.contains("/dev/i2c-1"))
        #expect(error.description.contains("0x53"))
        #expect(error.description.contains("0x32"))
        #expect(error.description.contains("errno \(ENXIO)"))
    }
}

@Suite("Linux GPIO lines without hardware")
struct LinuxGPIOOpenTests {
    @Test("an output line on a chip that does not exist is .noSuchChip")
    func missingChipOutput() {
        let chip = "/dev/gpiochip99"
        do {
            _ = try LinuxOutputLine(chip: chip, offset: 18)
            Issue.record("opening \(chip) should have failed")
        } catch {
            #expect(error.failure == .noSuchChip)
            #expect(error.chip == chip)
            #expect(error.line == 18)
            #expect(error.errno == ENOENT)
            #expect(error.description.contains(chip))
            #expect(error.description.contains("no such GPIO chip"))
        }
    }

    @Test("an edge line on a chip that does not exist is .noSuchChip")
    func missingChipEdge() {
        #expect(throws: GPIOError(.noSuchChip, chip: "/dev/gpiochip98", line: 17, errno: ENOENT)) {
            _ = try LinuxEdgeEventLine(chip: "/dev/gpiochip98", offset: 17, edges: .both)
        }
    }

    @Test("a file that is no GPIO chip gives a clear error")
    func notAChip() {
        do {
            _ = try LinuxOutputLine(chip: "/dev/null", offset: 0)
            Issue.record("/dev/null is no GPIO chip")
        } catch {
            #expect(error.failure == .noSuchChip || error.failure == .other)
            #expect(error.errno != 0)
            #expect(error.description.contains("/dev/null line 0"))
        }
    }

    @Test("errno maps to GPIO failure kinds")
    func gpioErrnoMapping() {
        #expect(ErrnoMapping.gpioFailure(ENOENT) == .noSuchChip)
        #expect(ErrnoMapping.gpioFailure(EACCES) == .permissionDenied)
        #expect(ErrnoMapping.gpioFailure(EBUSY) == .busy)
        #expect(ErrnoMapping.gpioFailure(ERANGE) == .noSuchLine)
        #expect(ErrnoMapping.gpioFailure(EIO) == .other)
    }

    @Test("the shim reports which libgpiod API it was built for")
    func libgpiodAPI() {
        #expect([1, 2].contains(LinuxGPIO.libgpiodAPI))
    }
}
