import CFuzzerDriver

/// Runs libFuzzer with the process's arguments (-max_total_time=…, corpus folders, …) over
/// `testOneInput` and returns its exit status. Each harness's `@main` calls this, because
/// SwiftPM links executables with their own `main`, which hides libFuzzer's.
public func runFuzzer(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32 {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
}
