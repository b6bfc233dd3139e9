/// What a SIGHUP reload can do with a newly loaded configuration.
///
/// Live: cue patterns, core sensitivity and alert timing, log level. Restart: sensors,
/// buses, GPIO lines (interrupts and buzzer), the run directory, and the core's window and
/// baseline settings (they size buffers and define the baseline being learnt).
public struct ReloadPlan: Sendable, Equatable {
    /// Changed keys the running daemon applies at once.
    public var live: [String]
    /// Changed keys that take effect only after a restart (the running values stay).
    public var needingRestart: [String]
    /// The configuration to run with after the reload: the running one with the live
    /// changes applied.
    public var configuration: DaemonConfiguration

    /// True when nothing changed.
    public var isEmpty: Bool { live.isEmpty && needingRestart.isEmpty }

    /// Classifies the differences between the running configuration and a newly loaded,
    /// valid one. (A new configuration with errors is not passed here: the daemon logs its
    /// problems and keeps the running one.)
    public init(running: DaemonConfiguration, reloaded: DaemonConfiguration) {
        var live: [String] = []
        var restart: [String] = []
        var next = running

        for cue in Cue.allCases where running.patterns[cue] != reloaded.patterns[cue] {
            live.append("patterns.\(cue.rawValue)")
        }
        next.patterns = reloaded.patterns
        let core = (running.core, reloaded.core)
        if core.0.sensitivity != core.1.sensitivity { live.append("core.sensitivity") }
        if core.0.alertCooldownSeconds != core.1.alertCooldownSeconds { live.append("core.alert_cooldown_seconds") }
        if core.0.alertReminderSeconds != core.1.alertReminderSeconds { live.append("core.alert_reminder_seconds") }
        next.core.sensitivity = core.1.sensitivity
        next.core.alertCooldownSeconds = core.1.alertCooldownSeconds
        next.core.alertReminderSeconds = core.1.alertReminderSeconds
        if running.logLevel != reloaded.logLevel { live.append("log_level") }
        next.logLevel = reloaded.logLevel

        if core.0.windowSteps != core.1.windowSteps { restart.append("core.window_steps") }
        if core.0.windowHopSteps != core.1.windowHopSteps { restart.append("core.window_hop_steps") }
        if core.0.warmupMinutes != core.1.warmupMinutes { restart.append("core.warmup_minutes") }
        if core.0.baselineMinutes != core.1.baselineMinutes { restart.append("core.baseline_minutes") }

        let oldSensors = Dictionary(running.sensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newSensors = Dictionary(reloaded.sensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for name in Set(oldSensors.keys).union(newSensors.keys).sorted() where oldSensors[name] != newSensors[name] {
            restart.append("sensors.\(name)")
        }
        let busPaths = Set(running.busesInUse + Array(running.buses.keys)).union(reloaded.busesInUse + Array(reloaded.buses.keys))
        for bus in busPaths.sorted() where running.busSettings(for: bus) != reloaded.busSettings(for: bus) {
            restart.append("buses.\(ConfigurationSchema.busName(forPath: bus))")
        }
        if running.buzzer != reloaded.buzzer { restart.append("buzzer") }
        if running.runDirectory != reloaded.runDirectory { restart.append("run_directory") }

        self.live = live
        self.needingRestart = restart
        self.configuration = next
    }
}
