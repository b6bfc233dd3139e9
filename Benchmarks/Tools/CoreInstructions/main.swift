// Runs one stride-core case for 60 s of data and exits, for callgrind (not a benchmark,
// hence outside Benchmarks/Benchmarks/, where the benchmark plugin would run it as one):
//   valgrind --tool=callgrind --toggle-collect='*measuredSeconds*' CoreInstructions shank
// counts the instructions of the measured part only (the warm-up and the signal
// generation run outside `measuredSeconds`). scripts/count-instructions.sh builds it with
// DWARF 4 debug information (valgrind 3.19 cannot read DWARF 5) and prints per-sample
// figures for every case.
import CoreCases
import Foundation

let measuredSecondsOfData = 60
let arguments = CommandLine.arguments.dropFirst()
// `--list`: the cases this build has (GaitPipeline only when StrideDaemon is importable).
if arguments.first == "--list", arguments.count == 1 {
    print(CoreCase.Kind.available.map(\.rawValue).joined(separator: " "))
    exit(0)
}
guard let name = arguments.first, arguments.count == 1, let kind = CoreCase.Kind(rawValue: name),
      CoreCase.Kind.available.contains(kind)
else {
    let names = CoreCase.Kind.available.map(\.rawValue).joined(separator: "|")
    FileHandle.standardError.write(Data("usage: CoreInstructions \(names) | --list\n".utf8))
    exit(64)
}
let c = CoreCase(kind)
c.measuredSeconds(measuredSecondsOfData)
let sensors = kind == .twoShanks || kind == .pipeline ? 2 : 1
print("case \(name): measured \(measuredSecondsOfData * samplesPerIteration * sensors) samples (\(sensors) sensor(s) x \(measuredSecondsOfData) s at \(Int(rateHz)) Hz), events \(c.events + c.two.outputs)")
