import Foundation
import FuzzSupport
import HardwareSim

// A simulator scenario file (config/scenarios/*.yaml) as `simulate` and `synth` load it:
// raw bytes from a path, UTF-8 check, YAML through Yams, then the scenario checks.
private let scratch = ScratchFile(harness: "scenario", suffix: ".yaml")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    scratch.write(fuzzInput(data, size))
    do {
        let scenario = try ScenarioParser.load(path: scratch.path)
        _ = scenario.segments.count
    } catch {
        precondition(!error.description.isEmpty, "a scenario error without a message")
    }
    return 0
}

@main
enum FuzzScenarioMain {
    static func main() { exit(runFuzzer(fuzzScenario)) }
}
