/// What answered at one address.
public enum ProbeResult: Sendable, Equatable {
    /// Nothing acknowledged the address.
    case nothing(address: UInt8)
    /// A chip of a known family answered with its ID.
    case identified(address: UInt8, family: ChipFamily, id: UInt8)
    /// Something answered but its ID register matched no driver.
    case unknown(address: UInt8, idRegister: UInt8, value: UInt8)
    /// The bus failed in another way than a missing acknowledge.
    case failed(I2CError)
}

/// The driver table, probed in order (gpsd's pattern): each entry names a chip family,
/// the addresses it can sit at, and how to recognise it by its ID register.
public enum DriverTable {
    /// Families in probe order.
    public static let families: [ChipFamily] = [.adxl34x, .lsm6dso, .lis3dh]

    /// The family whose ID register `register` holds `id`, if any.
    public static func family(forID id: UInt8, register: UInt8) -> ChipFamily? {
        families.first { $0.idRegister == register && $0.idValue == id }
    }

    /// Every address some supported chip can sit at.
    public static var allAddresses: [UInt8] {
        var seen: [UInt8] = []
        for family in families {
            for address in family.chips[0].addresses where !seen.contains(address) { seen.append(address) }
        }
        return seen.sorted()
    }

    /// Probes one address: reads each candidate family's ID register.
    public static func probe(bus: any I2CBus, address: UInt8) -> ProbeResult {
        let candidates = families.filter { $0.chips[0].addresses.contains(address) }
        var lastRead: (register: UInt8, value: UInt8)?
        for family in candidates {
            do {
                let value = try bus.readRegister(family.idRegister, address: address)
                if value == family.idValue { return .identified(address: address, family: family, id: value) }
                lastRead = (family.idRegister, value)
            } catch {
                if error.failure == .noAcknowledge { return .nothing(address: address) }
                return .failed(error)
            }
        }
        if let read = lastRead { return .unknown(address: address, idRegister: read.register, value: read.value) }
        return .nothing(address: address)
    }

    /// Probes every address a supported chip can have.
    public static func scan(bus: any I2CBus) -> [ProbeResult] {
        allAddresses.map { probe(bus: bus, address: $0) }
    }

    /// Creates the driver for `chip` at `address`.
    ///
    /// - Parameter clock: what the driver waits on for settling times (self-test, reset).
    public static func makeDriver(chip: ChipModel, bus: any I2CBus, address: UInt8, clock: any MonotonicClock) -> any AccelerometerDriver {
        switch chip.family {
        case .adxl34x: return ADXL34xDriver(chip: chip, bus: bus, address: address, clock: clock)
        case .lis3dh: return LIS3DHDriver(bus: bus, address: address, clock: clock)
        case .lsm6dso: return LSM6DSODriver(chip: chip, bus: bus, address: address, clock: clock)
        }
    }
}
