import Foundation
import GRDB
import Hardware
import StrideCore

/// The writer thread's side of the recorder: pending samples per sensor, pending records,
/// and the SQL that stores them. Used only by the writer thread (and by `create` before it
/// starts).
struct RunWriter {
    private struct SensorSlot {
        var accelScale: Float?
        var gyroScale: Float?
        var pending: [IMUSample] = []
        /// Samples not stored while the disk was full: how many, and the first and last
        /// one's time (a `samples-dropped` row once recording resumes).
        var gapSamples = 0
        var gapStartNs: UInt64 = 0
        var gapEndNs: UInt64 = 0

        mutating func addToGap(_ timeNs: UInt64) {
            if gapSamples == 0 {
                gapStartNs = timeNs
                gapEndNs = timeNs
            }
            gapStartNs = min(gapStartNs, timeNs)
            gapEndNs = max(gapEndNs, timeNs)
            gapSamples += 1
        }
    }

    /// Indexed by sensor id (`RunSensor.id`); nil where no sensor has that id. Ids are
    /// 0-255, as queued samples carry them: a sensor declared outside that range gets no
    /// slot, so its samples cannot be queued (RunRecorder.record refuses them) and a fault
    /// naming it is stored without a sensor. An array, not a dictionary:
    /// `dictionary[key]?.pending.append` heap-allocates its accessor's frame on every call,
    /// one malloc per stored sample.
    private var slots: [SensorSlot?] = []
    private var pendingRecords: [QueuedRecord] = []
    /// Most records kept pending (the disk-full backlog); more are dropped and counted.
    private let maxPendingRecords: Int
    /// Records dropped because the backlog was full.
    private(set) var backlogDropped = 0
    private let maxChunkSamples: Int
    private let startNs: UInt64
    private var committedDrops = (samples: 0, records: 0)
    private var pendingDrops = (samples: 0, records: 0)
    /// Newest time seen in anything written, ns.
    private(set) var lastDataNs: UInt64
    /// `lastDataNs` as the commit in progress would leave it (applied by `committed()`).
    private var stagedLastDataNs: UInt64
    /// Newest time seen in anything added, stored or not, ns.
    private(set) var newestSeenNs: UInt64
    /// Since when (run clock) the disk has been full, nil while recording; the commit that
    /// resumes writes it as a `disk-full` row.
    var diskFullSinceNs: UInt64?
    /// Samples ignored because their sensor id was not declared at start.
    private(set) var unknownSensorSamples = 0

    init(sensors: [RunSensor], maxChunkSamples: Int, maxPendingRecords: Int, startNs: UInt64) {
        self.maxChunkSamples = maxChunkSamples
        self.maxPendingRecords = max(1, maxPendingRecords)
        self.startNs = startNs
        lastDataNs = startNs
        stagedLastDataNs = startNs
        newestSeenNs = startNs
        for s in sensors {
            guard let id = UInt8(exactly: s.id).map(Int.init) else { continue }  // see `slots`
            var slot = SensorSlot(accelScale: SampleChunkCodec.accelScale(chip: s.chip, rangeG: s.applied?.rangeG),
                                  gyroScale: SampleChunkCodec.gyroScale(chip: s.chip))
            slot.pending.reserveCapacity(maxChunkSamples)
            if slots.count <= id { slots.append(contentsOf: repeatElement(nil, count: id + 1 - slots.count)) }
            slots[id] = slot
        }
        pendingRecords.reserveCapacity(256)
    }

    var hasPending: Bool {
        !pendingRecords.isEmpty || diskFullSinceNs != nil || slots.contains { slot in
            slot.map { !$0.pending.isEmpty || $0.gapSamples > 0 } ?? false
        }
    }

    /// Records waiting to be written (the backlog while the disk is full).
    var pendingRecordCount: Int { pendingRecords.count }

    /// Seconds from the start to the newest data, for log lines.
    var lastDataSeconds: String {
        String(format: "%.1f", Double(lastDataNs &- startNs) * 1e-9)
    }

    func dropsChanged(samples: Int, records: Int) -> Bool {
        samples != committedDrops.samples || records != committedDrops.records
    }

    /// The slot index of sensor `id`, nil when no sensor was declared with it.
    private func declared(_ id: Int) -> Int? {
        id >= 0 && id < slots.count && slots[id] != nil ? id : nil
    }

    mutating func add(_ s: QueuedSample) {
        guard let i = declared(Int(s.sensor)) else {
            unknownSensorSamples += 1
            return
        }
        newestSeenNs = max(newestSeenNs, s.sample.timeNs)
        slots[i]!.pending.append(s.sample)
    }

    /// Counts a sample that will not be stored (the disk is full) into its sensor's gap.
    mutating func addToGap(_ s: QueuedSample) {
        guard let i = declared(Int(s.sensor)) else {
            unknownSensorSamples += 1
            return
        }
        newestSeenNs = max(newestSeenNs, s.sample.timeNs)
        slots[i]!.addToGap(s.sample.timeNs)
    }

    /// The oldest time among the data waiting to be written, nil when nothing waits: where
    /// a pause on a full disk starts.
    var oldestPendingNs: UInt64? {
        var oldest: UInt64?
        for case let slot? in slots {
            if let first = slot.pending.first?.timeNs { oldest = min(oldest ?? first, first) }
        }
        for r in pendingRecords {
            if let t = r.timeNs { oldest = min(oldest ?? t, t) }
        }
        return oldest
    }

    /// Moves the samples pending (a commit that met a full disk) into the gaps.
    mutating func movePendingSamplesToGap() {
        // In place: a copy of the slot would share its buffer and make removeAll reallocate.
        for k in slots.indices where slots[k] != nil {
            for sample in slots[k]!.pending { slots[k]!.addToGap(sample.timeNs) }
            slots[k]!.pending.removeAll(keepingCapacity: true)
        }
    }

    /// Keeps a record for the next commit; false (and counted) when the backlog is full.
    @discardableResult
    mutating func add(_ r: QueuedRecord) -> Bool {
        if case .none = r { return true }
        guard pendingRecords.count < maxPendingRecords else {
            backlogDropped += 1
            return false
        }
        if let t = r.timeNs { newestSeenNs = max(newestSeenNs, t) }
        pendingRecords.append(r)
        return true
    }

    mutating func discardPending() {
        pendingRecords.removeAll(keepingCapacity: true)
        for k in slots.indices where slots[k] != nil { slots[k]!.pending.removeAll(keepingCapacity: true) }
    }

    /// Called once the transaction of `commit` is committed.
    mutating func committed() {
        discardPending()
        for k in slots.indices where slots[k] != nil { slots[k]!.gapSamples = 0 }
        diskFullSinceNs = nil
        lastDataNs = stagedLastDataNs
        committedDrops = pendingDrops
    }

    // MARK: Writing

    /// Writes everything pending (inside the caller's transaction).
    /// Nothing here changes the writer until `committed()`: a commit that fails (a full
    /// disk) is rolled back and tried again later with the same pending data.
    mutating func commit(_ db: Database, droppedSamples: Int, droppedRecords: Int) throws {
        var newest = lastDataNs
        if let since = diskFullSinceNs {
            // Recording resumes: the pause and each sensor's missing samples become faults.
            try insert(.fault(RunFault(sensor: nil, kind: .diskFull, startNs: since, endNs: max(since, newestSeenNs),
                                       detail: "disk full: recording paused, raw samples not stored")), db)
            for case let (sensor, slot?) in slots.enumerated() where slot.gapSamples > 0 {
                try insert(.fault(RunFault(sensor: sensor, kind: .samplesDropped, startNs: slot.gapStartNs, endNs: slot.gapEndNs,
                                           detail: "disk full: \(slot.gapSamples) samples not stored")), db)
            }
        }
        let chunkInsert = try db.cachedStatement(sql: """
            INSERT INTO sample_chunks (sensor_id, start_ns, end_ns, sample_count, encoding, data) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for case let (sensor, slot?) in slots.enumerated() where !slot.pending.isEmpty {
            var first = 0
            let all = slot.pending
            while first < all.count {
                // A chunk ends at maxChunkSamples, when time goes backwards, or when an
                // offset would not fit the chunk's uint32.
                let t0 = all[first].timeNs
                var last = first + 1
                while last < all.count, last - first < maxChunkSamples,
                      all[last].timeNs >= t0, all[last].timeNs - t0 <= UInt64(UInt32.max) {
                    last += 1
                }
                let chunk = all[first..<last]
                let end = chunk.map(\.timeNs).max() ?? t0
                let encoded = SampleChunkCodec.encode(chunk, startNs: t0, accelScale: slot.accelScale, gyroScale: slot.gyroScale)
                try chunkInsert.execute(arguments: [sensor, t0.sqliteInteger, end.sqliteInteger, chunk.count,
                                                    Int(encoded.encoding.rawValue), encoded.data])
                newest = max(newest, end)
                first = last
            }
        }
        for r in pendingRecords {
            if let t = try insert(r, db) { newest = max(newest, t) }
        }
        // Resuming after a full disk clears the "disk full" stop reason written at the pause.
        let clearStopReason = diskFullSinceNs != nil ? ", stop_reason = NULL" : ""
        try db.execute(sql: "UPDATE run SET last_data_ns = ?, dropped_samples = ?, dropped_records = ?\(clearStopReason) WHERE id = 1",
                       arguments: [newest.sqliteInteger, droppedSamples, droppedRecords])
        stagedLastDataNs = newest
        pendingDrops = (droppedSamples, droppedRecords)
    }

    /// Inserts one record; returns its time.
    @discardableResult
    private func insert(_ r: QueuedRecord, _ db: Database) throws -> UInt64? {
        switch r {
        case .none:
            return nil
        case .event(let e):
            try db.cachedStatement(sql: """
                INSERT INTO events (time_ns, kind, side, peak_g, clipped, loading_rate_g_per_s) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [e.timeNs.sqliteInteger, RunSchema.text(e.kind), RunSchema.text(e.side),
                                         Double(e.peakG), e.clipped, Double(e.loadingRateGPerS)])
            return e.timeNs
        case .stride(let s):
            let metricColumns = StrideMetric.all.map { RunSchema.column($0) }
            var args: [(any DatabaseValueConvertible)?] = [RunSchema.text(s.side), s.index, s.startNs.sqliteInteger, s.endNs.sqliteInteger]
            for m in StrideMetric.all { args.append(s.metrics[m]) }
            args += [s.rawPeakG, s.peakClipped, Int(s.quality.rawValue)]
            let columns = ["side", "stride_index", "start_ns", "end_ns"] + metricColumns + ["raw_peak_g", "peak_clipped", "quality"]
            try db.cachedStatement(sql: Self.insertSQL("strides", columns)).execute(arguments: StatementArguments(args))
            return s.endNs
        case .window(let w):
            var args: [(any DatabaseValueConvertible)?] = [w.startNs.sqliteInteger, w.endNs.sqliteInteger, w.windowSteps, w.leftStrides, w.rightStrides]
            for v in [w.left, w.right, w.symmetryIndex, w.symmetryIndexChange] {
                for m in StrideMetric.all { args.append(v[m]) }
            }
            let columns = ["start_ns", "end_ns", "window_steps", "left_strides", "right_strides"]
                + RunSchema.metricColumns(prefix: "left_") + RunSchema.metricColumns(prefix: "right_")
                + RunSchema.metricColumns(prefix: "si_", unitless: true) + RunSchema.metricColumns(prefix: "si_change_", unitless: true)
            try db.cachedStatement(sql: Self.insertSQL("windows", columns)).execute(arguments: StatementArguments(args))
            return w.endNs
        case .baseline(let b):
            try db.execute(sql: """
                INSERT OR REPLACE INTO baseline (id, learnt_at_ns, cadence_spm, cadence_low_spm, cadence_high_spm, speed_m_per_s)
                VALUES (1, ?, ?, ?, ?, ?)
                """, arguments: [b.learntAtNs.sqliteInteger, b.cadenceStepsPerMinute, b.cadenceLow, b.cadenceHigh, b.speedMetresPerSecond])
            for leg in 0..<2 {
                for m in StrideMetric.all {
                    let x = b.leg(leg, m)
                    try db.execute(sql: """
                        INSERT OR REPLACE INTO baseline_legs (leg, metric, count, median, mad, intercept, cadence_slope,
                            speed_slope, residual_sigma, long_run_sigma) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [leg == 0 ? "left" : "right", RunSchema.key(m), x.count, x.median, x.mad, x.intercept,
                                         x.cadenceSlope, x.speedSlope, x.residualSigma, x.longRunSigma])
                }
            }
            for m in StrideMetric.all where b.pairSymmetry.indices.contains(m.rawValue) {
                let p = b.pairSymmetry[m.rawValue]
                try db.execute(sql: """
                    INSERT OR REPLACE INTO baseline_symmetry (metric, si, pair_count, pair_median, pair_sigma, pair_long_run_sigma)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [RunSchema.key(m), b.symmetryIndex[m], p.count, p.median, p.sigma, p.longRunSigma])
            }
            return b.learntAtNs
        case .alert(let a):
            let f = a.finding
            let metrics = StrideMetric.all.filter { f.metrics.contains($0) }.map { RunSchema.key($0) }.joined(separator: ",")
            try db.cachedStatement(sql: """
                INSERT INTO alerts (time_ns, kind, level, side, primary_metric, metrics, severity, si_change,
                    left_change_percent, right_change_percent, onset_ns, effective_window_stride_pairs)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [a.timeNs.sqliteInteger, RunSchema.text(a.kind), a.level, RunSchema.text(f.side),
                                         RunSchema.key(f.primaryMetric), metrics, f.severity, f.symmetryIndexChange,
                                         f.leftChangePercent, f.rightChangePercent, f.onsetNs.sqliteInteger, a.effectiveWindowStridePairs])
            return a.timeNs
        case .fault(let f):
            let sensor = f.sensor.flatMap { declared($0) }
            try db.cachedStatement(sql: """
                INSERT INTO faults (sensor_id, kind, start_ns, end_ns, errno, detail) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [sensor, f.kind.rawValue, f.startNs.sqliteInteger, f.endNs?.sqliteInteger, f.errno.map { Int($0) },
                                         f.detail])
            return f.endNs ?? f.startNs
        case .activity(let a):
            try db.cachedStatement(sql: "INSERT INTO activity (time_ns, activity) VALUES (?, ?)")
                .execute(arguments: [a.timeNs.sqliteInteger, RunSchema.text(a.activity)])
            return a.timeNs
        case .statistics(let sensor, let s):
            try db.cachedStatement(sql: """
                UPDATE sensors SET samples = ?, overruns = ?, lost_samples = ?, clipped_samples = ? WHERE id = ?
                """).execute(arguments: [Int64(clamping: s.samples), Int64(clamping: s.overruns), Int64(clamping: s.lostSamples),
                                         Int64(clamping: s.clippedSamples), sensor])
            return nil
        }
    }

    private static func insertSQL(_ table: String, _ columns: [String]) -> String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }

    // MARK: Creating

    static func utc(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Creates the tables and writes what is known at the start.
    static func createSchema(_ db: Database, start: RunStart, runID: String) throws {
        try db.execute(sql: "PRAGMA application_id = \(RunSchema.applicationID)")
        try db.execute(sql: "PRAGMA user_version = \(RunSchema.version)")
        for statement in RunSchema.createStatements { try db.execute(sql: statement) }
        try db.execute(sql: """
            INSERT INTO run (id, run_id, app_version, schema_version, mode, start_utc, start_unix_ms, start_ns, last_data_ns)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [runID, start.appVersion, Int(RunSchema.version), start.mode, utc(start.startDate),
                             Int64((start.startDate.timeIntervalSince1970 * 1000).rounded()),
                             start.startMonotonicNs.sqliteInteger, start.startMonotonicNs.sqliteInteger])
        try db.execute(sql: "INSERT INTO configuration (id, source_path, yaml, summary_json) VALUES (1, ?, ?, ?)",
                       arguments: [start.configurationPath, start.configurationYAML, start.configurationJSON])
        for (i, tag) in start.tags.enumerated() {
            try db.execute(sql: "INSERT OR REPLACE INTO tags (key, value, position) VALUES (?, ?, ?)",
                           arguments: [tag.key, tag.value, i])
        }
        for s in start.sensors {
            try db.execute(sql: """
                INSERT INTO sensors (id, placement, bus, address, chip, data_rate_hz, range_g, fifo_watermark, gyro_range_dps,
                    interrupt_line, samples, overruns, lost_samples, clipped_samples)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [s.id, s.placement.rawValue, s.bus, Int(s.address), s.chip.rawValue, s.applied?.dataRateHz,
                                 s.applied?.rangeG, s.applied?.fifoWatermark, s.applied?.gyroRangeDps, s.interruptLine,
                                 Int64(clamping: s.statistics.samples), Int64(clamping: s.statistics.overruns),
                                 Int64(clamping: s.statistics.lostSamples), Int64(clamping: s.statistics.clippedSamples)])
        }
    }
}
