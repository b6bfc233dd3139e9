import Hardware

/// What `strideguard probe` found on one bus.
public struct BusProbeReport: Sendable {
    /// The bus name.
    public var bus: String
    /// The bus could not be opened: why.
    public var openError: String?
    /// One result per address probed.
    public var results: [ProbeResult]

    /// Creates a report.
    public init(bus: String, openError: String? = nil, results: [ProbeResult] = []) {
        self.bus = bus
        self.openError = openError
        self.results = results
    }

    /// Addresses where a supported chip answered.
    public var identified: [(address: UInt8, family: ChipFamily)] {
        results.compactMap {
            if case .identified(let address, let family, _) = $0 { return (address, family) }
            return nil
        }
    }

    /// Lines for people, one per address that answered (or failed), as `probe` prints them.
    public var lines: [String] {
        if let openError { return ["\(bus): \(openError)"] }
        var out: [String] = []
        for result in results {
            switch result {
            case .nothing:
                continue
            case .identified(let address, let family, let id):
                out.append("\(bus) \(hex(address)): \(family.displayName) (ID \(hex(id)) in register \(hex(family.idRegister)))")
            case .unknown(let address, let register, let value):
                out.append("\(bus) \(hex(address)): unknown device (register \(hex(register)) reads \(hex(value)); no driver matches)")
            case .failed(let error):
                out.append("\(error)")
            }
        }
        if out.isEmpty {
            let tried = DriverTable.allAddresses.map(hex).joined(separator: ", ")
            out.append("\(bus): nothing answered at \(tried) (check wiring, power and pull-ups)")
        }
        return out
    }
}

/// Probes every address a supported chip can sit at on one bus.
public func probeBus(_ bus: any I2CBus) -> BusProbeReport {
    BusProbeReport(bus: bus.name, results: DriverTable.scan(bus: bus))
}
