import Hardware
import Logging
import StrideCore

/// A GPIO line named by its chip device and line offset.
public struct GPIOLineSettings: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The chip device, e.g. `/dev/gpiochip0`.
    public var chip: String
    /// The line offset on that chip (the BCM GPIO number on a Raspberry Pi's main chip).
    public var line: Int

    /// Creates a line.
    public init(chip: String = DaemonConfiguration.defaultGPIOChip, line: Int) {
        self.chip = chip
        self.line = line
    }

    /// `/dev/gpiochip0 line 17`.
    public var description: String { "\(chip) line \(line)" }
}

/// One accelerometer as configured.
public struct SensorSettings: Sendable, Equatable {
    /// The sensor's name in the file (`sensors.<name>`), used in keys and logs.
    public var name: String
    /// Where it is worn.
    public var placement: Placement
    /// The I2C bus device, e.g. `/dev/i2c-1`.
    public var bus: String
    /// 7-bit I2C address.
    public var address: UInt8
    /// The chip fitted (probing cannot tell ADXL345 from ADXL375, or the LSM6DSO variants).
    public var chip: ChipModel
    /// The GPIO line the FIFO watermark interrupt is wired to; nil polls at the FIFO period.
    public var interrupt: GPIOLineSettings?
    /// The chip's pin wired to that line.
    public var interruptPin: InterruptPin
    /// Requested output data rate, Hz.
    public var dataRateHz: Double
    /// Requested full scale, ±g.
    public var rangeG: Double
    /// FIFO watermark, samples.
    public var fifoWatermark: Int
    /// Read the gyroscope too, where the chip has one.
    public var gyro: Bool
    /// Run the chip's self-test (output change under the self-test force) at start. Off only
    /// where the chip cannot pass it, e.g. the kernel's i2c-stub (static register memory).
    public var selfTest: Bool

    /// Creates sensor settings (defaults: `/dev/i2c-1`, 800 Hz, the chip's largest range,
    /// watermark 16, INT1, gyroscope on where there is one, self-test on).
    public init(name: String, placement: Placement, bus: String = DaemonConfiguration.defaultBus, address: UInt8,
                chip: ChipModel, interrupt: GPIOLineSettings?, interruptPin: InterruptPin = .int1,
                dataRateHz: Double = DaemonConfiguration.defaultDataRateHz, rangeG: Double? = nil,
                fifoWatermark: Int = DaemonConfiguration.defaultFIFOWatermark, gyro: Bool = true,
                selfTest: Bool = true) {
        self.name = name
        self.placement = placement
        self.bus = bus
        self.address = address
        self.chip = chip
        self.interrupt = interrupt
        self.interruptPin = interruptPin
        self.dataRateHz = dataRateHz
        self.rangeG = rangeG ?? chip.rangesG.last ?? 16
        self.fifoWatermark = fifoWatermark
        self.gyro = gyro
        self.selfTest = selfTest
    }

    /// What the driver is asked for.
    public var sensorConfiguration: SensorConfiguration {
        SensorConfiguration(dataRateHz: dataRateHz, rangeG: rangeG, fifoWatermark: fifoWatermark,
                            interruptPin: interruptPin, enableGyro: gyro && chip.hasGyro)
    }

    /// The data rate the driver will set: the chip's first rate at or above the request.
    public var appliedDataRateHz: Double? { chip.dataRatesHz.first { $0 >= dataRateHz } }

    /// The range the driver will set: the chip's smallest range at or above the request.
    public var appliedRangeG: Double? { chip.rangesG.first { $0 >= rangeG } }

    /// Time between FIFO watermarks (and the polling period without an interrupt line), ns.
    public var fifoPeriodNs: UInt64 {
        let rate = appliedDataRateHz ?? dataRateHz
        guard rate > 0 else { return 0 }
        return UInt64((Double(fifoWatermark) / rate * 1e9).rounded())
    }
}

/// One I2C bus's settings.
public struct BusSettings: Sendable, Equatable {
    /// The bus clock the board runs the bus at, Hz (set in the device tree, e.g.
    /// `dtparam=i2c_arm_baudrate=`; user space cannot change it). For the bus budget.
    public var clockHz: Int
    /// The longest read the adapter does in one transfer, bytes: 4096 with combined I2C
    /// transfers (i2c-bcm2835), 32 for an SMBus-only adapter. For the bus budget.
    public var maxReadLength: Int

    /// Creates bus settings.
    public init(clockHz: Int = LinuxI2CBusDefaults.clockHz, maxReadLength: Int = LinuxI2CBusDefaults.maxReadLength) {
        self.clockHz = clockHz
        self.maxReadLength = maxReadLength
    }
}

/// Bus defaults, as the Linux bus layer assumes them.
public enum LinuxI2CBusDefaults {
    /// I2C fast mode, 400 kHz (NXP UM10204), the Raspberry Pi's usual `i2c_arm_baudrate`.
    public static let clockHz = 400_000
    /// Combined I2C_RDWR transfers of up to 4096 bytes (LinuxI2CBus.maxCombinedReadLength).
    public static let maxReadLength = 4096
}

/// Which level drives the buzzer.
public enum ActiveLevel: String, Sendable, Equatable, CaseIterable {
    /// The line high is on (an NPN transistor or N-MOSFET low-side switch).
    case high
    /// The line low is on (a PNP or P-MOSFET high-side switch).
    case low
}

/// The buzzer (or vibration motor) line.
public struct BuzzerSettings: Sendable, Equatable {
    /// The GPIO line.
    public var line: GPIOLineSettings
    /// Which level is on.
    public var activeLevel: ActiveLevel

    /// Creates buzzer settings.
    public init(line: GPIOLineSettings, activeLevel: ActiveLevel = .high) {
        self.line = line
        self.activeLevel = activeLevel
    }
}

/// The stride core's knobs that belong in the configuration file. The rest of
/// ``StrideCore/StrideAnalyzerConfiguration`` keeps its researched defaults.
public struct CoreSettings: Sendable, Equatable {
    /// SI window length, steps (default 32; asymmetry literature uses 25-64 steps).
    public var windowSteps: Int
    /// SI window hop, steps.
    public var windowHopSteps: Int
    /// Running time skipped before the baseline is learnt, minutes.
    public var warmupMinutes: Double
    /// Running time the baseline is learnt over, minutes.
    public var baselineMinutes: Double
    /// Alert sensitivity: the raise thresholds are divided by it (2 alerts on half the
    /// change, 0.5 needs twice the change).
    public var sensitivity: Double
    /// Least time between two cues, s.
    public var alertCooldownSeconds: Double
    /// Time to the next cue of a compensation that persists, s.
    public var alertReminderSeconds: Double

    /// Creates core settings (defaults from the stride core).
    public init(windowSteps: Int = SymmetryWindow.defaultWindowSteps,
                windowHopSteps: Int = SymmetryWindow.defaultHopSteps,
                warmupMinutes: Double = BaselineConfiguration.defaultWarmupSeconds / 60,
                baselineMinutes: Double = BaselineConfiguration.defaultLearnSeconds / 60,
                sensitivity: Double = 1,
                alertCooldownSeconds: Double = AlertPolicyConfiguration.defaultCooldownSeconds,
                alertReminderSeconds: Double = AlertPolicyConfiguration.defaultReminderSeconds) {
        self.windowSteps = windowSteps
        self.windowHopSteps = windowHopSteps
        self.warmupMinutes = warmupMinutes
        self.baselineMinutes = baselineMinutes
        self.sensitivity = sensitivity
        self.alertCooldownSeconds = alertCooldownSeconds
        self.alertReminderSeconds = alertReminderSeconds
    }

    /// The stride analyser's configuration: `base` with these settings applied.
    public func analyzerConfiguration(base: StrideAnalyzerConfiguration = StrideAnalyzerConfiguration()) -> StrideAnalyzerConfiguration {
        var configuration = base
        configuration.windowSteps = windowSteps
        configuration.windowHopSteps = windowHopSteps
        configuration.baseline.warmupSeconds = warmupMinutes * 60
        configuration.baseline.learnSeconds = baselineMinutes * 60
        configuration.policy.cooldownSeconds = alertCooldownSeconds
        configuration.policy.reminderSeconds = alertReminderSeconds
        if sensitivity > 0 {
            for metric in StrideMetric.all {
                if let points = configuration.thresholds.siRaisePoints[metric] {
                    configuration.thresholds.siRaisePoints[metric] = points / sensitivity
                }
                if let percent = configuration.thresholds.legRaisePercent[metric] {
                    configuration.thresholds.legRaisePercent[metric] = percent / sensitivity
                }
            }
        }
        return configuration
    }
}

/// Everything the daemon is configured with. Load it with ``ConfigurationLoader``; check a
/// programmatic one with ``validate(source:)``.
public struct DaemonConfiguration: Sendable, Equatable {
    /// The configuration file the daemon reads by default.
    public static let defaultPath = "/etc/strideguard/strideguard.yaml"
    /// The run directory: systemd's `StateDirectory=strideguard`.
    public static let defaultRunDirectory = "/var/lib/strideguard"
    /// The Raspberry Pi's I2C1 on the header (pins 3 and 5).
    public static let defaultBus = "/dev/i2c-1"
    /// The Raspberry Pi's main GPIO chip (BCM GPIO numbers are its line offsets).
    public static let defaultGPIOChip = "/dev/gpiochip0"
    /// 800 Hz: the README's rate; tibial impact peaks need ≥ 500 Hz to be caught within
    /// a few percent, and two sensors at 800 Hz use about a third of a 400 kHz bus.
    public static let defaultDataRateHz = 800.0
    /// Half the 32-sample FIFO of the ADXL/LIS chips: 20 ms between drains at 800 Hz, with
    /// 20 ms of headroom before an overrun.
    public static let defaultFIFOWatermark = 16
    /// Logging level by default.
    public static let defaultLogLevel = Logger.Level.info

    /// The sensors.
    public var sensors: [SensorSettings]
    /// Per-bus settings by bus device path; a bus not listed has ``BusSettings/init(clockHz:maxReadLength:)``'s defaults.
    public var buses: [String: BusSettings]
    /// The buzzer, nil for none.
    public var buzzer: BuzzerSettings?
    /// The pattern of every cue (the defaults, overridden per cue by the file).
    public var patterns: [Cue: BuzzerPattern]
    /// The stride core's settings.
    public var core: CoreSettings
    /// Where run records go.
    public var runDirectory: String
    /// Logging level.
    public var logLevel: Logger.Level

    /// Creates a configuration.
    public init(sensors: [SensorSettings], buses: [String: BusSettings] = [:], buzzer: BuzzerSettings?,
                patterns: [Cue: BuzzerPattern] = BuzzerPattern.defaults, core: CoreSettings = CoreSettings(),
                runDirectory: String = DaemonConfiguration.defaultRunDirectory, logLevel: Logger.Level = DaemonConfiguration.defaultLogLevel) {
        self.sensors = sensors
        self.buses = buses
        self.buzzer = buzzer
        self.patterns = patterns
        self.core = core
        self.runDirectory = runDirectory
        self.logLevel = logLevel
    }

    /// The README's wiring: left shank ADXL375 at 0x53 with INT1 on GPIO17, right shank
    /// ADXL375 at 0x1d with INT1 on GPIO27, both on `/dev/i2c-1` at 800 Hz, ±200 g,
    /// watermark 16; the buzzer on GPIO18 of `/dev/gpiochip0`. No sacrum sensor.
    public static let readmeWiring = DaemonConfiguration(
        sensors: [
            SensorSettings(name: "left", placement: .leftShank, address: 0x53, chip: .adxl375,
                           interrupt: GPIOLineSettings(line: 17), rangeG: 200),
            SensorSettings(name: "right", placement: .rightShank, address: 0x1d, chip: .adxl375,
                           interrupt: GPIOLineSettings(line: 27), rangeG: 200),
        ],
        buzzer: BuzzerSettings(line: GPIOLineSettings(line: 18)))

    /// The settings of `bus` (defaults when it has no entry).
    public func busSettings(for bus: String) -> BusSettings { buses[bus] ?? BusSettings() }

    /// The buses in use, in order of first use.
    public var busesInUse: [String] {
        var seen: [String] = []
        for sensor in sensors where !seen.contains(sensor.bus) { seen.append(sensor.bus) }
        return seen
    }

    /// The bus budget of every bus in use, at the data rates the drivers will set.
    public var busVerdicts: [(bus: String, verdict: BusBudget.Verdict)] {
        busesInUse.map { bus in
            let settings = busSettings(for: bus)
            // At the rates the drivers will set (a request between two rates is rounded up).
            let onBus = sensors.filter { $0.bus == bus }.map { sensor in
                var configuration = sensor.sensorConfiguration
                configuration.dataRateHz = sensor.appliedDataRateHz ?? sensor.dataRateHz
                return (chip: sensor.chip, configuration: configuration)
            }
            return (bus, BusBudget.evaluate(sensors: onBus, clockHz: settings.clockHz, maxReadLength: settings.maxReadLength))
        }
    }

    /// The stride analyser's configuration.
    public var analyzerConfiguration: StrideAnalyzerConfiguration { core.analyzerConfiguration() }
}
