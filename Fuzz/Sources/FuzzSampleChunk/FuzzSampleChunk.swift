import Foundation
import FuzzSupport
@testable import StrideDaemon
import StrideCore

// One sample_chunks.data BLOB, straight into the decoder (the run-record target reaches
// it only through SQLite, which buries most mutations in page checks). A chunk that
// decodes must survive a round trip: encoding its samples again and decoding that gives
// the very same samples, bit for bit.
private let startNs: UInt64 = 5_000_000_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSampleChunk(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let blob = Data(fuzzInput(data, size))
    let samples: [IMUSample]
    do {
        samples = try SampleChunkCodec.decode(blob, startNs: startNs)
    } catch {
        precondition(!error.description.isEmpty, "a chunk error without a message")
        return 0
    }
    // The scales stored in the header are what the writer would pass back in.
    func scale(at offset: Int) -> Float {
        Float(bitPattern: UInt32(blob[offset]) | UInt32(blob[offset + 1]) << 8
            | UInt32(blob[offset + 2]) << 16 | UInt32(blob[offset + 3]) << 24)
    }
    let encoded = SampleChunkCodec.encode(samples[...], startNs: startNs, accelScale: scale(at: 8), gyroScale: scale(at: 12))
    let again: [IMUSample]
    do {
        again = try SampleChunkCodec.decode(encoded.data, startNs: startNs)
    } catch {
        preconditionFailure("a re-encoded chunk does not decode: \(error)")
    }
    precondition(again.count == samples.count, "round trip changed the sample count")
    func bits(_ v: Vector3) -> [UInt32] { [v.x.bitPattern, v.y.bitPattern, v.z.bitPattern] }
    for (a, b) in zip(samples, again) {
        precondition(a.timeNs == b.timeNs && a.flags == b.flags && bits(a.accel) == bits(b.accel)
                     && bits(a.gyro) == bits(b.gyro), "round trip changed a sample")
    }
    return 0
}

@main
enum FuzzSampleChunkMain {
    static func main() { exit(runFuzzer(fuzzSampleChunk)) }
}
