import Foundation
import FuzzSupport
import StrideDaemon

// The configuration file as the daemon and `strideguard check-config` read it: raw bytes
// from a path, YAML through swift-configuration, decoding, validation and the summary.
// No environment overrides, so one input always gives one outcome.
private let scratch = ScratchFile(harness: "configuration", suffix: ".yaml")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfiguration(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    scratch.write(fuzzInput(data, size))
    let check = ConfigurationCheck(path: scratch.path, environment: [:])
    // A valid report must carry a configuration and a zero status; anything else must
    // name at least one problem. A parser that loses its errors is a bug too.
    if check.status == 0 {
        precondition(check.report.isValid && check.report.configuration != nil, "status 0 without a valid configuration")
    } else {
        precondition(!check.report.errors.isEmpty, "refused without naming an error")
    }
    return 0
}

@main
enum FuzzConfigurationMain {
    static func main() { exit(runFuzzer(fuzzConfiguration)) }
}
