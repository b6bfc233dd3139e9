import Foundation
import Hardware
import Logging
import StrideCore

/// Why the daemon could not start.
public enum DaemonError: Error, CustomStringConvertible {
    /// The run record could not be created (run directory missing or not writable).
    case runStore(RunStoreError, directory: String)
    /// The buzzer line could not be requested.
    case buzzer(GPIOError)

    public var description: String {
        switch self {
        case .runStore(let error, let directory): return "cannot record the run in \(directory): \(error)"
        case .buzzer(let error): return "cannot drive the buzzer: \(error)"
        }
    }

    /// The exit status for it (sysexits.h): EX_CANTCREAT for the run directory,
    /// EX_UNAVAILABLE for hardware.
    public var exitStatus: Int32 {
        switch self {
        case .runStore: return 73
        case .buzzer: return 69
        }
    }
}

/// The StrideGuard service: acquisition from every sensor, the stride core, the buzzer,
/// the run record, systemd notifications. `strideguard run` gives it the board
/// (LinuxPlatform), `strideguard simulate` the simulator (SimPlatform): the same code.
///
/// Threading: everything runs on the thread that calls ``run(untilNs:shouldStop:)``,
/// except the run record's writer thread and, on the board, the buzzer's own thread.
/// Results leave this thread only through the recorder's and the buzzer's bounded queues,
/// so a slow SD card never stalls acquisition.
public final class Daemon {
    /// How the daemon was asked to run.
    public struct Options: Sendable {
        /// "run" on the board, "simulate" on the virtual runner.
        public var mode: String
        /// Tags given at start (`--tag shoes=...`).
        public var tags: [(key: String, value: String)]
        /// The configuration file's text, stored in the run record.
        public var configurationYAML: String
        /// Where the configuration came from.
        public var configurationPath: String?
        /// Play cues on the buzzer's own thread (board) or from ``run(untilNs:shouldStop:)``
        /// as the virtual clock passes (simulator).
        public var buzzerThread: Bool
        /// Record raw samples in the run record (the analysis is always recorded).
        public var recordSamples: Bool
        /// The program's version, stored in the run record.
        public var appVersion: String
        /// A cap on the run record's size in 4 KiB pages (reaching it behaves as a full
        /// disk); nil for none. For tests of the full-disk path.
        public var recordPageLimit: Int? = nil

        /// Creates options.
        public init(mode: String, tags: [(key: String, value: String)] = [], configurationYAML: String = "",
                    configurationPath: String? = nil, buzzerThread: Bool, recordSamples: Bool = true,
                    appVersion: String = StrideGuardVersion.current) {
            self.mode = mode
            self.tags = tags
            self.configurationYAML = configurationYAML
            self.configurationPath = configurationPath
            self.buzzerThread = buzzerThread
            self.recordSamples = recordSamples
            self.appVersion = appVersion
        }
    }

    /// How often the live status is refreshed and systemd's STATUS sent, ns.
    public static let statusIntervalNs: UInt64 = 1_000_000_000
    /// The longest the loop blocks before checking for a stop request, ns: SIGTERM must
    /// end the run within 2 s (daemon issue), so a quarter of a second is plenty.
    public static let stopCheckIntervalNs: UInt64 = 250_000_000

    private(set) var configuration: DaemonConfiguration
    private let platform: any HardwarePlatform
    private let options: Options
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let gate = WatchdogGate()
    private var watchdog: SystemdWatchdog?
    private var acquisition: Acquisition?
    private var pipeline: GaitPipeline
    private var recorder: RunRecorder?
    private var buzzer: BuzzerDriver?
    private let specs: [SensorSpec]
    private var startNs: UInt64 = 0
    private var nextStatusNs: UInt64 = 0
    private var announcedSensorsUp = false
    private var faultCued: Set<Int> = []
    /// The live figures.
    public private(set) var status = LiveStatus()
    /// Called with the live status once a second (simulate prints it).
    public var onStatus: ((LiveStatus) -> Void)?
    /// Called with every alert as it is raised, escalated or cleared.
    public var onAlert: ((CompensationAlert) -> Void)?
    /// Called with every gait event the core detects (simulate scores them).
    public var onGaitEvent: ((GaitEvent) -> Void)?
    /// Alerts so far.
    public private(set) var alerts: [CompensationAlert] = []
    /// Gait events so far (count).
    public private(set) var eventCount = 0
    /// Events the pipeline dropped because they came after later ones were released (should
    /// stay 0: the detectors' safe horizons prevent it).
    public var lateEvents: Int { pipeline.lateEvents }
    /// The buzzer's figures (patterns, alert-to-onset latency), nil without a buzzer.
    public var buzzerStatistics: BuzzerStatistics? { buzzer?.statistics }
    /// Whether the run record is recording now (false while a full disk pauses it, and
    /// after a storage error).
    public var isRecording: Bool { recorder?.state == .recording }
    /// How many times a full disk paused the run record.
    public var recordDiskFullPauses: Int { recorder?.diskFullPauses ?? 0 }
    /// Records dropped on the way to the run record (queue or disk-full backlog full).
    public var recordDroppedRecords: Int { recorder?.droppedRecords ?? 0 }

    /// Caps the run record at `pages` pages of 4 KiB (nil lifts the cap): a cap at or below
    /// its size is a full disk. For the simulator's fault injection; not from the
    /// acquisition thread on the board.
    public func limitRunRecord(pages: Int?) {
        recorder?.limitPages(pages)
    }
    /// The run record's path, once started.
    public var runRecordPath: String? { recorder?.path }

    /// Creates the daemon; nothing is touched until ``start()``.
    public init(configuration: DaemonConfiguration, platform: any HardwarePlatform, options: Options,
                logger: Logger, notifier: SystemdNotifier = SystemdNotifier()) {
        self.configuration = configuration
        self.platform = platform
        self.options = options
        self.logger = logger
        self.notifier = notifier
        specs = configuration.sensorSpecs
        pipeline = GaitPipeline(
            placements: configuration.sensors.map { ($0.placement, sampleRateHz: $0.appliedDataRateHz ?? $0.dataRateHz) },
            analyzer: configuration.core.analyzerConfiguration())
        status.sensorsConfigured = specs.count
    }

    /// Opens the run record and the buzzer, brings the sensors up, tells systemd READY.
    public func start() throws(DaemonError) {
        let clock = platform.clock
        startNs = clock.nowNs
        nextStatusNs = startNs + Self.statusIntervalNs
        if let settings = configuration.buzzer {
            do {
                let line = try platform.openOutputLine(chip: settings.line.chip, offset: UInt32(clamping: settings.line.line),
                                                       activeLow: settings.activeLevel == .low)
                let driver = BuzzerDriver(line: line, clock: clock, player: BuzzerPlayer(patterns: configuration.patterns), logger: logger)
                if options.buzzerThread { _ = driver.start() }
                buzzer = driver
            } catch {
                throw .buzzer(error)
            }
        }
        let runSensors = specs.enumerated().map { index, spec in
            RunSensor(id: index, placement: spec.placement, bus: spec.busPath, address: spec.address, chip: spec.chip,
                      applied: nil, interruptLine: spec.interruptLine.map { "\($0.chip):\($0.offset)" })
        }
        let start = RunStart(appVersion: options.appVersion, startMonotonicNs: startNs,
                             configurationYAML: options.configurationYAML, configurationPath: options.configurationPath,
                             tags: options.tags, sensors: runSensors, mode: options.mode)
        do {
            var recorderOptions = RunRecorder.Options()
            // The simulator's clock outruns any disk: there the recorder makes acquisition
            // wait rather than drop. On the board (a buzzer thread) it never waits.
            recorderOptions.waitWhenFull = !options.buzzerThread
            recorderOptions.maxPageCount = options.recordPageLimit
            recorder = try RunRecorder.create(in: configuration.runDirectory, start: start, options: recorderOptions, logger: logger)
        } catch {
            buzzer?.stop()
            throw .runStore(error, directory: configuration.runDirectory)
        }
        logger.info("recording to \(recorder?.path ?? "?")")

        let acquisition = Acquisition(platform: platform, specs: specs, onSamples: { [unowned self] placement, batch in
            self.samplesArrived(placement, batch)
        }, onEvent: { [unowned self] event in
            self.acquisitionEvent(event)
        })
        self.acquisition = acquisition
        acquisition.start()
        status.sensorsUp = acquisition.sensorsUp.count
        if acquisition.allSensorsUp { sensorsAreUp() }
        watchdog = SystemdWatchdog(notifier: notifier, gate: gate, intervalNs: SystemdNotifier.watchdogInterval(), logger: logger)
    }

    private func sensorsAreUp() {
        guard !announcedSensorsUp else { return }
        announcedSensorsUp = true
        cue(.sensorsUp)
        do { try notifier.ready(status: "sensors up: \(specs.map(\.placement.rawValue).joined(separator: ", "))") } catch {
            logger.warning("systemd notification failed: \(error)")
        }
    }

    private func sensorIndex(_ placement: Placement) -> Int {
        specs.firstIndex { $0.placement == placement } ?? 0
    }

    private func samplesArrived(_ placement: Placement, _ batch: UnsafeBufferPointer<IMUSample>) {
        if let last = batch.last { gate.markSample(atNs: last.timeNs) }
        if options.recordSamples { _ = recorder?.record(samples: batch, sensor: sensorIndex(placement)) }
        pipeline.process(placement, batch) { output in
            self.handle(output)
        }
    }

    private func handle(_ output: PipelineOutput) {
        switch output {
        case .event(let event):
            eventCount += 1
            onGaitEvent?(event)
            _ = recorder?.record(event)
        case .activity(let activity):
            status.activity = activity
            _ = recorder?.record(RunActivityChange(timeNs: platform.clock.nowNs, activity: activity))
        case .analyzer(let result):
            _ = recorder?.record(result)
            analyzerOutput(result)
        case .mount(let placement, let check):
            mountChanged(placement, check)
        }
    }

    /// Whether `finding` is an impact asymmetry (PTA or loading rate) on a leg whose strap
    /// rings: a loose mount reads that leg's impacts tens of percent high, which looks like a
    /// sudden one-sided change but says nothing about the runner.
    static func comesFromALooseStrap(_ finding: CompensationFinding, looseMounts: [Placement]) -> Bool {
        guard finding.primaryMetric == .peakTibialAcceleration || finding.primaryMetric == .loadingRate else { return false }
        switch finding.side {
        case .leg(.left): return looseMounts.contains(.leftShank)
        case .leg(.right): return looseMounts.contains(.rightShank)
        case .both: return looseMounts.count == 2
        case .leg: return false  // an A/B leg of a sacrum-only rig: no shank strap
        }
    }

    /// A shank's strap started or stopped ringing: tell the runner's log, the live status
    /// and the run record (its PTA reads high while it rings).
    private func mountChanged(_ placement: Placement, _ check: MountRingingCheck) {
        if check.looseSuspected {
            let words = "the axial signal rings after \(check.ringingStances) of the last \(MountRingingCheck.window) impacts"
            logger.warning("\(placement.rawValue): the strap looks loose (\(words)); its PTA reads high: tighten it")
            if !status.looseMounts.contains(placement) { status.looseMounts.append(placement) }
            _ = recorder?.record(RunFault(sensor: sensorIndex(placement), kind: .looseMount, startNs: platform.clock.nowNs,
                                          detail: words))
        } else {
            logger.notice("\(placement.rawValue): the strap no longer rings after impacts")
            status.looseMounts.removeAll { $0 == placement }
        }
    }

    private func analyzerOutput(_ result: StrideAnalyzerOutput) {
        switch result {
        case .stride:
            status.strides += 1
        case .window(let window):
            status.contactTimeMs = (window.left[.contactTime], window.right[.contactTime])
            status.peakTibialAccelerationG = (window.left[.peakTibialAcceleration], window.right[.peakTibialAcceleration])
            status.contactTimeSI = window.symmetryIndex[.contactTime]
            status.peakTibialAccelerationSI = window.symmetryIndex[.peakTibialAcceleration]
            if let stepL = window.left[.stepTime], let stepR = window.right[.stepTime], stepL + stepR > 0 {
                status.cadenceStepsPerMinute = 120_000 / (stepL + stepR)  // step times in ms
            }
        case .baselineLearnt:
            status.baselineLearnt = true
            logger.info("baseline learnt")
            cue(.baselineLearnt)
        case .alert(let alert):
            alerts.append(alert)
            onAlert?(alert)
            let words = AlertWords.describe(alert)
            switch alert.kind {
            case .raised, .escalated:
                if Self.comesFromALooseStrap(alert.finding, looseMounts: status.looseMounts) {
                    // The strap, not the runner: the impact of a ringing mount reads high.
                    logger.notice("not cued, the strap of that leg looks loose: \(words)")
                    return
                }
                status.alerts += 1
                status.lastAlert = words
                logger.notice("compensation: \(words)")
                cue(AlertWords.cue(for: alert.finding.side))
            case .cleared:
                logger.info("compensation cleared: \(words)")
            }
        }
    }

    private func cue(_ cue: Cue) {
        guard let buzzer else { return }
        _ = buzzer.play(cue)
        if !options.buzzerThread { _ = buzzer.service() }
    }

    private func acquisitionEvent(_ event: AcquisitionEvent) {
        let now = platform.clock.nowNs
        switch event {
        case .sensorUp(let placement, let chip, let address, let applied, _):
            logger.info("\(placement.rawValue): \(chip.rawValue) at \(hex(address)) up, \(applied.map { "\(Int($0.dataRateHz)) Hz ±\(Int($0.rangeG)) g" } ?? "")")
        case .sensorFailedToStart(let placement, let error, _):
            logger.error("\(placement.rawValue): cannot start: \(error); retrying")
            cueFault(placement)
        case .sensorLost(let placement, let error, let at):
            logger.warning("\(placement.rawValue): sensor lost: \(error); retrying")
            _ = recorder?.record(RunFault(sensor: sensorIndex(placement), kind: .sensorLost, startNs: at, detail: "\(error)"))
            cueFault(placement)
        case .sensorRejoined(let placement, let from, let until):
            logger.notice("\(placement.rawValue): sensor back after \((until - from) / 1_000_000) ms")
            _ = recorder?.record(RunFault(sensor: sensorIndex(placement), kind: .sensorRejoined, startNs: from, endNs: until))
            pipeline.noteGap(placement)
        case .overrun(let placement, let lost, let at):
            logger.warning("\(placement.rawValue): FIFO overrun, about \(lost) samples lost")
            _ = recorder?.record(RunFault(sensor: sensorIndex(placement), kind: .fifoOverrun, startNs: at, detail: "\(lost) samples"))
        case .busErrors(let placement, let count, let from, let until):
            logger.info("\(placement.rawValue): \(count) bus error(s) in drains, retried")
            _ = recorder?.record(RunFault(sensor: sensorIndex(placement), kind: .busError, startNs: from, endNs: until,
                                          errno: EIO, detail: "\(count) failed transfers, retried"))
        case .interruptUnavailable(let placement, let error):
            logger.warning("\(placement.rawValue): interrupt line unavailable (\(error)); polling instead")
        case .busUnavailable(let placement, let error):
            logger.error("\(placement.rawValue): \(error)")
        }
        if let acquisition {
            status.sensorsUp = acquisition.sensorsUp.count
            if acquisition.allSensorsUp { sensorsAreUp() }
        }
        _ = now
    }

    /// A sensor fault is cued once per sensor per run: a loose connector must not buzz
    /// every second.
    private func cueFault(_ placement: Placement) {
        let index = sensorIndex(placement)
        guard !faultCued.contains(index) else { return }
        faultCued.insert(index)
        cue(.sensorFault)
    }

    /// Runs until the clock reaches `deadlineNs` (nil: forever) or `shouldStop` says so.
    public func run(untilNs deadlineNs: UInt64?, shouldStop: () -> Bool = { false }) {
        guard let acquisition else { return }
        let clock = platform.clock
        let end = deadlineNs ?? .max
        while clock.nowNs < end && !shouldStop() {
            var sliceEnd = min(end, clock.nowNs + Self.stopCheckIntervalNs, nextStatusNs)
            if !options.buzzerThread, let next = buzzer?.nextChangeNs { sliceEnd = min(sliceEnd, max(next, clock.nowNs + 1)) }
            if options.buzzerThread {
                acquisition.run(untilNs: sliceEnd, shouldStop: shouldStop)
            } else {
                // The simulator serves the buzzer on this thread: wake at its next change
                // (a cue requested during a drain starts a pattern mid-slice).
                acquisition.run(untilNs: sliceEnd, shouldStop: { shouldStop() || self.buzzerChangeDue() },
                                wakeBy: { self.buzzer?.nextChangeNs })
            }
            if !options.buzzerThread { _ = buzzer?.service() }
            housekeeping()
        }
    }

    private func buzzerChangeDue() -> Bool {
        guard let next = buzzer?.nextChangeNs else { return false }
        return next <= platform.clock.nowNs
    }

    private func housekeeping() {
        let now = platform.clock.nowNs
        if let watchdog, let next = watchdog.nextTickNs, now >= next { _ = watchdog.tick(nowNs: now) }
        guard now >= nextStatusNs else { return }
        nextStatusNs = now + Self.statusIntervalNs
        status.elapsedSeconds = Double(now - startNs) / 1e9
        onStatus?(status)
        if notifier.isActive { try? notifier.status(status.line) }
    }

    /// Applies a reloaded configuration's live settings (SIGHUP): patterns now; the rest
    /// needs a restart and is logged as such by the caller.
    public func applyLive(_ reloaded: DaemonConfiguration) {
        configuration.patterns = reloaded.patterns
        buzzer?.reload(patterns: reloaded.patterns)
    }

    /// Stops the sensors, flushes and closes the run record, drives the buzzer off and
    /// tells systemd STOPPING.
    public func stop(reason: String) {
        try? notifier.stopping(status: "stopping: \(reason)")
        acquisition?.stop()
        pipeline.finish { output in self.handle(output) }
        if let acquisition, let recorder {
            for (placement, stats) in acquisition.statistics {
                _ = recorder.record(statistics: stats, sensor: sensorIndex(placement))
            }
        }
        recorder?.close(endMonotonicNs: platform.clock.nowNs)
        buzzer?.stop()
        logger.info("stopped: \(reason)")
    }
}
