#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Hardware

/// How kernel errno values become the typed failures of `I2CError` and `GPIOError`.
///
/// The I2C mapping follows the kernel's Documentation/i2c/fault-codes.rst, plus what the
/// kernel's own adapters do in practice: i2c-stub answers an address it does not emulate
/// with ENODEV, i2c-bcm2835 (Raspberry Pi) reports a missing ACK as EREMOTEIO.
enum ErrnoMapping {
    /// The failure for an errno from opening an i2c-dev node or querying it (I2C_FUNCS).
    static func i2cOpenFailure(_ code: Int32) -> I2CFailure {
        switch code {
        // ENOTTY: the node exists but does not answer i2c-dev ioctls, so it is no I2C bus.
        case ENOENT, ENODEV, ENXIO, ENOTTY: return .noSuchBus
        case EACCES, EPERM: return .permissionDenied
        default: return .other
        }
    }

    /// The failure for an errno from a transfer (or from selecting the slave address).
    static func i2cTransferFailure(_ code: Int32) -> I2CFailure {
        switch code {
        // fault-codes.rst: ENXIO "address phase didn't get an ACK"; EREMOTEIO is what
        // several adapters use for any NAK; i2c-stub uses ENODEV for an empty address.
        case ENXIO, EREMOTEIO, ENODEV: return .noAcknowledge
        // fault-codes.rst: EIO generic bus failure, ETIMEDOUT stuck bus or clock
        // stretching too long, EAGAIN arbitration lost, EPROTO bad SMBus block length,
        // EBADMSG PEC mismatch.
        case EIO, ETIMEDOUT, EAGAIN, EPROTO, EBADMSG: return .busError
        // fault-codes.rst: EOPNOTSUPP "adapter does not support this function".
        case EOPNOTSUPP: return .unsupported
        case EACCES, EPERM: return .permissionDenied
        default: return .other
        }
    }

    /// The failure for an errno from opening a GPIO chip or requesting a line.
    static func gpioFailure(_ code: Int32) -> GPIOError.Failure {
        switch code {
        // ENOTTY: the path exists but is no GPIO character device.
        case ENOENT, ENODEV, ENOTTY: return .noSuchChip
        case EACCES, EPERM: return .permissionDenied
        case EBUSY: return .busy
        // The shim's own code for an offset beyond the chip's lines (clinuxshim.h).
        case ERANGE: return .noSuchLine
        default: return .other
        }
    }
}
