import Hardware

extension DaemonConfiguration {
    /// What the daemon will do with this configuration, for people: the sensors, the load
    /// of each bus, the buzzer, the patterns, the core settings, the run directory. Printed
    /// by `strideguard check-config` and logged by the daemon at start.
    public var summaryLines: [String] {
        func number(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        }
        var lines: [String] = ["sensors:"]
        for sensor in sensors {
            let rate = sensor.appliedDataRateHz.map { $0 == sensor.dataRateHz ? "\(number($0)) Hz" : "\(number($0)) Hz (asked \(number(sensor.dataRateHz)))" }
                ?? "\(number(sensor.dataRateHz)) Hz"
            let range = sensor.appliedRangeG.map { $0 == sensor.rangeG ? "±\(number($0)) g" : "±\(number($0)) g (asked ±\(number(sensor.rangeG)))" }
                ?? "±\(number(sensor.rangeG)) g"
            let period = (Double(sensor.fifoPeriodNs) / 1e5).rounded() / 10
            let wake = sensor.interrupt.map { "\(sensor.interruptPin.rawValue.uppercased()) → \($0)" } ?? "polled every \(number(period)) ms"
            let gyro = sensor.chip.hasGyro ? (sensor.gyro ? ", gyroscope on" : ", gyroscope off") : ""
            let selfTest = sensor.selfTest ? "" : ", self-test off"
            lines.append("  \(sensor.name): \(sensor.placement.rawValue), \(sensor.chip.rawValue.uppercased()) at \(hex(sensor.address)) on \(sensor.bus), "
                         + "\(rate), \(range), watermark \(sensor.fifoWatermark) (every \(number(period)) ms), \(wake)\(gyro)\(selfTest)")
        }
        lines.append("buses:")
        for (bus, verdict) in busVerdicts {
            let state = verdict.isOverloaded ? "OVERLOADED" : verdict.isTight ? "tight" : "ok"
            let settings = busSettings(for: bus)
            lines.append("  \(bus): \(verdict.summary), reads up to \(settings.maxReadLength) bytes: \(state)")
        }
        if let buzzer {
            lines.append("buzzer: \(buzzer.line), active \(buzzer.activeLevel.rawValue)")
        } else {
            lines.append("buzzer: none (cues are logged only)")
        }
        lines.append("patterns (on/off ms, on first):")
        for cue in Cue.allCases {
            guard let pattern = patterns[cue] else { continue }
            let custom = pattern == BuzzerPattern.defaults[cue] ? "" : " (configured)"
            let steps = pattern.steps.map { String($0.durationMs) }.joined(separator: ", ")
            lines.append("  \(cue.rawValue): [\(steps)], \(pattern.durationMs) ms\(custom)")
        }
        lines.append("core: SI window \(core.windowSteps) steps (hop \(core.windowHopSteps)), warm-up \(number(core.warmupMinutes)) min, "
                     + "baseline \(number(core.baselineMinutes)) min, sensitivity \(number(core.sensitivity)), "
                     + "alert cool-down \(number(core.alertCooldownSeconds)) s, reminder \(number(core.alertReminderSeconds)) s")
        lines.append("run directory: \(runDirectory)")
        lines.append("log level: \(logLevel.rawValue)")
        return lines
    }
}
