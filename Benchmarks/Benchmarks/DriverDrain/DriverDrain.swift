// FIFO drain cost per driver, against its register-level model: bytes on the bus and
// allocations per sample, and time per second of data. The minimum is 6 data bytes a
// sample (X, Y, Z at 16 bits) plus the addressing the chip's FIFO forces.
import Benchmark
import Hardware
import HardwareSim
import StrideCore

/// One second of data at the benchmark's data rate.
let dataRateHz = 800.0
let samplesPerIteration = Int(dataRateHz)

/// Bytes on the bus per 1000 samples (integer metric; divide by 1000 for per sample).
let busBytesPerKiloSample = BenchmarkMetric.custom("bus bytes per 1000 samples", polarity: .prefersSmaller, useScalingFactor: false)

/// A chip model on a simulated bus with its driver configured and started.
final class DrainRig {
    let clock = VirtualClock()
    let bus: SimI2CBus
    let line: SimEdgeLine
    let driver: any AccelerometerDriver
    let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 1024)

    init?(chip: ChipModel, maxReadLength: Int) {
        bus = SimI2CBus(clock: clock, maxReadLength: maxReadLength)
        bus.tracing = false  // the trace allocates; the driver must not
        line = SimEdgeLine(clock: clock)
        let address = chip.addresses[0]
        let source = TestSignal()
        switch chip.family {
        case .adxl34x: bus.attach(SimADXL34x(chip: chip, address: address, clock: clock, source: source, line: line))
        case .lis3dh: bus.attach(SimLIS3DH(address: address, clock: clock, source: source, line: line))
        case .lsm6dso: bus.attach(SimLSM6DSO(chip: chip, address: address, clock: clock, source: source, line: line))
        }
        driver = DriverTable.makeDriver(chip: chip, bus: bus, address: address, clock: clock)
        let range = chip.rangesG.last ?? 16
        do {
            _ = try driver.configure(SensorConfiguration(dataRateHz: dataRateHz, rangeG: range, fifoWatermark: 16))
            try driver.start()
        } catch {
            return nil
        }
    }

    /// Drains one second of samples; returns how many arrived.
    func drainOneSecond() -> Int {
        var delivered = 0
        while delivered < samplesPerIteration {
            guard let edge = try? line.waitForEdge(timeoutNs: 100_000_000) else { return delivered }
            guard let result = try? driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: clock.nowNs) else { return delivered }
            delivered += result.count
            blackHole(buffer[0])
        }
        return delivered
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // mallocCountTotal is per iteration, and an iteration is one second = 800 samples.
        metrics: [.wallClock, .mallocCountTotal, busBytesPerKiloSample],
        maxDuration: .seconds(2),
        maxIterations: 200
    )
    let cases: [(ChipModel, Int)] = [(.adxl375, 32), (.lis3dh, 32), (.lis3dh, 4096), (.lsm6dso32, 32), (.lsm6dso32, 4096)]
    for (chip, maxRead) in cases {
        let adapter = maxRead <= 32 ? "SMBus 32-byte" : "I2C_RDWR"
        Benchmark("drain \(chip.rawValue) 1 s at 800 Hz (\(adapter))") { benchmark in
            guard let rig = DrainRig(chip: chip, maxReadLength: maxRead) else { return }
            _ = rig.drainOneSecond()  // warm up: first interrupts, period estimate
            var samples = 0
            let bytesBefore = rig.bus.bytesOnBus
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                samples += rig.drainOneSecond()
            }
            benchmark.stopMeasurement()
            let bytes = rig.bus.bytesOnBus - bytesBefore
            guard samples > 0 else { return }
            benchmark.measurement(busBytesPerKiloSample, Int(bytes * 1000 / UInt64(samples)))
        }
    }
}
