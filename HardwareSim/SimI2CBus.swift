import Hardware

/// A device on the simulated bus: a chip model's register interface.
public protocol SimI2CDevice: AnyObject {
    /// Its 7-bit address.
    var address: UInt8 { get }
    /// One read transaction starting at `register`, filling `buffer` (the chip's own
    /// auto-increment, wrap and FIFO pop rules apply).
    func read(register: UInt8, into buffer: UnsafeMutableRawBufferPointer)
    /// One register write.
    func write(register: UInt8, value: UInt8)
}

/// One access on the simulated bus, as recorded in the trace.
public enum BusAccess: Sendable, Equatable, CustomStringConvertible {
    /// A register write.
    case write(address: UInt8, register: UInt8, value: UInt8)
    /// A read of `count` bytes from `register`.
    case read(address: UInt8, register: UInt8, count: Int)
    /// A transfer that failed (NACK, bus error), as the caller saw it.
    case failed(address: UInt8, register: UInt8, failure: I2CFailure)

    public var description: String {
        switch self {
        case .write(let a, let r, let v): return "W \(hex(a)) \(hex(r)) = \(hex(v))"
        case .read(let a, let r, let n): return "R \(hex(a)) \(hex(r)) ×\(n)"
        case .failed(let a, let r, let f): return "F \(hex(a)) \(hex(r)) \(f)"
        }
    }
}

/// Faults the simulated bus injects.
public struct BusFaults: Sendable {
    /// Probability that any transfer fails with a bus error (0...1).
    public var errorRate = 0.0
    /// Probability that a read returns one corrupted byte (a flipped bit) (0...1).
    public var corruptionRate = 0.0
    /// Creates a fault plan with no faults.
    public init() {}
}

/// A simulated I2C bus with several devices, NACK for empty addresses, fault injection
/// and a trace of every access that tests compare whole (apple/swift-mmio's idea).
public final class SimI2CBus: I2CBus, @unchecked Sendable {
    /// Bytes on the wire for a register write: address+W, register, value.
    public static let writeTransactionBytes = 3
    /// Bytes on the wire before the data of a register read: address+W, register,
    /// address+R after the repeated start.
    public static let readOverheadBytes = 3
    /// Bits on the wire per byte: 8 data bits and the acknowledge bit (I2C spec UM10204 §3.1.6).
    public static let bitsPerByte = 9

    public let name: String
    public let maxReadLength: Int
    public let clockHz: Int
    /// Faults to inject.
    public var faults = BusFaults()
    /// Record every access in ``trace`` (off for benchmarks: the trace allocates).
    public var tracing = true
    /// Every access, in order.
    public private(set) var trace: [BusAccess] = []
    /// Bytes that crossed the wire, addressing included.
    public private(set) var bytesOnBus: UInt64 = 0
    /// Transfers attempted.
    public private(set) var transactions: UInt64 = 0
    /// Advance the virtual clock by each transfer's duration on the wire.
    public var chargesTransferTime = true

    private var devices: [UInt8: any SimI2CDevice] = [:]
    private var absent: [UInt8: ClosedRange<UInt64>] = [:]
    private var nackBursts: [UInt8: Int] = [:]
    private var random: SimRandom
    private let clock: VirtualClock

    /// Creates a bus.
    /// - Parameters:
    ///   - maxReadLength: 32 models an SMBus-only adapter (as the kernel's i2c-stub);
    ///     larger models plain-I2C combined transfers.
    ///   - clockHz: 400 kHz fast mode by default.
    public init(name: String = "sim-i2c-0", clock: VirtualClock, maxReadLength: Int = 32, clockHz: Int = 400_000, seed: UInt64 = 1) {
        self.name = name
        self.clock = clock
        self.maxReadLength = maxReadLength
        self.clockHz = clockHz
        self.random = SimRandom(seed: seed)
    }

    /// Puts a device on the bus.
    public func attach(_ device: any SimI2CDevice) {
        devices[device.address] = device
    }

    /// Makes `address` stop answering from `fromNs` until `untilNs` (a loose connector).
    public func disconnect(_ address: UInt8, fromNs: UInt64, untilNs: UInt64) {
        absent[address] = fromNs...untilNs
    }

    /// Makes the next `count` transfers to `address` fail with no acknowledge.
    public func injectNACKs(_ address: UInt8, count: Int) {
        nackBursts[address, default: 0] += count
    }

    /// Clears the trace.
    public func clearTrace() { trace.removeAll(keepingCapacity: true) }

    private func record(_ access: BusAccess) {
        if tracing { trace.append(access) }
    }

    private func charge(bytes: Int) {
        bytesOnBus += UInt64(bytes)
        transactions += 1
        if chargesTransferTime {
            // Start and stop conditions are about one bit time each; count them as one byte.
            let bits = UInt64((bytes + 1) * Self.bitsPerByte)
            clock.advance(by: bits * 1_000_000_000 / UInt64(clockHz))
        }
    }

    /// The device at `address`, or the failure a transfer to it meets.
    private func device(at address: UInt8, register: UInt8) throws(I2CError) -> any SimI2CDevice {
        if let burst = nackBursts[address], burst > 0 {
            nackBursts[address] = burst - 1
            throw fail(.noAcknowledge, address: address, register: register, errno: 6)  // ENXIO
        }
        if let window = absent[address], window.contains(clock.nowNs) {
            throw fail(.noAcknowledge, address: address, register: register, errno: 6)
        }
        guard let device = devices[address] else {
            throw fail(.noAcknowledge, address: address, register: register, errno: 6)
        }
        if faults.errorRate > 0, random.unit() < faults.errorRate {
            throw fail(.busError, address: address, register: register, errno: 5)  // EIO
        }
        return device
    }

    private func fail(_ failure: I2CFailure, address: UInt8, register: UInt8, errno: Int32) -> I2CError {
        charge(bytes: 1)  // the address byte went out and was not acknowledged
        record(.failed(address: address, register: register, failure: failure))
        return I2CError(failure, bus: name, address: address, register: register, errno: errno)
    }

    public func writeRegister(_ register: UInt8, value: UInt8, address: UInt8) throws(I2CError) {
        let device = try device(at: address, register: register)
        charge(bytes: Self.writeTransactionBytes)
        record(.write(address: address, register: register, value: value))
        device.write(register: register, value: value)
    }

    public func readRegister(_ register: UInt8, address: UInt8) throws(I2CError) -> UInt8 {
        var value: UInt8 = 0
        try withUnsafeMutableBytes(of: &value) { (buffer) throws(I2CError) in
            try readRegisters(register, address: address, into: buffer)
        }
        return value
    }

    public func readRegisters(_ register: UInt8, address: UInt8, into buffer: UnsafeMutableRawBufferPointer) throws(I2CError) {
        guard buffer.count <= maxReadLength else {
            throw fail(.unsupported, address: address, register: register, errno: 22)  // EINVAL
        }
        let device = try device(at: address, register: register)
        charge(bytes: Self.readOverheadBytes + buffer.count)
        record(.read(address: address, register: register, count: buffer.count))
        device.read(register: register, into: buffer)
        if faults.corruptionRate > 0, buffer.count > 0, random.unit() < faults.corruptionRate {
            let index = Int(random.next() % UInt64(buffer.count))
            buffer[index] ^= UInt8(1) << UInt8(random.next() % 8)
        }
    }
}
