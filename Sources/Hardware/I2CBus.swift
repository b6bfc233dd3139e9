/// What went wrong on an I2C transfer.
public enum I2CFailure: Sendable, Equatable {
    /// The bus device node does not exist (is I2C enabled in the board's config?).
    case noSuchBus
    /// The bus device node exists but this user may not open it (is it in the i2c group?).
    case permissionDenied
    /// Nothing acknowledged the address (wiring, power, pull-ups, wrong address).
    case noAcknowledge
    /// The transfer started but failed on the wire (arbitration lost, timeout, noise).
    case busError
    /// The adapter cannot do the kind of transfer asked for.
    case unsupported
    /// Anything else, see errno.
    case other
}

/// A failed I2C transfer, with everything needed to find the fault: the bus, the device
/// address, the register and the errno the kernel gave.
public struct I2CError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure.
    public var failure: I2CFailure
    /// The bus, e.g. `/dev/i2c-1` or `sim0`.
    public var bus: String
    /// 7-bit device address.
    public var address: UInt8
    /// The register being accessed, if any.
    public var register: UInt8?
    /// The errno the kernel returned (0 if none, e.g. in the simulator).
    public var errno: Int32

    /// Creates an error.
    public init(_ failure: I2CFailure, bus: String, address: UInt8, register: UInt8? = nil, errno: Int32 = 0) {
        self.failure = failure
        self.bus = bus
        self.address = address
        self.register = register
        self.errno = errno
    }

    public var description: String {
        let location = register.map { "\(bus) address \(hex(address)) register \(hex($0))" }
            ?? "\(bus) address \(hex(address))"
        let hint: String
        switch failure {
        case .noSuchBus: hint = "no such I2C bus (is I2C enabled, e.g. dtparam=i2c_arm=on in config.txt?)"
        case .permissionDenied: hint = "permission denied (is this user in the i2c group?)"
        case .noAcknowledge: hint = "no device acknowledged (check wiring, power, pull-ups and the address)"
        case .busError: hint = "bus error during transfer (cable length, pull-ups, noise)"
        case .unsupported: hint = "the adapter does not support this transfer"
        case .other: hint = "I2C transfer failed"
        }
        return "\(location): \(hint)" + (errno != 0 ? " [errno \(errno)]" : "")
    }
}

/// Formats a byte as `0xNN`.
public func hex(_ value: UInt8) -> String {
    let digits = String(value, radix: 16)
    return value < 0x10 ? "0x0" + digits : "0x" + digits
}

/// Register-level access to devices on one I2C bus.
///
/// A read of several registers is one combined transaction (write the register pointer,
/// repeated start, read), so a chip whose FIFO output register wraps (LIS3DH, LSM6DSO)
/// pops several samples in one burst. Reads longer than `maxReadLength` must be split
/// by the caller at sample boundaries, because only the caller knows whether the register
/// pointer should restart (a FIFO) or carry on (a register block).
public protocol I2CBus: AnyObject {
    /// The bus name, e.g. `/dev/i2c-1`.
    var name: String { get }
    /// The longest read the adapter can do in one transaction, in bytes: 32 for SMBus
    /// block reads (the kernel's i2c-stub), more with plain I2C combined transfers.
    var maxReadLength: Int { get }
    /// The bus clock in Hz, for the bus budget (100 kHz standard mode, 400 kHz fast mode).
    var clockHz: Int { get }

    /// Writes one register.
    func writeRegister(_ register: UInt8, value: UInt8, address: UInt8) throws(I2CError)
    /// Reads one register.
    func readRegister(_ register: UInt8, address: UInt8) throws(I2CError) -> UInt8
    /// Reads `buffer.count` bytes starting at `register` in one transaction, into the
    /// caller's buffer (nothing is allocated). `buffer.count` must not exceed `maxReadLength`.
    func readRegisters(_ register: UInt8, address: UInt8, into buffer: UnsafeMutableRawBufferPointer) throws(I2CError)
}

extension I2CBus {
    /// Reads a register, changes the bits in `mask` to those of `bits`, writes it back.
    public func updateRegister(_ register: UInt8, mask: UInt8, bits: UInt8, address: UInt8) throws(I2CError) {
        let old = try readRegister(register, address: address)
        try writeRegister(register, value: (old & ~mask) | (bits & mask), address: address)
    }
}
