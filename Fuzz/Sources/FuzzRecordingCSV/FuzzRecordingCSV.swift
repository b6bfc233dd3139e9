import Foundation
import FuzzSupport
import StrideDaemon

// A recording CSV as `strideguard replay` reads it, then the stride core over it. The
// first byte of the input picks one of the mappings the real files are read with (so that
// the corpus can hold each kind of file with the header its mapping expects); the rest is
// the CSV file.
private let scratch = ScratchFile(harness: "recording-csv", suffix: ".csv")

/// Mapping files, as `--mapping` would give them (`FILE` becomes the scratch path), one per
/// kind of real file: Fuzz/mappings/FuzzRecordingCSV, sorted by name. The corpus replay test
/// (Tests/StrideDaemonTests/FuzzInputs.swift) reads the same files.
private let mappings: [String] = {
    let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("mappings/FuzzRecordingCSV")
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    let texts = names.compactMap { try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
    guard !texts.isEmpty else { fatalError("no mapping files in \(folder.path)") }
    return texts
}()

/// Above this many samples the stride core is not run: the reader is the target, and the
/// core's cost would slow the search for nothing new.
private let coreSampleLimit = 20_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordingCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    guard let selector = input.first else { return 0 }
    scratch.write(UnsafeRawBufferPointer(rebasing: input.dropFirst()))
    var mapping = ReplayMapping()
    let text = mappings[Int(selector) % mappings.count].replacingOccurrences(of: "FILE", with: scratch.path)
    do {
        try mapping.apply(mappingText: text, file: "fuzz-mapping")
    } catch {
        preconditionFailure("the harness's own mapping is refused: \(error)")
    }
    let recording: ReplayRecording
    do {
        recording = try RecordingCSVReader.read(mapping)
    } catch {
        precondition(error.exitCode != 0 && !error.description.isEmpty, "a replay error without a message or status")
        return 0
    }
    if recording.tracks.reduce(0, { $0 + $1.samples.count }) <= coreSampleLimit {
        _ = Replay.run(recording)
    }
    return 0
}

@main
enum FuzzRecordingCSVMain {
    static func main() { exit(runFuzzer(fuzzRecordingCSV)) }
}
