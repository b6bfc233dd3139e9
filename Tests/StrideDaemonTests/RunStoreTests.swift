import Foundation
import Hardware
import StrideCore
@testable import StrideDaemon
import Testing

@Suite("run store: recording and reading back")
struct RunStoreTests {
    typealias F = RunStoreFixtures

    /// Everything one test run puts in, to compare with what comes out.
    struct Input {
        var samples: [[IMUSample]] = []
        var events: [GaitEvent] = []
        var strides: [StrideRecord] = []
        var windows: [SymmetryWindowReport] = []
        var baseline = F.baseline()
        var alerts: [CompensationAlert] = []
        var faults: [RunFault] = []
        var activity: [RunActivityChange] = []
    }

    static func feed(_ recorder: RunRecorder, seconds: Double = 2.5) -> Input {
        var input = Input()
        for sensor in F.sensors {
            let samples = F.samples(sensor: sensor, seconds: seconds, seed: UInt64(sensor.id + 1))
            input.samples.append(samples)
            // As the acquisition thread does: batches of a FIFO watermark.
            var i = 0
            while i < samples.count {
                let n = min(32, samples.count - i)
                let queued = samples.withUnsafeBufferPointer { all in
                    recorder.record(samples: UnsafeBufferPointer(rebasing: all[i..<(i + n)]), sensor: sensor.id)
                }
                #expect(queued == n)
                i += n
            }
        }
        let t = F.startNs
        for k in 0..<20 {
            let e = GaitEvent(kind: k % 2 == 0 ? .initialContact : .toeOff, side: k % 4 < 2 ? .left : .right,
                              timeNs: t + UInt64(k) * 180_000_000, peakG: k % 2 == 0 ? 9.5 + Float(k) * 0.125 : 0,
                              clipped: k == 4, loadingRateGPerS: k % 2 == 0 ? 380.25 : 0)
            input.events.append(e)
            recorder.record(e)
        }
        for k in 0..<10 {
            let s = F.stride(k % 2 == 0 ? .left : .right, k / 2, at: t + UInt64(k) * 360_000_000)
            input.strides.append(s)
            recorder.record(StrideAnalyzerOutput.stride(s))
        }
        input.windows = [F.window(at: t), F.window(at: t + 3_000_000_000)]
        for w in input.windows { recorder.record(StrideAnalyzerOutput.window(w)) }
        recorder.record(StrideAnalyzerOutput.baselineLearnt(input.baseline))
        input.alerts = F.alerts(at: t + 900_000_000_000)
        for a in input.alerts { recorder.record(StrideAnalyzerOutput.alert(a)) }
        input.faults = [
            RunFault(sensor: 1, kind: .sensorLost, startNs: t + 1_000_000_000, endNs: t + 11_000_000_000, errno: 121,
                     detail: "i2c-1 0x53: remote I/O error"),
            RunFault(sensor: 0, kind: .fifoOverrun, startNs: t + 2_000_000_000),
            RunFault(sensor: nil, kind: .samplesDropped, startNs: t + 2_500_000_000, detail: "analysis queue full"),
        ]
        for f in input.faults { recorder.record(f) }
        input.activity = [RunActivityChange(timeNs: t, activity: .standing),
                          RunActivityChange(timeNs: t + 1_000_000_000, activity: .running),
                          RunActivityChange(timeNs: t + 2_000_000_000, activity: .walking)]
        for a in input.activity { recorder.record(a) }
        var stats = DriverStatistics()
        stats.record(count: 2000, overrun: true, lost: 12, clipped: 3)
        recorder.record(statistics: stats, sensor: 0)
        return input
    }

    @Test func everyTableRoundTrips() throws {
        let dir = RunStoreTempDirectory()
        let log = RunStoreLogCapture()
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(), logger: log.logger)
        #expect(recorder.path.hasSuffix("-\(recorder.runID).sqlite"))
        #expect(URL(fileURLWithPath: recorder.path).lastPathComponent.hasPrefix("20251009T085320Z-"))
        let input = Self.feed(recorder)
        recorder.close(endMonotonicNs: F.startNs + 3_000_000_000)
        #expect(recorder.state == .closed)
        // A closed record is one self-contained file.
        #expect(!FileManager.default.fileExists(atPath: recorder.path + "-wal"))

        let reader = try RunReader(path: recorder.path)
        let meta = reader.metadata
        #expect(meta.complete)
        #expect(meta.stopReason == "closed")
        #expect(meta.appVersion == "0.0.0-test")
        #expect(meta.mode == "simulate")
        #expect(meta.schemaVersion == 1)
        #expect(meta.runID == recorder.runID)
        #expect(meta.startNs == F.startNs)
        #expect(meta.endNs == F.startNs + 3_000_000_000)
        #expect(abs(meta.startDate.timeIntervalSince(F.startDate)) < 0.001)
        #expect(abs(meta.durationSeconds - 3) < 1e-9)
        #expect(meta.droppedSamples == 0 && meta.droppedRecords == 0)

        #expect(try reader.tags() == [RunTag(key: "shoes", value: "pegasus 41"), RunTag(key: "socks", value: "compression")])
        let config = try reader.configuration()
        #expect(config.yaml == "# test\nsensors: []\n")
        #expect(config.json == #"{"sensors":[]}"#)
        #expect(config.sourcePath == "/etc/strideguard/strideguard.yaml")

        var expectedSensors = F.sensors
        expectedSensors[0].statistics.record(count: 2000, overrun: true, lost: 12, clipped: 3)
        #expect(try reader.sensors() == expectedSensors)

        for sensor in F.sensors {
            #expect(try reader.samples(sensor: sensor.id) == input.samples[sensor.id], "sensor \(sensor.id)")
        }
        #expect(try reader.events() == input.events)
        #expect(try reader.strides() == input.strides)
        #expect(try reader.windows() == input.windows)
        #expect(try reader.baseline() == input.baseline)
        #expect(try reader.alerts() == input.alerts)
        #expect(try reader.faults() == input.faults)
        #expect(try reader.activityChanges() == input.activity)
        try reader.verifyIntegrity()

        let summary = try reader.summary()
        #expect(summary.strides == 10)
        #expect(summary.alerts == 1)
        #expect(abs(summary.runningSeconds - 1) < 1e-9)
        #expect(summary.samples == input.samples.map(\.count).reduce(0, +))
        #expect(log.lines(atLeast: .warning).isEmpty)
    }

    @Test func samplesAreChunkedPerSensorAndCommit() throws {
        let dir = RunStoreTempDirectory()
        let options = RunRecorder.Options(commitInterval: 3600, maxChunkSamples: 500)
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(), options: options, logger: RunStoreLogCapture().logger)
        let left = F.samples(sensor: F.sensors[0], seconds: 3)   // 2499 samples at 833 Hz
        // Three commits of one second each: one chunk per sensor per commit, split at 500.
        for second in 0..<3 {
            let part = left[(second * 833)..<((second + 1) * 833)]
            _ = part.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 0) }
            recorder.flush()
        }
        recorder.close(endMonotonicNs: F.startNs + 3_000_000_000)
        let reader = try RunReader(path: recorder.path)
        var chunkSizes = [Int]()
        try reader.forEachSampleChunk(sensor: 0) { sensor, chunk in
            #expect(sensor == 0)
            chunkSizes.append(chunk.count)
        }
        #expect(chunkSizes == [500, 333, 500, 333, 500, 333])
        #expect(try reader.samples(sensor: 0) == Array(left[0..<2499]))
        #expect(try reader.sampleCounts() == [0: 2499])
    }

    /// The writer keeps pending samples per sensor id in an array: ids need not be
    /// contiguous, and samples or faults naming an undeclared id must not land on another.
    @Test func sensorIdsWithAGapKeepTheirOwnSamplesAndFaults() throws {
        let dir = RunStoreTempDirectory()
        let declared = [F.sensors[0], F.sensors[2]]  // ids 0 and 2, no 1
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(sensors: declared),
                                              options: RunRecorder.Options(commitInterval: 3600), logger: RunStoreLogCapture().logger)
        let left = F.samples(sensor: F.sensors[0], seconds: 1)
        let sacrum = F.samples(sensor: F.sensors[2], seconds: 1, seed: 3)
        let stray = F.samples(sensor: F.sensors[1], seconds: 0.5, seed: 5)
        _ = left.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 0) }
        _ = stray.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 1) }
        _ = sacrum.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 2) }
        _ = stray.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 7) }
        recorder.record(RunFault(sensor: 2, kind: .busError, startNs: F.startNs + 1_000, detail: "declared"))
        recorder.record(RunFault(sensor: 1, kind: .busError, startNs: F.startNs + 2_000, detail: "undeclared"))
        recorder.flush()
        recorder.close(endMonotonicNs: F.startNs + 1_000_000_000)

        let reader = try RunReader(path: recorder.path)
        #expect(try reader.sampleCounts() == [0: left.count, 2: sacrum.count])
        #expect(try reader.samples(sensor: 0) == left)
        #expect(try reader.samples(sensor: 2) == sacrum)
        let faults = try reader.faults().filter { $0.kind == .busError }
        #expect(faults.first { $0.detail == "declared" }?.sensor == 2)
        #expect(faults.contains { $0.detail == "undeclared" && $0.sensor == nil })
    }

    @Test func aCommitIsVisibleToASecondReaderWithinTheCommitInterval() throws {
        let dir = RunStoreTempDirectory()
        // The production interval (1 s): the writer commits on its own, no flush.
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(), logger: RunStoreLogCapture().logger)
        defer { recorder.close(endMonotonicNs: F.startNs + 5_000_000_000) }
        let reader = try RunReader(path: recorder.path, allowEmpty: true)  // a second connection, read-only
        #expect(try reader.events().isEmpty)

        let began = Date()
        recorder.record(GaitEvent(kind: .initialContact, side: .left, timeNs: F.startNs + 1))
        var seenAfter: Double?
        while Date().timeIntervalSince(began) < 3 {
            if try reader.events().count == 1 {
                seenAfter = Date().timeIntervalSince(began)
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let latency = try #require(seenAfter)
        print("run store: an event became visible to a second connection after \(String(format: "%.2f", latency)) s (commit interval 1 s)")
        #expect(latency <= 1.3)

        // flush() makes it visible at once.
        recorder.record(GaitEvent(kind: .toeOff, side: .left, timeNs: F.startNs + 2))
        recorder.flush()
        #expect(try reader.events().count == 2)
        // The run's end so far is known from the data even before the close.
        let seen = try RunReader(path: recorder.path, allowEmpty: true)
        #expect(seen.metadata.lastDataNs == F.startNs + 2)
        #expect(!seen.metadata.complete)
    }

    @Test func aFullQueueDropsCountsAndLogsOnce() throws {
        let dir = RunStoreTempDirectory()
        let log = RunStoreLogCapture()
        let options = RunRecorder.Options(commitInterval: 3600, sampleQueueCapacity: 64, recordQueueCapacity: 8)
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(), options: options, logger: log.logger)
        let samples = F.samples(sensor: F.sensors[1], seconds: 1.25)  // 1000 samples
        let queued = samples.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 1) }
        #expect(queued == 64)
        #expect(recorder.droppedSamples == 936)
        for k in 0..<20 { recorder.record(GaitEvent(kind: .initialContact, side: .left, timeNs: F.startNs + UInt64(k))) }
        #expect(recorder.droppedRecords == 12)
        recorder.flush()
        // Overflow again: still one line per queue.
        _ = samples.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 1) }
        recorder.flush()
        recorder.close(endMonotonicNs: F.startNs + 2_000_000_000)

        let warnings = log.lines(atLeast: .warning).filter { $0.contains("queue full") }
        #expect(warnings.count == 2, "\(warnings)")
        let reader = try RunReader(path: recorder.path)
        #expect(reader.metadata.droppedSamples == 936 + 936)
        #expect(reader.metadata.droppedRecords == 12)
        #expect(try reader.samples(sensor: 1) == Array(samples[0..<64]) + Array(samples[0..<64]))
        #expect(try reader.events().count == 8)
    }

    @Test func theRecordingPathNeitherLocksNorWaitsOnTheWriter() throws {
        // The writer is parked in a commit-interval wait of an hour; record calls must not
        // need it. (Allocation counts belong in the benchmark.)
        let dir = RunStoreTempDirectory()
        let options = RunRecorder.Options(commitInterval: 3600)
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(), options: options, logger: RunStoreLogCapture().logger)
        let samples = F.samples(sensor: F.sensors[0], seconds: 10)  // 8330 samples
        let began = DispatchTime.now().uptimeNanoseconds
        let queued = samples.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 0) }
        let ns = DispatchTime.now().uptimeNanoseconds - began
        #expect(queued == samples.count)
        print("run store: record(samples:) \(String(format: "%.0f", Double(ns) / Double(samples.count))) ns per sample (debug build)")
        recorder.close(endMonotonicNs: F.startNs + 10_000_000_000)
        #expect(try RunReader(path: recorder.path).samples(sensor: 0).count == samples.count)
    }

    @Test func bytesPerStoredSample() throws {
        // Two shank sensors at 800 Hz for 60 s, committed every second as in a run.
        let dir = RunStoreTempDirectory()
        let shanks = [
            RunSensor(id: 0, placement: .leftShank, bus: "/dev/i2c-1", address: 0x53, chip: .adxl375,
                      applied: AppliedConfiguration(dataRateHz: 800, rangeG: 200, fifoWatermark: 16)),
            RunSensor(id: 1, placement: .rightShank, bus: "/dev/i2c-1", address: 0x1d, chip: .adxl375,
                      applied: AppliedConfiguration(dataRateHz: 800, rangeG: 200, fifoWatermark: 16)),
        ]
        let options = RunRecorder.Options(commitInterval: 3600)
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(sensors: shanks), options: options,
                                              logger: RunStoreLogCapture().logger)
        let emptySize = F.fileSize(recorder.path) + F.fileSize(recorder.path + "-wal")
        let seconds = 60
        let all = shanks.map { F.samples(sensor: $0, seconds: Double(seconds), seed: UInt64($0.id + 7)) }
        for s in 0..<seconds {
            for sensor in shanks {
                let part = all[sensor.id][(s * 800)..<((s + 1) * 800)]
                _ = part.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: sensor.id) }
            }
            recorder.flush()
        }
        recorder.close(endMonotonicNs: F.startNs + UInt64(seconds) * 1_000_000_000)
        let size = F.fileSize(recorder.path)
        let count = all.map(\.count).reduce(0, +)
        let perSample = Double(size - emptySize) / Double(count)
        let perHourMB = perSample * 2 * 800 * 3600 / 1e6
        print("run store: \(String(format: "%.2f", perSample)) bytes per stored sample (accelerometer only, int16), "
              + "\(String(format: "%.0f", perHourMB)) MB per hour at 2×800 Hz")
        #expect(perSample < 12.5)
        #expect(try RunReader(path: recorder.path).samples(sensor: 1) == all[1])
    }

    @Test func theListShowsEachRunWithItsState() throws {
        let dir = RunStoreTempDirectory()
        let logger = RunStoreLogCapture().logger
        // A complete run with data.
        let a = try RunRecorder.create(in: dir.path, start: F.start(), logger: logger)
        _ = Self.feed(a, seconds: 0.5)
        a.close(endMonotonicNs: F.startNs + 60_000_000_000)
        // A cut-off run: committed data, never closed (copied as a power cut leaves it).
        var laterStart = F.start(tags: [("shoes", "old")])
        laterStart.startDate = F.startDate.addingTimeInterval(86_400)
        let b = try RunRecorder.create(in: dir.path + "/live", start: laterStart, options: .init(commitInterval: 3600), logger: logger)
        b.record(StrideAnalyzerOutput.stride(F.stride(.left, 0, at: F.startNs)))
        b.record(GaitEvent(kind: .initialContact, side: .left, timeNs: F.startNs + 7_000_000_000))
        b.flush()
        let cutName = URL(fileURLWithPath: b.path).lastPathComponent
        try FileManager.default.copyItem(atPath: b.path, toPath: dir.path + "/" + cutName)
        try FileManager.default.copyItem(atPath: b.path + "-wal", toPath: dir.path + "/" + cutName + "-wal")
        b.close(endMonotonicNs: F.startNs + 8_000_000_000)
        // An empty run, and a file that is not a run record.
        var emptyStart = F.start(tags: [])
        emptyStart.startDate = F.startDate.addingTimeInterval(-86_400)
        let c = try RunRecorder.create(in: dir.path, start: emptyStart, logger: logger)
        c.close(endMonotonicNs: F.startNs)
        try Data("timestamp,ax,ay,az\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/notes.sqlite"))

        let list = try RunReader.list(directory: dir.path)
        #expect(list.count == 4)
        let summaries = list.compactMap { try? $0.summary.get() }
        #expect(summaries.count == 3)
        // Oldest first: the empty one, the complete one, the cut-off one.
        #expect(summaries.map(\.isEmpty) == [true, false, false])
        #expect(summaries.map(\.metadata.complete) == [true, true, false])
        #expect(summaries[1].strides == 10)
        #expect(summaries[1].tags.first == RunTag(key: "shoes", value: "pegasus 41"))
        #expect(abs(summaries[1].metadata.durationSeconds - 60) < 1e-9)
        #expect(summaries[2].tags == [RunTag(key: "shoes", value: "old")])
        #expect(abs(summaries[2].metadata.durationSeconds - 7) < 1e-9)
        #expect(summaries[2].strides == 1)
        let bad = try #require(list.last)
        #expect(bad.path.hasSuffix("notes.sqlite"))
        #expect(throws: RunReaderError.notSQLite(path: bad.path)) { try bad.summary.get() }
    }
}
