import Foundation
import HardwareSim
import StrideCore
@testable import StrideDaemon

/// Runs fuzzer inputs (Fuzz/corpus, Fuzz/regressions) through the same entry points as the
/// libFuzzer harnesses in Fuzz/Sources, without libFuzzer, so that CI replays them. Each
/// function checks the invariants its harness checks and returns the outcome.
enum FuzzInputs {
    /// <package root>/Fuzz
    static var fuzzFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz")
    }

    /// The files in Fuzz/<folder>/<target>, sorted (empty when there is no such folder).
    static func files(_ folder: String, _ target: String) -> [URL] {
        let dir = fuzzFolder.appendingPathComponent(folder).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0) }
    }

    /// A scratch file for inputs the parsers read by path.
    static func scratch(_ bytes: Data, suffix: String) -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("fuzz-input-\(UInt64.random(in: 0..<UInt64.max))\(suffix)").path
        FileManager.default.createFile(atPath: path, contents: bytes)
        return path
    }

    // MARK: Configuration (FuzzConfiguration)

    static func configuration(_ bytes: Data) -> ConfigurationCheck {
        let path = scratch(bytes, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        return ConfigurationCheck(path: path, environment: [:])
    }

    // MARK: Scenario (FuzzScenario)

    static func scenario(_ bytes: Data) -> Result<Scenario, ScenarioError> {
        let path = scratch(bytes, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do throws(ScenarioError) {
            return .success(try ScenarioParser.load(path: path))
        } catch {
            return .failure(error)
        }
    }

    // MARK: Recording CSV (FuzzRecordingCSV)

    /// The mappings FuzzRecordingCSV picks with an input's first byte, from the files the
    /// harness reads too (Fuzz/mappings/FuzzRecordingCSV), so a kept input means the same
    /// here as when it was found.
    static let csvMappings: [String] = files("mappings", "FuzzRecordingCSV").map { url in
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { fatalError("cannot read \(url.path)") }
        return text
    }

    /// Reads the CSV (the input after its selector byte) with the selected mapping and,
    /// when it reads, replays the stride core over it. `path` is where the CSV was put, as
    /// errors name it.
    static func recordingCSV(_ bytes: Data) throws -> (path: String, result: Result<ReplayRecording, ReplayError>) {
        guard let selector = bytes.first else { return ("", .failure(.usage("empty input"))) }
        let path = scratch(bytes.dropFirst(), suffix: ".csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var mapping = ReplayMapping()
        try mapping.apply(mappingText: csvMappings[Int(selector) % csvMappings.count].replacingOccurrences(of: "FILE", with: path),
                          file: "fuzz-mapping")
        do throws(ReplayError) {
            let recording = try RecordingCSVReader.read(mapping)
            _ = Replay.run(recording)
            return (path, .success(recording))
        } catch {
            return (path, .failure(error))
        }
    }

    // MARK: Run record (FuzzRunRecord)

    /// Opens the record and makes every reader call; returns each call's outcome in call
    /// order (the open's alone when it cannot be opened). The reader promises to throw
    /// RunReaderError only; the caller checks that.
    static func runRecord(_ bytes: Data) -> [Result<Void, any Error>] {
        let path = scratch(bytes, suffix: ".sqlite")
        defer {
            for side in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + side) }
        }
        let reader: RunReader
        do throws(RunReaderError) {
            reader = try RunReader(path: path, allowEmpty: true)
        } catch {
            return [.failure(error)]
        }
        func call(_ body: () throws -> Void) -> Result<Void, any Error> {
            do { try body(); return .success(()) } catch { return .failure(error) }
        }
        return [
            call { _ = try reader.summary() }, call { _ = try reader.configuration() }, call { _ = try reader.tags() },
            call { _ = try reader.sensors() }, call { _ = try reader.sampleCounts() },
            call { try reader.forEachSampleChunk { _, _ in } }, call { _ = try reader.events() },
            call { _ = try reader.strides() }, call { _ = try reader.windows() }, call { _ = try reader.baseline() },
            call { _ = try reader.alerts() }, call { _ = try reader.faults() }, call { _ = try reader.activityChanges() },
        ]
    }

    // MARK: Sample chunk (FuzzSampleChunk)

    static let chunkStartNs: UInt64 = 5_000_000_000

    /// Decodes the chunk; when it decodes, also whether re-encoding and decoding again gives
    /// the same samples bit for bit.
    static func sampleChunk(_ bytes: Data) -> Result<(samples: [IMUSample], roundTrips: Bool), SampleChunkDecodingError> {
        let samples: [IMUSample]
        do throws(SampleChunkDecodingError) {
            samples = try SampleChunkCodec.decode(bytes, startNs: chunkStartNs)
        } catch {
            return .failure(error)
        }
        let b = [UInt8](bytes)
        func scale(_ at: Int) -> Float {
            Float(bitPattern: UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24)
        }
        let encoded = SampleChunkCodec.encode(samples[...], startNs: chunkStartNs, accelScale: scale(8), gyroScale: scale(12))
        guard let again = try? SampleChunkCodec.decode(encoded.data, startNs: chunkStartNs) else { return .success((samples, false)) }
        func bits(_ s: IMUSample) -> [UInt64] {
            [s.timeNs, UInt64(s.flags.rawValue), UInt64(s.accel.x.bitPattern), UInt64(s.accel.y.bitPattern), UInt64(s.accel.z.bitPattern),
             UInt64(s.gyro.x.bitPattern), UInt64(s.gyro.y.bitPattern), UInt64(s.gyro.z.bitPattern)]
        }
        return .success((samples, samples.map(bits) == again.map(bits)))
    }
}
