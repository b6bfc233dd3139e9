import Foundation
@testable import StrideDaemon
import Testing

/// Inputs that once crashed a parser (Fuzz/regressions/<target>/, found by scripts/fuzz.sh
/// or while writing the harnesses), each with the exact outcome it must have now. They run
/// through the same entry points as the libFuzzer harnesses (FuzzInputs), without libFuzzer.
struct FuzzRegressionTests {
    static func input(_ target: String, _ name: String) throws -> Data {
        try Data(contentsOf: FuzzInputs.fuzzFolder.appendingPathComponent("regressions/\(target)/\(name)"))
    }

    /// Found by FuzzRecordingCSV in its first 30 s: a time of 2.2e12 s on line 6 made the
    /// replay clock (ns since the first time, a UInt64) overflow, and `UInt64(Double)`
    /// trapped. Now times beyond ±4e9 s are a data error on their line and column.
    @Test func timeBeyondTheReplayClockIsADataErrorOnItsLine() throws {
        let (path, result) = try FuzzInputs.recordingCSV(try Self.input("FuzzRecordingCSV", "time-beyond-the-replay-clock.bin"))
        guard case .failure(.data(let file, let line, let column, let message)) = result else {
            Issue.record("expected a data error, got \(result)")
            return
        }
        #expect(file == path)
        #expect(line == 6)
        #expect(column == "time_s")
        #expect(message.hasPrefix("time 2222222222000.0 s is out of range"))
    }

    /// Found while writing FuzzRecordingCSV (tried by hand, confirmed on the harness): time
    /// steps of 1e-12 s estimate a 1 THz sample rate, and the detectors then asked for a
    /// 80 TB buffer (AddressSanitizer: allocation size exceeds the maximum). Now an
    /// estimated rate above the `--rate` option's 100 kHz bound is a data error on the time
    /// column.
    @Test func terahertzEstimatedRateIsADataErrorOnTheTimeColumn() throws {
        let (path, result) = try FuzzInputs.recordingCSV(try Self.input("FuzzRecordingCSV", "estimated-rate-in-terahertz.bin"))
        guard case .failure(.data(let file, let line, let column, let message)) = result else {
            Issue.record("expected a data error, got \(result)")
            return
        }
        #expect(file == path)
        #expect(line == 0)
        #expect(column == "time_s")
        #expect(message.contains("above the 100000 Hz a replay accepts"))
    }

    /// The same recording with `--rate` given reads: the bound is on the estimate only.
    @Test func terahertzTimeStepsReadWhenTheRateIsGiven() throws {
        var bytes = try Self.input("FuzzRecordingCSV", "estimated-rate-in-terahertz.bin")
        bytes[bytes.startIndex] = 3  // the alcantara columns with `rate 500` (and times in ms)
        let (_, result) = try FuzzInputs.recordingCSV(bytes)
        guard case .success(let recording) = result else {
            Issue.record("expected the recording to read, got \(result)")
            return
        }
        #expect(recording.tracks.map(\.sampleRateHz) == [500])
        #expect(recording.tracks.map(\.samples.count) == [60])
    }

    /// Found by FuzzRecordingCSV (second run, after 3 s): an acceleration of 6e69 g on line
    /// 6 is a finite Double but an infinite Float sample, and the shank detector's onset
    /// became NaN and trapped in `Int(Double)` (ShankEventDetector.time(atIndex:)). Now a
    /// sample beyond ±1e6 in the file's units is a data error on its line and column.
    @Test func sampleBeyondSinglePrecisionIsADataErrorOnItsLine() throws {
        let (path, result) = try FuzzInputs.recordingCSV(try Self.input("FuzzRecordingCSV", "sample-beyond-single-precision.bin"))
        guard case .failure(.data(let file, let line, let column, let message)) = result else {
            Issue.record("expected a data error, got \(result)")
            return
        }
        #expect(file == path)
        #expect(line == 6)
        #expect(column == "ay_g")
        #expect(message.contains("is beyond ±1000000.0, which no accelerometer or gyroscope reads"))
    }

    /// Every file in Fuzz/regressions has a test above: a new crash must get its own
    /// expected outcome, not only a place in the folder.
    @Test func everyRegressionInputHasATest() {
        let known: Set = ["FuzzRecordingCSV/time-beyond-the-replay-clock.bin", "FuzzRecordingCSV/estimated-rate-in-terahertz.bin",
                          "FuzzRecordingCSV/sample-beyond-single-precision.bin"]
        let targets = (try? FileManager.default.contentsOfDirectory(atPath: FuzzInputs.fuzzFolder.appendingPathComponent("regressions").path)) ?? []
        var found: Set<String> = []
        for target in targets {
            for file in FuzzInputs.files("regressions", target) { found.insert("\(target)/\(file.lastPathComponent)") }
        }
        #expect(found == known)
    }
}
