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
/// `Options.commitInterval` (0.5 s), so a power cut loses at most the last second and never
/// the file (WAL, `synchronous=FULL`, see `create`).
///
/// A full disk (SQLITE_FULL) pauses the recording with one log line (`state` is
/// `.pausedDiskFull`): raw samples are no longer stored (each sensor's gap becomes a
/// `samples-dropped` fault), the analysis records wait in a bounded in-memory backlog
/// (`Options.diskFullBacklogRecords`), and the writer tries again every
/// `Options.diskFullRetryInterval`. Once a commit succeeds it writes the backlog, a
/// `disk-full` fault for the pause and the gaps, logs that recording resumed, and goes on.
/// The rest of the daemon never notices.
///
/// `@unchecked Sendable`: the producer side touches only the two lock-free queues and
/// atomics; the database connection and the writer's buffers are touched only by the
/// writer thread (and, after it has exited, by nobody); the flush/close handshake fields
/// are guarded by `condition`.
public final class RunRecorder: @unchecked Sendable {
    /// Tuning of a recorder.
    public struct Options: Sendable {
        /// Longest time between two commits, s. A power cut loses this much plus the
        /// commit's own time; issue 4 allows the last second. At 1 s the worst of 30
        /// SIGKILLs (scripts/power-loss.sh) was 0.98 s, and 1.4 s once on a machine loaded
        /// with compilers, so commits come twice a second: the margin covers a late commit,
        /// and two fsyncs a second are still nothing for an SD card.
        public static let defaultCommitInterval = 0.5
        /// Sample queue slots: 16384 ≈ 10 s of two sensors at 800 Hz, so an SD card that
        /// stalls for several seconds (an erase block, a fsync) drops nothing. 48 bytes a slot.
        public static let defaultSampleQueueCapacity = 16_384
        /// Record queue slots (events, strides, windows, alerts, faults): a run produces
        /// about 10 a second.
        public static let defaultRecordQueueCapacity = 1_024
        /// Most samples in one chunk row (~5 s at 800 Hz; normally the commit cadence makes
        /// ~1 s chunks).
        public static let defaultMaxChunkSamples = 4_096
        /// Analysis records (events, strides, windows, alerts, faults) kept in memory while
        /// the disk is full. A run makes about 10 a second (two contacts and a stride per
        /// step pair, a window and an activity change now and then), so 16384 hold about
        /// 25 minutes: long enough for someone to free space or for logrotate to run, at a
        /// few MB (a record is a few hundred bytes at most). Beyond it records are dropped
        /// and counted in `run.dropped_records`.
        public static let defaultDiskFullBacklogRecords = 16_384
        /// How often a full disk is tried again, s (of wall time or of run time, whichever
        /// passes first: the simulator's clock runs faster than the wall clock). One failing
        /// transaction every few seconds costs nothing; space freed is used within 5 s.
        public static let defaultDiskFullRetryInterval = 5.0

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
        /// Analysis records kept while the disk is full.
        public var diskFullBacklogRecords = defaultDiskFullBacklogRecords
        /// Seconds between attempts while the disk is full.
        public var diskFullRetryInterval = defaultDiskFullRetryInterval
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
    /// 0 recording, 1 paused on a full disk, 2 stopped on another error.
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
    private let pauseCount = Atomic<Int>(0)
    /// The writer's backlog drops, published for `droppedRecords`.
    private let backlogDropped = Atomic<Int>(0)

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
        writer = RunWriter(sensors: start.sensors, maxChunkSamples: max(1, options.maxChunkSamples),
                           maxPendingRecords: options.diskFullBacklogRecords, startNs: start.startMonotonicNs)
    }

    // MARK: Creating

    /// Creates `<directory>/<UTC start>-<id>.sqlite`, writes the run's metadata,
    /// configuration, tags and sensors, and starts the writer thread.
    ///
    /// Durability: WAL with `synchronous=FULL`. In WAL mode `NORMAL` keeps the file
    /// consistent but does not fsync at commit, so a power cut can roll back every
    /// transaction since the last checkpoint: with Linux's dirty-page writeback (up to
    /// ~30 s) that is far more than "the last second". `FULL` fsyncs the WAL at each commit;
    /// we commit twice a second on our own thread, so it costs two fsyncs a second and never
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

    /// The recorder's state. A recording still paused by a full disk when closed (its
    /// backlog could not be written) stays `.pausedDiskFull` after `close`.
    public var state: RunRecorderState {
        switch stateCode.load(ordering: .acquiring) {
        case 1: return .pausedDiskFull
        case 2: return .stoppedError
        default: return closedFlag.load(ordering: .acquiring) ? .closed : .recording
        }
    }

    /// True while a full disk pauses the recording.
    public var isDiskFull: Bool { state == .pausedDiskFull }

    /// Times the recording paused on a full disk.
    public var diskFullPauses: Int { pauseCount.load(ordering: .relaxed) }

    /// Samples dropped because the sample queue was full.
    public var droppedSamples: Int { samples.dropped }

    /// Other records dropped because the record queue (or the disk-full backlog) was full.
    public var droppedRecords: Int { records.dropped + backlogDropped.load(ordering: .relaxed) }

    /// Recording or paused on a full disk (the writer still takes everything: samples into
    /// the gap, records into the backlog); not once stopped on an error or closed.
    private var accepting: Bool { stateCode.load(ordering: .relaxed) != 2 && !closedFlag.load(ordering: .relaxed) }

    /// Caps the record at `pages` pages of 4 KiB now (`PRAGMA max_page_count`; nil lifts the
    /// cap). A cap below the record's size holds it at its size: the simulator's full disk.
    /// Not from the real-time thread (it waits for the writer's transaction).
    public func limitPages(_ pages: Int?) {
        do {
            try database.inDatabase { db in try db.execute(sql: "PRAGMA max_page_count = \(pages ?? Self.noPageLimit)") }
        } catch {
            logger.debug("run record \(path): cannot set max_page_count: \(error)")
        }
    }

    /// SQLite's default `max_page_count` (2^30 - 1 pages, 4 TiB at 4 KiB): no cap.
    static let noPageLimit = 1_073_741_823

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

            cycle(retryingFullDisk: isClosing)
            // Commits keep to a fixed rate (not one interval after the last commit ended):
            // otherwise each commit's own time would stretch the interval, and a power cut
            // could lose a little more than the last second.
            let now = DispatchTime.now()
            if now >= nextCommit {
                nextCommit = nextCommit + options.commitInterval
                if nextCommit <= now { nextCommit = now + options.commitInterval }  // fell behind: start again from now
            }

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

    /// Drains both queues and commits what they held in one transaction. While the disk is
    /// full, samples go into the gap and records into the backlog, and a commit is tried
    /// only every `diskFullRetryInterval` (or when `retryingFullDisk`, at close).
    ///
    /// A retry carries the samples that came since the last cycle: it succeeds only when
    /// there is room for samples too, so a disk with room for a few analysis rows but not
    /// for samples stays paused instead of resuming and pausing again every few seconds.
    private func cycle(retryingFullDisk: Bool = false) {
        let code = stateCode.load(ordering: .relaxed)
        let paused = code == 1
        let retrying = paused && (retryingFullDisk || fullDiskRetryDue())
        while let s = samples.pop() {
            if code == 0 || retrying { writer.add(s) } else if paused { writer.addToGap(s) }
        }
        while let r = records.pop() {
            if code != 2 { writer.add(r) }
        }
        backlogDropped.store(writer.backlogDropped, ordering: .relaxed)
        guard code != 2 else { return }
        noteDrops()
        if paused {
            guard retrying else { return }
            lastFullDiskAttempt = (DispatchTime.now(), writer.newestSeenNs)
        }
        let droppedSamples = samples.dropped, droppedRecords = records.dropped + writer.backlogDropped
        guard writer.hasPending || writer.dropsChanged(samples: droppedSamples, records: droppedRecords) else { return }
        let backlog = writer.pendingRecordCount
        do {
            try database.write { db in try writer.commit(db, droppedSamples: droppedSamples, droppedRecords: droppedRecords) }
            writer.committed()
            if paused { resumeAfterFullDisk(backlog: backlog) }
        } catch let e as DatabaseError {
            stop(on: e)
        } catch {
            stop(code: -1, message: "\(error)")
        }
    }

    /// The last attempt while the disk is full: wall time and run time (newest data seen).
    private var lastFullDiskAttempt = (wall: DispatchTime.now(), dataNs: UInt64(0))

    private func fullDiskRetryDue() -> Bool {
        let interval = options.diskFullRetryInterval
        let wallDue = DispatchTime.now() >= lastFullDiskAttempt.wall + interval
        let dataDue = Double(writer.newestSeenNs &- lastFullDiskAttempt.dataNs) * 1e-9 >= interval
        return wallDue || dataDue
    }

    /// Pause and resume lines: the first of each always, later ones at most one a minute
    /// (a disk with a few pages free can pause and resume every few seconds).
    static let pauseLogIntervalSeconds = 60.0
    private var lastPauseLog: DispatchTime?
    private var unloggedPauses = 0

    private func pauseOnFullDisk() {
        stateCode.store(1, ordering: .releasing)
        pauseCount.add(1, ordering: .relaxed)
        writer.diskFullSinceNs = min(writer.oldestPendingNs ?? writer.lastDataNs, writer.lastDataNs)
        writer.movePendingSamplesToGap()
        lastFullDiskAttempt = (DispatchTime.now(), writer.newestSeenNs)
        let now = DispatchTime.now()
        if let last = lastPauseLog, now < last + Self.pauseLogIntervalSeconds {
            unloggedPauses += 1
        } else {
            let again = unloggedPauses > 0 ? " (\(unloggedPauses) more pauses since the last line)" : ""
            logger.error("""
                run record \(path): disk full (SQLITE_FULL) at \(writer.lastDataSeconds) s into the run; recording paused\(again): \
                raw samples are not stored (a gap), events, strides, windows, alerts and faults wait in memory (up to \
                \(options.diskFullBacklogRecords)); retrying every \(options.diskFullRetryInterval) s; analysis and the buzzer go on
                """)
            lastPauseLog = now
            unloggedPauses = 0
        }
        bestEffortMark(stopReason: "disk full")
    }

    private func resumeAfterFullDisk(backlog: Int) {
        stateCode.store(0, ordering: .releasing)
        if let last = lastPauseLog, DispatchTime.now() < last + Self.pauseLogIntervalSeconds, unloggedPauses > 0 { return }
        logger.notice("run record \(path): space again; recording resumed at \(writer.lastDataSeconds) s into the run, \(backlog) waiting records written, raw samples missing for the pause (samples-dropped faults)")
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
            if stateCode.load(ordering: .relaxed) == 1 {
                // Still full: keep the backlog, try again later.
                writer.movePendingSamplesToGap()
                return
            }
            pauseOnFullDisk()
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
                                samples.dropped, droppedRecords])
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
        if samples.dropped > 0 || droppedRecords > 0 {
            logger.warning("run record \(path): \(samples.dropped) samples and \(droppedRecords) records were dropped in all")
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
