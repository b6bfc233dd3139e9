import CLinuxShim
import Hardware
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An I2C bus reached through the kernel's i2c-dev node (`/dev/i2c-N`) and libi2c.
///
/// Reads of one register use SMBus "read byte data". Reads of several registers use one
/// combined I2C_RDWR transaction (register pointer, repeated start, read) when the adapter
/// speaks plain I2C, and an SMBus I2C-block read (at most 32 bytes) when it only speaks
/// SMBus, like the kernel's i2c-stub. Either way the bytes land in the caller's buffer
/// and the transfer path allocates nothing.
///
/// The device address is selected with I2C_SLAVE, never I2C_SLAVE_FORCE: an address a
/// kernel driver has claimed fails with errno EBUSY rather than being stolen from it.
/// The last selected address is remembered so repeated transfers to one device cost one
/// ioctl each.
///
/// Not thread-safe: use one instance from one thread (or serialise access yourself).
public final class LinuxI2CBus: I2CBus {
    /// The default bus clock: I2C fast mode, 400 kHz (NXP UM10204, I2C-bus specification).
    public static let defaultClockHz = 400_000

    /// The longest read done in one I2C_RDWR transaction. The kernel accepts messages up
    /// to 8192 bytes (drivers/i2c/i2c-dev.c); 4096 bytes (about 0.1 s of bus time at
    /// 400 kHz) is far more than any accelerometer FIFO holds and keeps one transfer
    /// from hogging the bus.
    public static let maxCombinedReadLength = 4096

    /// The longest SMBus I2C-block read: I2C_SMBUS_BLOCK_MAX in linux/i2c.h.
    public static let maxSMBusBlockLength = Int(CLS_I2C_SMBUS_BLOCK_MAX)

    /// The device node, e.g. `/dev/i2c-1`.
    public let name: String
    /// The longest read this adapter does in one transaction: up to
    /// `maxCombinedReadLength` with plain I2C, 32 with SMBus I2C-block reads only, 1 when
    /// the adapter can only read single bytes.
    public let maxReadLength: Int
    /// The bus clock in Hz as configured for this board (the kernel's device tree sets
    /// the real clock; user space cannot change it), used for the bus budget.
    public let clockHz: Int
    /// The adapter's functionality bits as reported by the I2C_FUNCS ioctl.
    public let functionality: UInt
    /// True when several-byte reads use combined I2C_RDWR transfers (I2C_FUNC_I2C).
    public let usesCombinedTransfers: Bool

    private let fd: Int32
    /// The address last selected with I2C_SLAVE, nil when unknown.
    private var selectedAddress: UInt8?

    /// Opens an I2C bus device node.
    ///
    /// - Parameters:
    ///   - path: the i2c-dev node, e.g. `/dev/i2c-1`.
    ///   - clockHz: the bus clock the board runs the bus at, for the bus budget.
    /// - Throws: `I2CError` with `.noSuchBus` when the node does not exist or is no I2C
    ///   bus, `.permissionDenied` when this user may not open it, `.unsupported` when the
    ///   adapter cannot even do SMBus byte reads and writes. `address` is 0 in these.
    public init(path: String, clockHz: Int = LinuxI2CBus.defaultClockHz) throws(I2CError) {
        let opened = cls_i2c_open(path)
        if opened < 0 {
            throw I2CError(ErrnoMapping.i2cOpenFailure(-opened), bus: path, address: 0, errno: -opened)
        }
        var funcs: UInt = 0
        let queried = cls_i2c_functionality(opened, &funcs)
        if queried < 0 {
            _ = cls_i2c_close(opened)
            throw I2CError(ErrnoMapping.i2cOpenFailure(-queried), bus: path, address: 0, errno: -queried)
        }
        let byteAccess = UInt(CLS_I2C_FUNC_SMBUS_READ_BYTE_DATA) | UInt(CLS_I2C_FUNC_SMBUS_WRITE_BYTE_DATA)
        if funcs & byteAccess != byteAccess {
            _ = cls_i2c_close(opened)
            throw I2CError(.unsupported, bus: path, address: 0, errno: EOPNOTSUPP)
        }
        let plainI2C = funcs & UInt(CLS_I2C_FUNC_I2C) != 0
        let blockRead = funcs & UInt(CLS_I2C_FUNC_SMBUS_READ_I2C_BLOCK) != 0

        self.fd = opened
        self.name = path
        self.clockHz = clockHz
        self.functionality = funcs
        self.usesCombinedTransfers = plainI2C
        if plainI2C {
            self.maxReadLength = Self.maxCombinedReadLength
        } else if blockRead {
            self.maxReadLength = Self.maxSMBusBlockLength
        } else {
            self.maxReadLength = 1
        }
    }

    /// Opens `/dev/i2c-<number>`.
    public convenience init(busNumber: Int, clockHz: Int = LinuxI2CBus.defaultClockHz) throws(I2CError) {
        try self.init(path: "/dev/i2c-\(busNumber)", clockHz: clockHz)
    }

    deinit {
        _ = cls_i2c_close(fd)
    }

    /// Writes one register with SMBus "write byte data".
    public func writeRegister(_ register: UInt8, value: UInt8, address: UInt8) throws(I2CError) {
        try select(address, register: register)
        let result = cls_i2c_write_byte_data(fd, register, value)
        if result < 0 {
            throw transferError(result, address: address, register: register)
        }
    }

    /// Reads one register with SMBus "read byte data".
    public func readRegister(_ register: UInt8, address: UInt8) throws(I2CError) -> UInt8 {
        try select(address, register: register)
        let result = cls_i2c_read_byte_data(fd, register)
        if result < 0 {
            throw transferError(result, address: address, register: register)
        }
        return UInt8(truncatingIfNeeded: result)
    }

    /// Reads `buffer.count` bytes starting at `register`, in one transaction, into `buffer`.
    ///
    /// - Throws: `.unsupported` (errno EINVAL) when `buffer.count` exceeds
    ///   `maxReadLength`; the transfer failures otherwise.
    public func readRegisters(_ register: UInt8, address: UInt8, into buffer: UnsafeMutableRawBufferPointer) throws(I2CError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let count = buffer.count
        if count > maxReadLength {
            throw I2CError(.unsupported, bus: name, address: address, register: register, errno: EINVAL)
        }
        try select(address, register: register)
        let result: Int32
        if count == 1 {
            result = cls_i2c_read_byte_data(fd, register)
            if result >= 0 {
                base.storeBytes(of: UInt8(truncatingIfNeeded: result), as: UInt8.self)
            }
        } else {
            let fd = self.fd
            let combined = usesCombinedTransfers
            result = base.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
                combined
                    ? cls_i2c_read_combined(fd, address, register, bytes, count)
                    : cls_i2c_read_i2c_block(fd, register, bytes, count)
            }
        }
        if result < 0 {
            throw transferError(result, address: address, register: register)
        }
    }

    /// Selects `address` for the SMBus calls that follow, unless it already is.
    private func select(_ address: UInt8, register: UInt8?) throws(I2CError) {
        if selectedAddress == address { return }
        let result = cls_i2c_set_address(fd, address)
        if result < 0 {
            selectedAddress = nil
            throw transferError(result, address: address, register: register)
        }
        selectedAddress = address
    }

    private func transferError(_ result: Int32, address: UInt8, register: UInt8?) -> I2CError {
        let code = -result
        return I2CError(ErrnoMapping.i2cTransferFailure(code), bus: name, address: address, register: register, errno: code)
    }
}
