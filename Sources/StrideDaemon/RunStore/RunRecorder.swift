import Foundation
import GRDB
import Hardware
import Logging
import StrideCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Records one run into one SQLite file (docs/RUN-RECORD.md).
///
/// The daemon creates it at the start of a run, feeds it from the acquisition thread and
/// closes it at the end:
///
/// ```swift
/// let recorder = try RunRecorder.create(in: runDirectory, start: start, logger: logger)
/// // acquisition thread, after each FIFO drain:
/// recorder.record(samples: UnsafeBufferPointer(rebasing: buffer[0..<n]), sensor: id)
/// recorder.record(event)            // each gait event
/// recorder.record(output)           // each StrideAnalyzerOutput
/// // at the end (SIGTERM too):
/// recorder.close(endMonotonicNs: clock.nowNs)
/// ```
///
/// The `record` methods never block, never allocate and take no lock: they copy the item
/// into a bounded, preallocated queue and return; when a queue is full the item is dropped
/// and counted (logged once, stored in `run.dropped_*`). A writer thread owned by the
/// recorder drains the queues and writes everything that arrived in one transaction per
/// `Options.commitInterval` (1 s), so a power cut loses at most the last second and never
/// the file (WAL, `synchronous=FULL`, see `create`). A full disk (SQLITE_FULL) stops the
/// recording with one log line and sets `state` to `.stoppedDiskFull`; the `record` methods
/// then return false at once, and the rest of the daemon goes on.
///
/// `@unchecked Sendable`: the producer side touches only the two lock-free queues and
/// atomics; the database connection and the writer's buffers are touched only by the
/// writer thread (and, after it has exited, by nobody); the flush/close handshake fields
/// are guarded by `condition`.
public final class RunRecorder: @unchecked Sendable {
    /// Tuning of a recorder.
    public struct Options: Sendable {
        /// Longest time between two commits, s: a power cut loses at most this much (issue 4:
        /// "committed at least every second").
        public static let defaultCommitInterval = 1.0
        /// Sample queue slots: 16384 ≈ 10 s of two sensors at 800 Hz, so an SD card that
        /// stalls for several seconds (an erase block, a fsync) drops nothing. 48 bytes a slot.
        public static let defaultSampleQueueCapacity = 16_384
        /// Record queue slots (events, strides, windows, alerts, faults): a run produces
        /// about 10 a second.
        public static let defaultRecordQueueCapacity = 1_024
        /// Most samples in one chunk row (~5 s at 800 Hz; normally the commit cadence makes
        /// ~1 s chunks).
        public static let defaultMaxChunkSamples = 4_096

        /// Longest time between two commits, s.
        public var commitInterval: Double
        /// Sample queue slots (rounded up to a power of two).
        public var sampleQueueCapacity: Int
        /// Record queue slots (rounded up to a power of two).
        public var recordQueueCapacity: Int
        /// Most samples in one chunk row.
        public var maxChunkSamples: Int
        /// `PRAGMA max_page_count`: a cap on the record's size in pages (4 KiB); nil for no
        /// cap. Reaching it behaves as a full disk (tests use it to simulate one).
        public var maxPageCount: Int?
        /// Wait for the writer instead of dropping when a queue is full. Only for the
        /// simulator, whose virtual clock runs many times faster than a disk: on the board
        /// acquisition must never wait, so it stays false there.
        public var waitWhenFull = false

        /// Creates options (defaults above).
        public init(commitInterval: Double = defaultCommitInterval, sampleQueueCapacity: Int = defaultSampleQueueCapacity,
                    recordQueueCapacity: Int = defaultRecordQueueCapacity, maxChunkSamples: Int = defaultMaxChunkSamples,
                    maxPageCount: Int? = nil) {
            self.commitInterval = commitInterval
            self.sampleQueueCapacity = sampleQueueCapacity
            self.recordQueueCapacity = recordQueueCapacity
            self.maxChunkSamples = maxChunkSamples
            self.maxPageCount = maxPageCount
        }
    }

    /// The record's path.
    public let path: String
    /// The run's short id (the file name's suffix).
    public let runID: String
    /// The options in force.
    public let options: Options

    private let samples: BoundedQueue<QueuedSample>
    private let records: BoundedQueue<QueuedRecord>
    /// 0 recording, 1 stopped on a full disk, 2 stopped on another error.
    private let stateCode = Atomic<UInt8>(0)
    private let closedFlag = Atomic<Bool>(false)
    private let logger: Logger
    private let startDate: Date
    private let startNs: UInt64

    /// Wakes the writer early (flush, close). Its timed wait runs on the monotonic clock:
    /// a board without a real-time clock steps its wall clock when NTP syncs, and a
    /// wall-clock deadline would then stall the commits.
    private let wakeup = DispatchSemaphore(value: 0)
    /// A simulator run found a queue full (`Options.waitWhenFull`): commit now, do not wait
    /// for the next second.
    private let drainRequested = Atomic<Bool>(false)
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var flushRequested = 0
    private var flushCompleted = 0
    private var closing = false
    private var writerExited = false
    private var endNs: UInt64 = 0

    // Writer thread only.
    private let database: DatabaseQueue
    private var writer: RunWriter

    private init(path: String, runID: String, options: Options, database: DatabaseQueue, start: RunStart, logger: Logger) {
        self.path = path
        self.runID = runID
        self.options = options
        self.database = database
        self.logger = logger
        startDate = start.startDate
        startNs = start.startMonotonicNs
        samples = BoundedQueue(minimumCapacity: options.sampleQueueCapacity, filler: .filler)
        records = BoundedQueue(minimumCapacity: options.recordQueueCapacity, filler: .none)
        writer = RunWriter(sensors: start.sensors, maxChunkSamples: max(1, options.maxChunkSamples), startNs: start.startMonotonicNs)
    }

    // MARK: Creating

    /// Creates `<directory>/<UTC start>-<id>.sqlite`, writes the run's metadata,
    /// configuration, tags and sensors, and starts the writer thread.
    ///
    /// Durability: WAL with `synchronous=FULL`. In WAL mode `NORMAL` keeps the file
    /// consistent but does not fsync at commit, so a power cut can roll back every
    /// transaction since the last checkpoint: with Linux's dirty-page writeback (up to
    /// ~30 s) that is far more than "the last second". `FULL` fsyncs the WAL at each commit;
    /// we commit once a second on our own thread, so it costs one fsync a second and never
    /// touches acquisition. (A killed process loses nothing committed either way.)
    ///
    /// - Throws: `RunStoreError` when the directory or the file cannot be created.
    public static func create(in directory: String, start: RunStart, options: Options = Options(),
                              logger: Logger) throws(RunStoreError) -> RunRecorder {
        var ids = Set<Int>()
        for s in start.sensors {
            guard (0...255).contains(s.id) else { throw .badSensorIds("sensor id \(s.id) is outside 0...255") }
            guard ids.insert(s.id).inserted else { throw .badSensorIds("two sensors have id \(s.id)") }
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            let ns = error as NSError
            throw .directory(path: directory, errno: Int32(truncatingIfNeeded: ns.code), message: ns.localizedDescription)
        }
        let runID = String(UInt32.random(in: 0...0xff_ffff), radix: 16).runStorePadded(to: 6)
        let path = directory + "/" + fileName(startDate: start.startDate, runID: runID)

        var configuration = Configuration()
        configuration.label = "run-store"
        configuration.journalMode = .wal
        configuration.foreignKeysEnabled = true
        let maxPages = options.maxPageCount
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if let maxPages { try db.execute(sql: "PRAGMA max_page_count = \(maxPages)") }
        }
        let database: DatabaseQueue
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.write { db in try RunWriter.createSchema(db, start: start, runID: runID) }
        } catch let e as DatabaseError {
            throw .sqlite(path: path, code: e.extendedResultCode.rawValue, message: e.message ?? "\(e)")
        } catch {
            throw .sqlite(path: path, code: -1, message: "\(error)")
        }
        // The file and its -wal must survive a power cut too: their directory entries are
        // only durable once the directory is synced.
        syncDirectory(atPath: directory)

        let recorder = RunRecorder(path: path, runID: runID, options: options, database: database, start: start, logger: logger)
        let thread = Thread { recorder.writerLoop() }
        thread.name = "run-store"
        thread.start()
        logger.info("run record \(path): recording \(start.sensors.count) sensor(s)")
        return recorder
    }

    /// `20250314T093012Z-3fa9c1.sqlite`: sortable, no colons (FAT and exFAT cards refuse them).
    static func fileName(startDate: Date, runID: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: startDate)
        func two(_ v: Int?) -> String { String(v ?? 0).runStorePadded(to: 2) }
        let stamp = String(c.year ?? 0).runStorePadded(to: 4) + two(c.month) + two(c.day) + "T" + two(c.hour) + two(c.minute) + two(c.second) + "Z"
        return "\(stamp)-\(runID).\(RunSchema.fileExtension)"
    }


    // MARK: Recording (any thread, real-time safe)

    /// The recorder's state. A recording stopped by a full disk stays `.stoppedDiskFull`
    /// after `close`.
    public var state: RunRecorderState {
        switch stateCode.load(ordering: .acquiring) {
        case 1: return .stoppedDiskFull
        case 2: return .stoppedError
        default: return closedFlag.load(ordering: .acquiring) ? .closed : .recording
        }
    }

    /// True once a full disk stopped the recording.
    public var isDiskFull: Bool { state == .stoppedDiskFull }

    /// Samples dropped because the sample queue was full.
    public var droppedSamples: Int { samples.dropped }

    /// Other records dropped because the record queue was full.
    public var droppedRecords: Int { records.dropped }

    private var accepting: Bool { stateCode.load(ordering: .relaxed) == 0 && !closedFlag.load(ordering: .relaxed) }

    /// Queues one sample of sensor `sensor` (its `RunSensor.id`). Returns false when it was
    /// dropped (queue full) or the recording has stopped.
    @discardableResult
    public func record(sample: IMUSample, sensor: Int) -> Bool {
        guard accepting, let id = UInt8(exactly: sensor) else { return false }
        return samples.push(QueuedSample(sensor: id, sample: sample))
    }

    /// Queues a drained batch of samples of sensor `sensor`. Returns how many were queued.
    @discardableResult
    public func record(samples batch: UnsafeBufferPointer<IMUSample>, sensor: Int) -> Int {
        guard accepting, let id = UInt8(exactly: sensor) else { return 0 }
        var queued = 0
        for s in batch {
            let item = QueuedSample(sensor: id, sample: s)
            if options.waitWhenFull {
                while !samples.push(item, countingDrop: false) {
                    guard accepting else { return queued }
                    requestDrain()
                    usleep(Self.fullQueueWaitMicroseconds)
                }
                queued += 1
            } else if samples.push(item) {
                queued += 1
            }
        }
        return queued
    }

    /// Queues a gait event.
    @discardableResult
    public func record(_ event: GaitEvent) -> Bool { push(.event(event)) }

    /// Queues a stride, a window, the baseline or an alert, as the analyser emits them.
    @discardableResult
    public func record(_ output: StrideAnalyzerOutput) -> Bool {
        switch output {
        case .stride(let s): return push(.stride(s))
        case .window(let w): return push(.window(w))
        case .baselineLearnt(let b): return push(.baseline(b))
        case .alert(let a): return push(.alert(a))
        }
    }

    /// Queues a fault or a gap.
    @discardableResult
    public func record(_ fault: RunFault) -> Bool { push(.fault(fault)) }

    /// Queues a change of activity.
    @discardableResult
    public func record(_ change: RunActivityChange) -> Bool { push(.activity(change)) }

    /// Queues a sensor's driver totals (the last value given is stored).
    @discardableResult
    public func record(statistics: DriverStatistics, sensor: Int) -> Bool { push(.statistics(sensor: sensor, statistics)) }

    private func push(_ record: QueuedRecord) -> Bool {
        guard accepting else { return false }
        if options.waitWhenFull {
            while !records.push(record, countingDrop: false) {
                guard accepting else { return false }
                requestDrain()
                usleep(Self.fullQueueWaitMicroseconds)
            }
            return true
        }
        return records.push(record)
    }

    /// How long a simulator run waits for the writer to make room, µs: about the time the
    /// writer takes to drain a few thousand samples.
    static let fullQueueWaitMicroseconds: UInt32 = 1_000

    /// Asks the writer to drain at once (a simulator run is waiting for room).
    private func requestDrain() {
        if !drainRequested.exchange(true, ordering: .acquiringAndReleasing) { wakeup.signal() }
    }

    // MARK: Flushing and closing (not from the real-time thread: they wait for the writer)

    /// Commits everything queued so far and returns when it is on disk (or the recording
    /// has stopped). The writer does this on its own every `commitInterval`; tests and
    /// shutdown call it to not wait.
    public func flush() {
        condition.lock()
        defer { condition.unlock() }
        guard !writerExited, !closing else { return }
        flushRequested += 1
        let ticket = flushRequested
        wakeup.signal()
        while flushCompleted < ticket && !writerExited { condition.wait() }
    }

    /// Flushes, marks the run complete (unless the recording stopped early), checkpoints
    /// the WAL into the file and leaves a single self-contained file. Idempotent.
    ///
    /// - Parameter endMonotonicNs: the end of the run on the run's clock.
    public func close(endMonotonicNs: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        if !closing {
            closing = true
            endNs = endMonotonicNs
            wakeup.signal()
        }
        while !writerExited { condition.wait() }
    }

    // MARK: The writer thread

    private func writerLoop() {
        var nextCommit = DispatchTime.now() + options.commitInterval
        while true {
            condition.lock()
            let asked = closing || flushRequested != flushCompleted
            condition.unlock()
            let drainNow = drainRequested.exchange(false, ordering: .acquiringAndReleasing)
            if !asked && !drainNow && DispatchTime.now() < nextCommit {
                _ = wakeup.wait(timeout: nextCommit)
                continue
            }
            condition.lock()
            let ticket = flushRequested
            let isClosing = closing
            let end = endNs
            condition.unlock()

            cycle()
            nextCommit = DispatchTime.now() + options.commitInterval

            if isClosing {
                finish(endNs: end)
                condition.lock()
                flushCompleted = ticket
                writerExited = true
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.lock()
            flushCompleted = ticket
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Drains both queues and commits what they held in one transaction.
    private func cycle() {
        let recording = stateCode.load(ordering: .relaxed) == 0
        while let s = samples.pop() {
            if recording { writer.add(s) }
        }
        while let r = records.pop() {
            if recording { writer.add(r) }
        }
        guard recording else { return }
        noteDrops()
        guard writer.hasPending || writer.dropsChanged(samples: samples.dropped, records: records.dropped) else { return }
        let droppedSamples = samples.dropped, droppedRecords = records.dropped
        do {
            try database.write { db in try writer.commit(db, droppedSamples: droppedSamples, droppedRecords: droppedRecords) }
            writer.committed()
        } catch let e as DatabaseError {
            stop(on: e)
        } catch {
            stop(code: -1, message: "\(error)")
        }
    }

    private var loggedSampleDrops = false
    private var loggedRecordDrops = false
    private var loggedUnknownSensor = false

    private func noteDrops() {
        if !loggedSampleDrops, samples.dropped > 0 {
            loggedSampleDrops = true
            logger.warning("run record \(path): sample queue full (\(samples.capacity) slots), dropping samples; the storage is too slow. Counted in run.dropped_samples; not logged again")
        }
        if !loggedRecordDrops, records.dropped > 0 {
            loggedRecordDrops = true
            logger.warning("run record \(path): record queue full (\(records.capacity) slots), dropping events/strides; counted in run.dropped_records; not logged again")
        }
        if !loggedUnknownSensor, writer.unknownSensorSamples > 0 {
            loggedUnknownSensor = true
            logger.warning("run record \(path): samples for a sensor id not given at start are ignored")
        }
    }

    private func stop(on error: DatabaseError) {
        let code = error.resultCode
        if code == .SQLITE_BUSY || code == .SQLITE_LOCKED {
            // Someone else holds the write lock (a tool opened the file read-write): keep
            // the batch and try again at the next commit.
            logger.warning("run record \(path): database busy, retrying at the next commit")
            return
        }
        if code == .SQLITE_FULL {
            stateCode.store(1, ordering: .releasing)
            logger.error("run record \(path): disk full (SQLITE_FULL); recording stopped at \(writer.lastDataSeconds) s into the run, what was recorded before stays readable; analysis and the buzzer go on")
            writer.discardPending()
            bestEffortMark(stopReason: "disk full")
            return
        }
        stop(code: error.extendedResultCode.rawValue, message: error.message ?? "\(error)")
    }

    private func stop(code: Int32, message: String) {
        stateCode.store(2, ordering: .releasing)
        logger.error("run record \(path): SQLite error \(code) (\(message)); recording stopped at \(writer.lastDataSeconds) s into the run; analysis and the buzzer go on")
        writer.discardPending()
        bestEffortMark(stopReason: "error \(code): \(message)")
    }

    /// Writes the stop reason if the database still takes a one-row update (it usually
    /// does: the row's page exists already).
    private func bestEffortMark(stopReason: String) {
        do {
            try database.write { db in
                try db.execute(sql: "UPDATE run SET stop_reason = ? WHERE id = 1", arguments: [stopReason])
            }
        } catch {
            logger.debug("run record \(path): could not store the stop reason: \(error)")
        }
    }

    private func finish(endNs: UInt64) {
        let stateAtEnd = state
        closedFlag.store(true, ordering: .releasing)
        let endDate = startDate.addingTimeInterval(Double(Int64(bitPattern: endNs &- startNs)) * 1e-9)
        let complete = stateAtEnd == .recording
        do {
            try database.write { db in
                try db.execute(
                    sql: """
                        UPDATE run SET end_utc = ?, end_ns = ?, complete = ?, stop_reason = COALESCE(stop_reason, ?),
                            dropped_samples = ?, dropped_records = ? WHERE id = 1
                        """,
                    arguments: [RunWriter.utc(endDate), endNs.sqliteInteger, complete ? 1 : 0, complete ? "closed" : nil,
                                samples.dropped, records.dropped])
            }
        } catch {
            logger.warning("run record \(path): could not mark the end of the run: \(error)")
        }
        // Fold the WAL into the file and leave rollback-journal mode: the closed record is
        // one self-contained file that opens read-only anywhere (a read-only WAL database
        // needs its -shm file or a writable directory).
        do {
            try database.writeWithoutTransaction { db in
                try db.checkpoint(.truncate)
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
            }
        } catch {
            logger.warning("run record \(path): could not checkpoint the WAL (it stays beside the file and is read with it): \(error)")
        }
        do {
            try database.close()
        } catch {
            logger.debug("run record \(path): close: \(error)")
        }
        if samples.dropped > 0 || records.dropped > 0 {
            logger.warning("run record \(path): \(samples.dropped) samples and \(records.dropped) records were dropped in all")
        }
        logger.info("run record \(path): closed, \(complete ? "complete" : "incomplete (\(stateAtEnd))")")
        closedFlag.store(true, ordering: .releasing)
    }
}

/// fsyncs a directory, so that the entries of files just created in it are durable.
private func syncDirectory(atPath directory: String) {
    let fd = open(directory, O_RDONLY)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    _ = close(fd)
}

extension String {
    func runStorePadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
