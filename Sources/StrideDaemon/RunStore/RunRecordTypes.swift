import Foundation
import Hardware
import StrideCore

/// One sensor as the run record describes it.
public struct RunSensor: Sendable, Equatable {
    /// The index the daemon uses for this sensor in `RunRecorder.record(samples:sensor:)`
    /// (0, 1, 2 …); the `sensors.id` column.
    public var id: Int
    /// Where it is worn.
    public var placement: Placement
    /// Bus name, e.g. "/dev/i2c-1".
    public var bus: String
    /// 7-bit I2C address.
    public var address: UInt8
    /// The chip (from the configuration; chips sharing an ID cannot be told apart).
    public var chip: ChipModel
    /// What the driver set (rate, range, watermark, gyroscope range); nil when the sensor
    /// was not configured (it did not answer at start).
    public var applied: AppliedConfiguration?
    /// The interrupt (FIFO watermark) line, e.g. "gpiochip0:17"; nil when polling.
    public var interruptLine: String?
    /// The driver's running totals; the recorder updates them through
    /// `RunRecorder.record(statistics:sensor:)` (the last value given is kept).
    public var statistics: DriverStatistics

    /// Creates a sensor description.
    public init(id: Int, placement: Placement, bus: String, address: UInt8, chip: ChipModel,
                applied: AppliedConfiguration?, interruptLine: String? = nil,
                statistics: DriverStatistics = DriverStatistics()) {
        self.id = id
        self.placement = placement
        self.bus = bus
        self.address = address
        self.chip = chip
        self.applied = applied
        self.interruptLine = interruptLine
        self.statistics = statistics
    }
}

/// Everything the run record needs at the start of a run.
public struct RunStart: Sendable {
    /// The daemon's version, e.g. "0.3.0".
    public var appVersion: String
    /// Wall-clock start time (names the file, and maps the monotonic times to dates).
    public var startDate: Date
    /// CLOCK_MONOTONIC at the start, ns (the clock every time in the record is on).
    public var startMonotonicNs: UInt64
    /// The configuration file's text as read (YAML).
    public var configurationYAML: String
    /// The effective configuration as JSON (after defaults and environment overrides), for
    /// tools; nil when not available. Stored as given.
    public var configurationJSON: String?
    /// Where the configuration was read from.
    public var configurationPath: String?
    /// Tags given at start (`--tag shoes=pegasus`), in the order given; a repeated key
    /// keeps its last value.
    public var tags: [(key: String, value: String)]
    /// The sensors; their `id`s are the indices used when recording samples.
    public var sensors: [RunSensor]
    /// "run" on the board, "simulate" on the virtual runner, "replay" …
    public var mode: String

    /// Creates a start description.
    public init(appVersion: String, startDate: Date = Date(), startMonotonicNs: UInt64,
                configurationYAML: String, configurationJSON: String? = nil, configurationPath: String? = nil,
                tags: [(key: String, value: String)] = [], sensors: [RunSensor], mode: String = "run") {
        self.appVersion = appVersion
        self.startDate = startDate
        self.startMonotonicNs = startMonotonicNs
        self.configurationYAML = configurationYAML
        self.configurationJSON = configurationJSON
        self.configurationPath = configurationPath
        self.tags = tags
        self.sensors = sensors
        self.mode = mode
    }
}

/// What went wrong with a sensor, or what interrupted its data.
public enum RunFaultKind: String, Sendable, Equatable, CaseIterable {
    /// The sensor stopped answering; the interval is the gap in its data.
    case sensorLost = "sensor-lost"
    /// The FIFO overran: samples were lost.
    case fifoOverrun = "fifo-overrun"
    /// A bus transfer failed (the sample stream may go on).
    case busError = "bus-error"
    /// The sensor failed its self-test.
    case selfTestFailed = "self-test-failed"
    /// The sensor was reconfigured after coming back.
    case sensorRejoined = "sensor-rejoined"
    /// Samples were dropped between acquisition and analysis or storage (a queue full, or
    /// raw samples not stored while the disk was full).
    case samplesDropped = "samples-dropped"
    /// The disk was full: recording paused from `startNs` to `endNs` (rig-wide).
    case diskFull = "disk-full"
    /// A shank sensor's mount rang after most impacts (a loose strap) from `startNs`: that
    /// leg's PTA and loading rate read high, and their symmetry with them.
    case looseMount = "loose-mount"
    /// Anything else (see `detail`).
    case other
}

/// A fault or a gap in one sensor's data (or of the whole rig when `sensor` is nil).
public struct RunFault: Sendable, Equatable {
    /// The sensor's `RunSensor.id`, nil for the rig as a whole.
    public var sensor: Int?
    /// What happened.
    public var kind: RunFaultKind
    /// When it started, CLOCK_MONOTONIC ns.
    public var startNs: UInt64
    /// When it ended, ns; nil for an instant fault, or a gap still open.
    public var endNs: UInt64?
    /// errno of the failing call (positive), nil when none.
    public var errno: Int32?
    /// A short text for people. Pass a literal or a string built off the real-time thread.
    public var detail: String

    /// Creates a fault.
    public init(sensor: Int?, kind: RunFaultKind, startNs: UInt64, endNs: UInt64? = nil, errno: Int32? = nil, detail: String = "") {
        self.sensor = sensor
        self.kind = kind
        self.startNs = startNs
        self.endNs = endNs
        self.errno = errno
        self.detail = detail
    }
}

/// A change of what the runner is doing (standing, walking, running).
public struct RunActivityChange: Sendable, Equatable {
    /// When, CLOCK_MONOTONIC ns.
    public var timeNs: UInt64
    /// The new activity.
    public var activity: Activity

    /// Creates a change.
    public init(timeNs: UInt64, activity: Activity) {
        self.timeNs = timeNs
        self.activity = activity
    }
}

/// One sample with the sensor it came from: an element of the recorder's sample queue.
struct QueuedSample: Sendable {
    var sensor: UInt8
    var sample: IMUSample
    static let filler = QueuedSample(sensor: 0, sample: .empty)
}

/// Anything but samples that goes into the run record: an element of the recorder's
/// record queue. Values are copied into a preallocated slot; none allocates (a baseline's
/// arrays are retained, not copied).
enum QueuedRecord: Sendable {
    case none
    case event(GaitEvent)
    case stride(StrideRecord)
    case window(SymmetryWindowReport)
    case baseline(BaselineModel)
    case alert(CompensationAlert)
    case fault(RunFault)
    case activity(RunActivityChange)
    case statistics(sensor: Int, DriverStatistics)

    /// The record's time on the run clock, nil for none.
    var timeNs: UInt64? {
        switch self {
        case .none, .statistics: return nil
        case .event(let e): return e.timeNs
        case .stride(let s): return s.endNs
        case .window(let w): return w.endNs
        case .baseline(let b): return b.learntAtNs
        case .alert(let a): return a.timeNs
        case .fault(let f): return f.endNs ?? f.startNs
        case .activity(let a): return a.timeNs
        }
    }
}

/// The state of a recorder.
public enum RunRecorderState: Sendable, Equatable {
    /// Recording.
    case recording
    /// Paused because the disk (or the record's size limit) is full: raw samples are not
    /// stored (a gap), the analysis records wait in a bounded backlog, and the recorder
    /// retries until there is room again. Analysis and the buzzer go on; what was
    /// committed before stays readable.
    case pausedDiskFull
    /// Stopped on another storage error (the log says which).
    case stoppedError
    /// Closed.
    case closed
}

/// Errors creating a run record.
public enum RunStoreError: Error, Sendable, CustomStringConvertible {
    /// The run directory could not be created or is not writable.
    case directory(path: String, errno: Int32, message: String)
    /// SQLite refused to create or set up the file.
    case sqlite(path: String, code: Int32, message: String)
    /// Two sensors share an id, or an id is outside 0...255.
    case badSensorIds(String)

    public var description: String {
        switch self {
        case .directory(let path, let errno, let message):
            return "run directory \(path): \(message) (errno \(errno))"
        case .sqlite(let path, let code, let message):
            return "run record \(path): SQLite error \(code): \(message)"
        case .badSensorIds(let why):
            return "run record: \(why)"
        }
    }
}
