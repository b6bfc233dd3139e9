import Hardware
import StrideCore

/// The limits a configuration is checked against, each with its reason.
public enum ConfigurationLimits {
    /// Bus clock, Hz: 10 kHz is the SMBus minimum, 3.4 MHz I2C high-speed mode's maximum
    /// (NXP UM10204 Table 10).
    public static let busClockHz = 10_000...3_400_000
    /// Longest read in one transfer, bytes: `struct i2c_msg`'s length is 16 bits.
    public static let maxReadLength = 1...65_535
    /// GPIO line offsets: the uAPI's are 32-bit, but no board has chips this large; a
    /// bigger number is a typo.
    public static let gpioLine = 0...65_535
    /// Shortest pulse that reads as its own pulse while running (BuzzerPattern's defaults:
    /// "shorter vibration pulses are hard to tell apart"): shorter is a warning.
    public static let minimumDistinctPulseMs = 100
    /// Longest single on or off step, ms: longer is no cue (the fault cue's 1.5 s buzz is
    /// the longest default).
    public static let maximumStepMs = 5_000
    /// Longest pattern, ms: the player plays one pattern at a time, so a longer one would
    /// hold back the next alert's cue.
    public static let maximumPatternMs = 10_000
    /// SI window, steps: fewer than 8 gives an SI that is mostly stride-to-stride noise,
    /// more than 512 (about 3 min of running) cannot show a change during a run.
    public static let windowSteps = 8...512
    /// SI windows in the asymmetry literature span 25-64 steps; outside is a warning.
    public static let recommendedWindowSteps = 25...64
    /// Warm-up before the baseline is learnt, minutes.
    public static let warmupMinutes = 0.0...60.0
    /// Baseline learning time, minutes.
    public static let baselineMinutes = 1.0...60.0
    /// Below this the baseline's minimum of 150 good strides per leg (at about 85 strides a
    /// minute) is unlikely to be reached in time, minutes.
    public static let shortBaselineMinutes = 2.0
    /// Sensitivity factor: from a quarter to four times the default raise thresholds.
    public static let sensitivity = 0.25...4.0
    /// Alert cool-down and reminder, s.
    public static let alertSeconds = 0.0...7_200.0
}

extension DaemonConfiguration {
    /// Checks everything the daemon would check before it starts: sensors against their
    /// chips, duplicate addresses, placements and GPIO lines, the bus budget of every bus,
    /// patterns, core settings and the run directory. Returns every problem found.
    ///
    /// - Parameter source: where values came from, so problems name the file or variable.
    public func validate(source: ConfigurationSource = .builtIn) -> [ConfigurationProblem] {
        validate(source: source, sensorsComplete: true)
    }

    /// As ``validate(source:)``; `sensorsComplete` false (a sensor was dropped for a bad
    /// required field, already reported) skips the missing-shank check.
    func validate(source: ConfigurationSource, sensorsComplete: Bool) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func error(_ key: String, _ message: String) {
            problems.append(ConfigurationProblem(.error, source: source.origin(of: key), key: key, message))
        }
        func warning(_ key: String, _ message: String) {
            problems.append(ConfigurationProblem(.warning, source: source.origin(of: key), key: key, message))
        }
        func number(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        }

        // Each sensor against its chip.
        for sensor in sensors {
            let base = "sensors.\(sensor.name)"
            let chipName = sensor.chip.rawValue.uppercased()
            if !sensor.chip.addresses.contains(sensor.address) {
                error("\(base).address", "\(hex(sensor.address)) is not an address an \(chipName) can have; "
                      + "allowed \(sensor.chip.addresses.map(hex).joined(separator: ", "))")
            }
            if !sensor.bus.hasPrefix("/") {
                error("\(base).bus", "'\(sensor.bus)' is not an absolute path to an I2C bus device, e.g. /dev/i2c-1")
            }
            let rates = sensor.chip.dataRatesHz
            let ratesText = rates.map(number).joined(separator: ", ")
            if sensor.dataRateHz <= 0 {
                error("\(base).data_rate_hz", "\(number(sensor.dataRateHz)) Hz is not a data rate; allowed for the \(chipName): \(ratesText)")
            } else if let applied = sensor.appliedDataRateHz {
                if applied != sensor.dataRateHz {
                    warning("\(base).data_rate_hz", "the \(chipName) has no \(number(sensor.dataRateHz)) Hz; the driver will use "
                            + "\(number(applied)) Hz (allowed \(ratesText))")
                }
            } else {
                error("\(base).data_rate_hz", "\(number(sensor.dataRateHz)) Hz is beyond the \(chipName); allowed \(ratesText)")
            }
            let ranges = sensor.chip.rangesG.map(number).joined(separator: ", ")
            if sensor.rangeG <= 0 {
                error("\(base).range_g", "±\(number(sensor.rangeG)) g is not a range; allowed for the \(chipName): \(ranges)")
            } else if let applied = sensor.appliedRangeG {
                if applied != sensor.rangeG {
                    warning("\(base).range_g", "the \(chipName) has no ±\(number(sensor.rangeG)) g; the driver will use "
                            + "±\(number(applied)) g (allowed \(ranges))")
                }
            } else {
                error("\(base).range_g", "±\(number(sensor.rangeG)) g is beyond the \(chipName); allowed \(ranges)"
                      + (sensor.chip == .adxl345 ? " (fit an ADXL375 for more)" : ""))
            }
            // The drivers keep the watermark below the FIFO depth so it fires before an
            // overrun; the LSM6DSO's FIFO holds an accelerometer and a gyroscope word a sample.
            let wordsPerSample = sensor.chip.hasGyro && sensor.gyro ? 2 : 1
            let maxWatermark = (sensor.chip.fifoCapacity - 1) / wordsPerSample
            if !(1...maxWatermark).contains(sensor.fifoWatermark) {
                let gyroNote = sensor.chip.hasGyro ? " with the gyroscope \(sensor.gyro ? "on" : "off")" : ""
                error("\(base).fifo_watermark", "\(sensor.fifoWatermark) samples does not fit the \(chipName)'s "
                      + "\(sensor.chip.fifoCapacity)-word FIFO\(gyroNote); allowed 1...\(maxWatermark)")
            }
            if !sensor.selfTest {
                warning("\(base).self_test", "false: the \(chipName)'s self-test is skipped at start, so a chip that "
                        + "answers but does not measure is not caught (meant for the kernel's i2c-stub)")
            }
            if sensor.chip.family == .lis3dh, sensor.interruptPin == .int2 {
                error("\(base).interrupt.pin", "int2: the LIS3DH signals the FIFO watermark on INT1 only "
                      + "(datasheet §5.1, CTRL_REG3); allowed int1")
            }
            if let line = sensor.interrupt {
                if !line.chip.hasPrefix("/") {
                    error("\(base).interrupt.chip", "'\(line.chip)' is not an absolute path to a GPIO chip, e.g. /dev/gpiochip0")
                }
            } else {
                let ms = Double(sensor.fifoPeriodNs) / 1e6
                warning("\(base).interrupt.line", "not set: the sensor is polled every \(number((ms * 10).rounded() / 10)) ms; "
                        + "sample times then come from the poll, not from the kernel's interrupt timestamps")
            }
        }

        // Sensors against each other.
        for (index, sensor) in sensors.enumerated() {
            let base = "sensors.\(sensor.name)"
            if let other = sensors[..<index].first(where: { $0.bus == sensor.bus && $0.address == sensor.address }) {
                error("\(base).address", "\(hex(sensor.address)) on \(sensor.bus) is also sensors.\(other.name)'s address; "
                      + "two chips cannot share one address on one bus (set the address pin, or use another bus)")
            }
            if let other = sensors[..<index].first(where: { $0.placement == sensor.placement }) {
                error("\(base).placement", "\(sensor.placement.rawValue) is also sensors.\(other.name)'s placement; one sensor per placement")
            }
        }
        if sensorsComplete {
            for placement in [Placement.leftShank, .rightShank] where !sensors.contains(where: { $0.placement == placement }) {
                error("sensors", "no sensor on \(placement.rawValue); the daemon needs one on each shank")
            }
        }

        // GPIO lines: each may be requested once.
        var lines: [(key: String, line: GPIOLineSettings)] = sensors.compactMap { sensor in
            sensor.interrupt.map { ("sensors.\(sensor.name).interrupt.line", $0) }
        }
        if let buzzer { lines.append(("buzzer.line", buzzer.line)) }
        for (index, entry) in lines.enumerated() {
            if let other = lines[..<index].first(where: { $0.line == entry.line }) {
                error(entry.key, "\(entry.line) is also \(other.key); a GPIO line can be used once")
            }
        }
        if let buzzer, !buzzer.line.chip.hasPrefix("/") {
            error("buzzer.chip", "'\(buzzer.line.chip)' is not an absolute path to a GPIO chip, e.g. /dev/gpiochip0")
        }

        // Buses: the budget of each one in use, and entries that no sensor uses.
        for (bus, verdict) in busVerdicts {
            // A rate the chip does not have is reported above; its load would only add noise.
            if sensors.contains(where: { $0.bus == bus && $0.appliedDataRateHz == nil }) { continue }
            let key = "buses.\(ConfigurationSchema.busName(forPath: bus)).clock_hz"
            if verdict.isOverloaded {
                error(key, "\(bus) is overloaded: \(verdict.summary); lower the data rates, raise the bus clock, "
                      + "or put the sensors on separate buses")
            } else if verdict.isTight {
                warning(key, "\(bus) is tight: \(verdict.summary); above \(Int(BusBudget.warningLoad * 100)) % "
                        + "transfers may not keep up and FIFOs may overrun")
            }
        }
        for bus in buses.keys.sorted() where !busesInUse.contains(bus) {
            warning("buses.\(ConfigurationSchema.busName(forPath: bus))", "no sensor is on \(bus); the entry is unused")
        }

        // Patterns.
        for cue in Cue.allCases {
            guard let pattern = patterns[cue] else { continue }
            let key = "patterns.\(cue.rawValue)"
            if pattern.steps.isEmpty {
                error(key, "empty; give on/off durations in ms, on first, e.g. [100, 100, 100]")
                continue
            }
            for (index, step) in pattern.steps.enumerated() {
                if step.durationMs <= 0 {
                    error(key, "item \(index) is \(step.durationMs) ms; durations must be 1...\(ConfigurationLimits.maximumStepMs) ms")
                } else if step.durationMs > ConfigurationLimits.maximumStepMs {
                    error(key, "item \(index) is \(step.durationMs) ms; durations must be 1...\(ConfigurationLimits.maximumStepMs) ms")
                } else if step.durationMs < ConfigurationLimits.minimumDistinctPulseMs {
                    warning(key, "item \(index) is \(step.durationMs) ms; pulses under \(ConfigurationLimits.minimumDistinctPulseMs) ms "
                            + "are hard to tell apart while running")
                }
            }
            if pattern.steps.allSatisfy({ $0.durationMs > 0 }), pattern.durationMs > ConfigurationLimits.maximumPatternMs {
                error(key, "\(pattern.durationMs) ms in all; a pattern may last at most \(ConfigurationLimits.maximumPatternMs) ms")
            }
        }

        // Core.
        if !ConfigurationLimits.windowSteps.contains(core.windowSteps) {
            error("core.window_steps", "\(core.windowSteps) steps; allowed \(ConfigurationLimits.windowSteps.lowerBound)..."
                  + "\(ConfigurationLimits.windowSteps.upperBound) (asymmetry studies use 25-64)")
        } else if !ConfigurationLimits.recommendedWindowSteps.contains(core.windowSteps) {
            warning("core.window_steps", "\(core.windowSteps) steps is outside the 25-64 steps asymmetry studies use")
        }
        if !(1...max(1, core.windowSteps)).contains(core.windowHopSteps) {
            error("core.window_hop_steps", "\(core.windowHopSteps) steps; allowed 1...\(max(1, core.windowSteps)) (at most the window)")
        }
        if !ConfigurationLimits.warmupMinutes.contains(core.warmupMinutes) {
            error("core.warmup_minutes", "\(number(core.warmupMinutes)) min; allowed 0...\(number(ConfigurationLimits.warmupMinutes.upperBound))")
        }
        if !ConfigurationLimits.baselineMinutes.contains(core.baselineMinutes) {
            error("core.baseline_minutes", "\(number(core.baselineMinutes)) min; allowed "
                  + "\(number(ConfigurationLimits.baselineMinutes.lowerBound))...\(number(ConfigurationLimits.baselineMinutes.upperBound))")
        } else if core.baselineMinutes < ConfigurationLimits.shortBaselineMinutes {
            warning("core.baseline_minutes", "\(number(core.baselineMinutes)) min may not reach the "
                    + "\(BaselineConfiguration.defaultMinStridesPerLeg) good strides per leg a baseline needs")
        }
        if !ConfigurationLimits.sensitivity.contains(core.sensitivity) {
            error("core.sensitivity", "\(number(core.sensitivity)); allowed \(number(ConfigurationLimits.sensitivity.lowerBound))..."
                  + "\(number(ConfigurationLimits.sensitivity.upperBound)) (1 = default thresholds, 2 = alert on half the change)")
        }
        for (key, value) in [("core.alert_cooldown_seconds", core.alertCooldownSeconds), ("core.alert_reminder_seconds", core.alertReminderSeconds)]
            where !ConfigurationLimits.alertSeconds.contains(value) {
            error(key, "\(number(value)) s; allowed 0...\(number(ConfigurationLimits.alertSeconds.upperBound))")
        }
        if core.alertReminderSeconds < core.alertCooldownSeconds {
            warning("core.alert_reminder_seconds", "\(number(core.alertReminderSeconds)) s is shorter than the "
                    + "\(number(core.alertCooldownSeconds)) s cool-down, so reminders come at the cool-down")
        }

        if !runDirectory.hasPrefix("/") {
            error("run_directory", "'\(runDirectory)' is not an absolute path")
        }
        return problems
    }
}
