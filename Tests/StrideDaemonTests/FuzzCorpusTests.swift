import Foundation
@testable import StrideDaemon
import Testing

/// Replays the corpora scripts/fuzz.sh keeps (Fuzz/corpus/<target>/, minimised, a few
/// hundred small files) through the harnesses' entry points, with their invariants: no
/// trap, every refusal names a problem, chunks round-trip. Fuzzing found these inputs to
/// reach distinct code, so they are a cheap wide test of the parsers' error paths.
struct FuzzCorpusTests {
    static func corpus(_ target: String) throws -> [(name: String, bytes: Data)] {
        let files = FuzzInputs.files("corpus", target)
        #expect(!files.isEmpty, "no corpus in Fuzz/corpus/\(target): run scripts/fuzz.sh")
        return try files.map { ($0.lastPathComponent, try Data(contentsOf: $0)) }
    }

    @Test func configurationCorpus() throws {
        var valid = 0
        for (name, bytes) in try Self.corpus("FuzzConfiguration") {
            let check = FuzzInputs.configuration(bytes)
            if check.status == 0 {
                valid += 1
                #expect(check.report.isValid && check.report.configuration != nil, "\(name): status 0 without a valid configuration")
            } else {
                #expect(!check.report.errors.isEmpty, "\(name): refused without naming an error")
                #expect(check.diagnostics.allSatisfy { !$0.isEmpty }, "\(name): an empty diagnostic")
            }
        }
        #expect(valid > 0, "the corpus should hold at least one valid configuration (the seeds do)")
    }

    @Test func scenarioCorpus() throws {
        var parsed = 0
        for (name, bytes) in try Self.corpus("FuzzScenario") {
            switch FuzzInputs.scenario(bytes) {
            case .success(let scenario):
                parsed += 1
                #expect(scenario.durationMin.isFinite && scenario.durationMin >= 0, "\(name): duration \(scenario.durationMin)")
            case .failure(let error):
                #expect(!error.description.isEmpty, "\(name): a scenario error without a message")
            }
        }
        #expect(parsed > 0)
    }

    @Test func recordingCSVCorpus() throws {
        // The four kinds of real file the corpus was seeded with, each with its mapping.
        #expect(FuzzInputs.csvMappings.count == 4)
        var read = 0
        for (name, bytes) in try Self.corpus("FuzzRecordingCSV") {
            switch try FuzzInputs.recordingCSV(bytes).result {
            case .success(let recording):
                read += 1
                #expect(recording.tracks.allSatisfy { $0.sampleRateHz > 0 && $0.sampleRateHz <= RecordingCSVReader.maximumSampleRateHz },
                        "\(name): rates \(recording.tracks.map(\.sampleRateHz))")
            case .failure(let error):
                #expect(error.exitCode == 65 || error.exitCode == 66, "\(name): \(error)")
                #expect(!error.description.isEmpty)
            }
        }
        #expect(read > 0)
    }

    @Test func runRecordCorpus() throws {
        var opened = 0
        for (name, bytes) in try Self.corpus("FuzzRunRecord") {
            let outcomes = FuzzInputs.runRecord(bytes)
            if outcomes.count > 1 { opened += 1 }
            for case .failure(let error) in outcomes {
                guard let error = error as? RunReaderError else {
                    Issue.record("\(name): the reader let a \(type(of: error)) escape: \(error)")
                    continue
                }
                #expect(!error.description.isEmpty, "\(name): a reader error without a message")
            }
        }
        #expect(opened > 0)
    }

    @Test func sampleChunkCorpus() throws {
        var decoded = 0
        for (name, bytes) in try Self.corpus("FuzzSampleChunk") {
            switch FuzzInputs.sampleChunk(bytes) {
            case .success(let chunk):
                decoded += 1
                #expect(chunk.roundTrips, "\(name): \(chunk.samples.count) samples do not survive encode/decode")
            case .failure(let error):
                #expect(!error.description.isEmpty, "\(name): a chunk error without a message")
            }
        }
        #expect(decoded > 0)
    }
}
