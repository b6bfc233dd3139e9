import Foundation
import FuzzSupport
import StrideDaemon

// A whole run record (.sqlite) as `strideguard runs/report/export/compare` read it: the
// input is the file. Every reader call runs on its own, so that one table's damage does
// not hide a trap in the next.
private let scratch = ScratchFile(harness: "run-record", suffix: ".sqlite")

/// One reader call: a thrown RunReaderError is an accepted outcome and must say something.
private func attempt<T>(_ call: () throws -> T) {
    do {
        _ = try call()
    } catch let error as RunReaderError {
        precondition(!error.description.isEmpty, "a run-reader error without a message")
    } catch {
        preconditionFailure("the reader let a \(type(of: error)) escape: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRunRecord(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    scratch.write(fuzzInput(data, size))
    let reader: RunReader
    do {
        reader = try RunReader(path: scratch.path, allowEmpty: true)
    } catch {
        precondition(!error.description.isEmpty, "a run-reader error without a message")
        return 0
    }
    attempt { try reader.summary() }
    attempt { try reader.configuration() }
    attempt { try reader.tags() }
    attempt { try reader.sensors() }
    attempt { try reader.sampleCounts() }
    attempt { try reader.forEachSampleChunk { _, _ in } }
    attempt { try reader.events() }
    attempt { try reader.strides() }
    attempt { try reader.windows() }
    attempt { try reader.baseline() }
    attempt { try reader.alerts() }
    attempt { try reader.faults() }
    attempt { try reader.activityChanges() }
    return 0
}

@main
enum FuzzRunRecordMain {
    static func main() { exit(runFuzzer(fuzzRunRecord)) }
}
