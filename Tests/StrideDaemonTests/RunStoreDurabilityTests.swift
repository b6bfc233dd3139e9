import Foundation
import GRDB
import Hardware
import StrideCore
@testable import StrideDaemon
import Testing

@Suite("run store: power cuts, full disks, bad files")
struct RunStoreDurabilityTests {
    typealias F = RunStoreFixtures

    /// Copies the record and its WAL as they are on disk this instant: what a power cut
    /// leaves behind (the -shm file is rebuilt by SQLite and not copied).
    static func snapshot(_ recorder: RunRecorder, to directory: String) throws -> String {
        let copy = directory + "/" + URL(fileURLWithPath: recorder.path).lastPathComponent
        try FileManager.default.copyItem(atPath: recorder.path, toPath: copy)
        if FileManager.default.fileExists(atPath: recorder.path + "-wal") {
            try FileManager.default.copyItem(atPath: recorder.path + "-wal", toPath: copy + "-wal")
        }
        return copy
    }

    @Test func aPowerCutKeepsEverythingUpToTheLastCommit() throws {
        let dir = RunStoreTempDirectory()
        let cut = RunStoreTempDirectory()
        let torn = RunStoreTempDirectory()
        // No automatic commit: the test decides where the last commit is.
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(), options: .init(commitInterval: 3600),
                                              logger: RunStoreLogCapture().logger)
        let samples = F.samples(sensor: F.sensors[0], seconds: 3)
        var strides = [StrideRecord]()
        for second in 0..<3 {
            let part = samples[(second * 833)..<((second + 1) * 833)]
            _ = part.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 0) }
            let s = F.stride(.left, second, at: F.startNs + UInt64(second) * 1_000_000_000)
            strides.append(s)
            recorder.record(StrideAnalyzerOutput.stride(s))
            recorder.flush()
        }
        // The fourth second is queued but not committed when the power goes.
        recorder.record(StrideAnalyzerOutput.stride(F.stride(.right, 9, at: F.startNs + 3_000_000_000)))
        _ = samples.withUnsafeBufferPointer { recorder.record(samples: UnsafeBufferPointer(rebasing: $0[0..<100]), sensor: 1) }
        let copy = try Self.snapshot(recorder, to: cut.path)
        // The same, with half a frame of the next commit written when the power went.
        let tornCopy = try Self.snapshot(recorder, to: torn.path)
        let wal = try FileHandle(forWritingTo: URL(fileURLWithPath: tornCopy + "-wal"))
        try wal.seekToEnd()
        try wal.write(contentsOf: Data(repeating: 0xA5, count: 2_000))
        try wal.close()
        recorder.close(endMonotonicNs: F.startNs + 4_000_000_000)

        for path in [copy, tornCopy] {
            let reader = try RunReader(path: path)
            #expect(!reader.metadata.complete)
            #expect(reader.metadata.endNs == nil)
            #expect(reader.metadata.stopReason == nil)
            #expect(reader.metadata.lastDataNs == max(samples[2498].timeNs, strides[2].endNs))
            #expect(try reader.samples(sensor: 0) == Array(samples[0..<2499]))
            #expect(try reader.samples(sensor: 1).isEmpty)
            #expect(try reader.strides() == strides)
            try reader.verifyIntegrity()
        }
        // The recorder itself went on and closed its own file normally.
        let closed = try RunReader(path: recorder.path)
        #expect(closed.metadata.complete)
        #expect(try closed.strides().count == 4)
    }

    @Test func aFullDiskPausesRecordingWithOneLineAndKeepsWhatWasWritten() throws {
        let dir = RunStoreTempDirectory()
        let log = RunStoreLogCapture()
        // 48 pages of 4 KiB: room for the schema and a few seconds of samples.
        let options = RunRecorder.Options(commitInterval: 3600, maxPageCount: 48)
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(), options: options, logger: log.logger)
        let samples = F.samples(sensor: F.sensors[0], seconds: 30)  // 17 bytes a sample with the gyroscope
        var committedSeconds = 0
        for second in 0..<30 {
            let part = samples[(second * 833)..<((second + 1) * 833)]
            _ = part.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 0) }
            recorder.record(StrideAnalyzerOutput.stride(F.stride(.left, second, at: F.startNs + UInt64(second) * 1_000_000_000)))
            recorder.flush()
            if recorder.isDiskFull { break }
            committedSeconds += 1
        }
        #expect(recorder.isDiskFull)
        #expect(recorder.state == .pausedDiskFull)
        #expect(committedSeconds > 0 && committedSeconds < 30)
        // The rest of the daemon goes on: recording calls return at once; records are kept
        // for later, samples are taken (and counted into the gap) without blocking.
        #expect(recorder.record(GaitEvent(kind: .initialContact, side: .left, timeNs: F.startNs)))
        let more = samples.withUnsafeBufferPointer { recorder.record(samples: UnsafeBufferPointer(rebasing: $0[0..<100]), sensor: 0) }
        #expect(more == 100)
        recorder.flush()
        #expect(recorder.state == .pausedDiskFull)
        // The retry at close finds room for the few waiting analysis rows in the pages
        // already there (not for samples): the run closes normally.
        recorder.close(endMonotonicNs: F.startNs + 30_000_000_000)
        #expect(recorder.state == .closed)

        let errors = log.lines(atLeast: .error)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.contains("disk full") == true)
        #expect(errors.first?.contains("paused") == true)

        let reader = try RunReader(path: recorder.path)
        #expect(reader.metadata.complete)
        // Nothing committed before the disk filled is lost, and the samples that met the
        // full disk are a gap, not stored.
        let stored = try reader.samples(sensor: 0)
        #expect(stored.count == committedSeconds * 833)
        let unchanged = stored == Array(samples[0..<(committedSeconds * 833)])  // not in #expect: it would print every sample
        #expect(unchanged, "the stored samples differ")
        // The stride of the second that met the full disk waited in the backlog.
        #expect(try reader.strides().count == committedSeconds + 1)
        #expect(try reader.faults().contains { $0.kind == .samplesDropped && $0.sensor == 0 && $0.detail.contains("\(833 + 100) samples") })
        try reader.verifyIntegrity()
    }

    @Test func recordingResumesWhenSpaceReturnsAndWritesTheBacklog() throws {
        let dir = RunStoreTempDirectory()
        let log = RunStoreLogCapture()
        var options = RunRecorder.Options(commitInterval: 3600)
        options.diskFullRetryInterval = 0  // every flush retries: the test decides when
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(), options: options, logger: log.logger)
        let samples = F.samples(sensor: F.sensors[0], seconds: 12)
        func second(_ i: Int) {
            let part = samples[(i * 833)..<((i + 1) * 833)]
            _ = part.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 0) }
            recorder.record(StrideAnalyzerOutput.stride(F.stride(.left, i, at: F.startNs + UInt64(i) * 1_000_000_000 + 500_000_000)))
            recorder.flush()
        }
        for i in 0..<3 { second(i) }
        #expect(recorder.state == .recording)
        // The disk fills: the record is held at its size.
        recorder.limitPages(1)
        for i in 3..<8 { second(i) }
        #expect(recorder.state == .pausedDiskFull)
        // Each retry carries that second's samples, which do not fit: one pause throughout.
        let pauses = recorder.diskFullPauses
        #expect(pauses == 1)
        // Space returns: the next commit writes the backlog and recording goes on.
        recorder.limitPages(nil)
        for i in 8..<12 { second(i) }
        #expect(recorder.state == .recording)
        recorder.close(endMonotonicNs: F.startNs + 12_000_000_000)
        #expect(recorder.state == .closed)

        #expect(log.lines(atLeast: .error).count == 1)
        #expect(log.lines(atLeast: .notice).contains { $0.contains("recording resumed") })

        let reader = try RunReader(path: recorder.path)
        #expect(reader.metadata.complete)
        #expect(reader.metadata.stopReason == "closed")
        try reader.verifyIntegrity()
        // Every stride, the paused seconds' too.
        #expect(try reader.strides().map(\.index) == Array(0..<12))
        // Samples: before the pause and after it; the pause is a gap, told by the faults.
        let stored = try reader.samples(sensor: 0)
        #expect(stored.count < samples.count)
        // Compared outside #expect, which would print every sample on a failure.
        let before = Array(stored.prefix(3 * 833)) == Array(samples[0..<(3 * 833)])
        let after = Array(stored.suffix(4 * 833)) == Array(samples[(8 * 833)..<(12 * 833)])
        #expect(before, "the samples before the pause differ")
        #expect(after, "the samples after the pause differ")
        #expect(stored.count == 7 * 833)
        let faults = try reader.faults()
        let full = faults.filter { $0.kind == .diskFull }
        #expect(full.count == pauses)
        #expect(full.allSatisfy { $0.sensor == nil })
        // The gaps (one per pause) hold exactly the samples not stored.
        let gaps = faults.filter { $0.kind == .samplesDropped && $0.sensor == 0 }
        #expect(gaps.count == pauses)
        #expect(gaps.first?.startNs == samples[3 * 833].timeNs)
        #expect(gaps.last?.endNs == samples[8 * 833 - 1].timeNs)
        let counted = gaps.compactMap { Int($0.detail.split(separator: " ").first { Int($0) != nil } ?? "") }.reduce(0, +)
        #expect(counted == 5 * 833, "\(gaps.map(\.detail))")
        #expect(zip(full, gaps).allSatisfy { $0.startNs <= $1.startNs && ($0.endNs ?? 0) >= ($1.endNs ?? .max) })
        #expect(reader.metadata.droppedRecords == 0)
    }

    @Test func theDiskFullBacklogIsBoundedAndCountsWhatItDrops() throws {
        let dir = RunStoreTempDirectory()
        var options = RunRecorder.Options(commitInterval: 3600)
        options.diskFullBacklogRecords = 10
        options.diskFullRetryInterval = 3600  // no retry until close
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(), options: options, logger: RunStoreLogCapture().logger)
        let samples = F.samples(sensor: F.sensors[0], seconds: 1)
        _ = samples.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 0) }
        recorder.flush()
        recorder.limitPages(1)
        _ = samples.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 0) }
        recorder.flush()
        #expect(recorder.isDiskFull)
        for i in 0..<25 { recorder.record(StrideAnalyzerOutput.stride(F.stride(.right, i, at: F.startNs + UInt64(i) * 1_000_000))) }
        recorder.flush()
        #expect(recorder.droppedRecords == 15)
        // Room again by the end: close writes the ten kept.
        recorder.limitPages(nil)
        recorder.close(endMonotonicNs: F.startNs + 2_000_000_000)
        let reader = try RunReader(path: recorder.path)
        #expect(try reader.strides().map(\.index) == Array(0..<10))
        #expect(reader.metadata.droppedRecords == 15)
        // The default backlog's footprint, as its comment claims: a few MB (records are
        // stored inline; a baseline's arrays are shared, not copied).
        let bytes = MemoryLayout<QueuedRecord>.stride * RunRecorder.Options.defaultDiskFullBacklogRecords
        print("disk-full backlog: \(MemoryLayout<QueuedRecord>.stride) bytes a record, \(bytes / 1024) KiB in all")
        #expect(bytes < 8 << 20)
    }

    // MARK: Bad files

    static func closedRecord(in dir: RunStoreTempDirectory, seconds: Double = 2) throws -> String {
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(), logger: RunStoreLogCapture().logger)
        let samples = F.samples(sensor: F.sensors[1], seconds: seconds)
        _ = samples.withUnsafeBufferPointer { recorder.record(samples: $0, sensor: 1) }
        recorder.record(StrideAnalyzerOutput.stride(F.stride(.left, 0, at: F.startNs)))
        recorder.close(endMonotonicNs: F.startNs + 2_000_000_000)
        return recorder.path
    }

    /// Opens and reads everything; returns the first error.
    static func readError(_ path: String) -> RunReaderError? {
        do throws(RunReaderError) {
            let reader = try RunReader(path: path)
            _ = try reader.sensors()
            _ = try reader.strides()
            for s in try reader.sensors() { _ = try reader.samples(sensor: s.id) }
            return nil
        } catch {
            return error
        }
    }

    @Test func aMissingFile() {
        let error = Self.readError("/nonexistent/run.sqlite")
        #expect(error == .notFound(path: "/nonexistent/run.sqlite"))
        #expect(error?.description == "/nonexistent/run.sqlite: no such file")
    }

    @Test func aFileThatIsNotSQLite() throws {
        let dir = RunStoreTempDirectory()
        let path = dir.path + "/run.sqlite"
        try Data("time,ax,ay,az\n0,0.1,0.2,0.98\n".utf8).write(to: URL(fileURLWithPath: path))
        let error = Self.readError(path)
        #expect(error == .notSQLite(path: path))
        #expect(error?.description.contains("not a run record (not an SQLite database at all)") == true)
    }

    @Test func anSQLiteFileThatIsNotARunRecord() throws {
        let dir = RunStoreTempDirectory()
        let path = dir.path + "/photos.sqlite"
        let db = try DatabaseQueue(path: path)
        try db.write { try $0.execute(sql: "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)") }
        try db.close()
        let error = try #require(Self.readError(path))
        guard case .notARunRecord = error else {
            Issue.record("expected notARunRecord, got \(error)")
            return
        }
        #expect(error.description.contains("an SQLite database, but not a StrideGuard run record"))
        #expect(error.description.contains("photos"))
    }

    @Test func aRecordFromANewerSchema() throws {
        let dir = RunStoreTempDirectory()
        let path = try Self.closedRecord(in: dir)
        let db = try DatabaseQueue(path: path)
        try db.writeWithoutTransaction { try $0.execute(sql: "PRAGMA user_version = 7") }
        try db.close()
        let error = Self.readError(path)
        #expect(error == .newerSchema(path: path, found: 7, supported: 1))
        #expect(error?.description.contains("written by a newer StrideGuard (run record schema 7; this version reads up to 1)") == true)
    }

    @Test func emptyRecords() throws {
        let dir = RunStoreTempDirectory()
        // A file created and never written (power cut at once).
        let zero = dir.path + "/zero.sqlite"
        _ = FileManager.default.createFile(atPath: zero, contents: Data())
        guard case .emptyRecord(_, let detail)? = Self.readError(zero) else {
            Issue.record("expected emptyRecord for a 0-byte file")
            return
        }
        #expect(detail.contains("0 bytes"))
        // A run that started and stopped without data.
        let recorder = try RunRecorder.create(in: dir.path, start: F.start(), logger: RunStoreLogCapture().logger)
        recorder.close(endMonotonicNs: F.startNs)
        let error = try #require(Self.readError(recorder.path))
        guard case .emptyRecord = error else {
            Issue.record("expected emptyRecord, got \(error)")
            return
        }
        #expect(error.description.contains("an empty run record: started 2025-10-09T08:53:20.250Z, but no sample, event or stride was recorded"))
        // The run list still shows it.
        let listed = try RunReader(path: recorder.path, allowEmpty: true)
        #expect(try listed.summary().isEmpty)
    }

    @Test func aCorruptedRecord() throws {
        let dir = RunStoreTempDirectory()
        let path = try Self.closedRecord(in: dir, seconds: 20)
        // Keep the header page, overwrite the rest with garbage (a failing SD card).
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: Int(size) - 4096))
        try handle.close()
        let error = try #require(Self.readError(path))
        guard case .corrupted = error else {
            Issue.record("expected corrupted, got \(error)")
            return
        }
        #expect(error.description.contains("the run record is damaged"))
    }

    @Test func aDamagedSampleChunk() throws {
        let dir = RunStoreTempDirectory()
        let path = try Self.closedRecord(in: dir)
        let db = try DatabaseQueue(path: path)
        try db.write { try $0.execute(sql: "UPDATE sample_chunks SET data = x'0102030405' WHERE id = 1") }
        try db.close()
        let error = Self.readError(path)
        guard case .corrupted(_, let detail)? = error else {
            Issue.record("expected corrupted, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("sample chunk 1"))
    }
}
