import Hardware

extension DaemonConfiguration {
    /// The sensors as acquisition needs them, with each bus's clock.
    public var sensorSpecs: [SensorSpec] {
        sensors.map { sensor in
            let busName = sensor.bus.hasPrefix("/dev/") ? String(sensor.bus.dropFirst(5)) : sensor.bus
            let clock = buses[busName]?.clockHz ?? buses[sensor.bus]?.clockHz ?? LinuxI2CBusDefaults.clockHz
            return SensorSpec(
                placement: sensor.placement, chip: sensor.chip, busPath: sensor.bus, busClockHz: clock,
                address: sensor.address,
                interruptLine: sensor.interrupt.map { GPIOLineSpec(chip: $0.chip, offset: UInt32(clamping: $0.line)) },
                configuration: sensor.sensorConfiguration, selfTest: sensor.selfTest)
        }
    }
}
