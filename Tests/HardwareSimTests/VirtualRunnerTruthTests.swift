import Foundation
import Hardware
@testable import HardwareSim
import StrideCore
import Testing

@Suite("Virtual runner: ground truth, scenarios, determinism, chip models")
struct VirtualRunnerTruthTests {
    func load(_ name: String) throws -> Scenario {
        try ScenarioParser.load(path: RunnerFixtures.scenarioDirectory.appendingPathComponent(name).path)
    }

    @Test func groundTruthIsConsistent() throws {
        let runner = VirtualRunner(scenario: try load("intervals-with-stops.yaml"))
        let truth = runner.recordGroundTruth()
        let ics = truth.events.filter { $0.kind == .initialContact }
        #expect(ics.count > 4000)
        // Initial contacts alternate left and right, through stops and walks.
        for (a, b) in zip(ics, ics.dropFirst()) { #expect(a.side != b.side) }
        // Events are in time order; all inside the run.
        #expect(zip(truth.events, truth.events.dropFirst()).allSatisfy { $0.timeNs <= $1.timeNs })
        #expect(truth.events.allSatisfy { $0.timeNs >= runner.startNs && $0.timeNs <= runner.endNs })
        // Each stride: contact = TO − IC, stride = next IC − IC, and its IC and TO are events.
        let eventTimes = Set(truth.events.map { "\($0.side)-\($0.kind)-\($0.timeNs)" })
        for s in truth.strides {
            #expect(abs(s.contactTimeS - Double(s.toNs - s.icNs) / 1e9) < 2e-9)
            #expect(abs(s.strideTimeS - Double(s.nextICNs - s.icNs) / 1e9) < 2e-9)
            #expect(abs(s.dutyFactor - s.contactTimeS / s.strideTimeS) < 1e-12)
            #expect(eventTimes.contains("\(s.side)-\(GaitEventKind.initialContact)-\(s.icNs)"))
            #expect(eventTimes.contains("\(s.side)-\(GaitEventKind.toeOff)-\(s.toNs)"))
        }
        // Stops and walks are present and flagged.
        #expect(truth.strides.contains { $0.activity == .walking && $0.steady })
        #expect(truth.strides.contains { !$0.steady })
    }

    @Test func rampScenarioReachesPlusSixPointsAtTheEnd() throws {
        let runner = VirtualRunner(scenario: try load("fatigue-ramp-left.yaml"))
        #expect(runner.firstDriftOnsetNs == runner.ns(15 * 60))
        let onset = try #require(runner.driftOnsets.first)
        #expect(onset.leg == .left && onset.metric == .contactTime && onset.fullNs == runner.ns(25 * 60))
        let before = try #require(runner.trueSymmetryIndex(.contactTime, atNs: runner.ns(14 * 60)))
        let half = try #require(runner.trueSymmetryIndex(.contactTime, atNs: runner.ns(20 * 60)))
        let end = try #require(runner.trueSymmetryIndex(.contactTime, atNs: runner.ns(34 * 60)))
        #expect(abs(before) < 1e-9)
        #expect(abs(half - 3) < 1e-6)
        #expect(abs(end - 6) < 1e-6)
        // The realised strides agree: windowed SI over the last 64 steps.
        let truth = runner.recordGroundTruth()
        let realised = try #require(truth.windowedSI(.contactTime, steps: 200))
        #expect(abs(realised - 6) < 1.0, "windowed SI \(realised)")
        let early = try #require(truth.windowedSI(.contactTime, steps: 200, endingAtNs: runner.ns(14 * 60)))
        #expect(abs(early) < 1.0, "windowed SI before the drift \(early)")
    }

    @Test func suddenChangeRaisesRightPTABy15Percent() throws {
        let runner = VirtualRunner(scenario: try load("sudden-change-right.yaml"))
        let strides = runner.recordGroundTruth().strides.filter(\.steady)
        func meanPTA(_ side: Side, _ range: Range<Double>) -> Double {
            RunnerFixtures.mean(strides.filter { $0.side == side && range.contains(runner.seconds($0.icNs)) }.map(\.ptaG))
        }
        let ratioBefore = meanPTA(.right, 300..<880) / meanPTA(.left, 300..<880)
        let ratioAfter = meanPTA(.right, 920..<1500) / meanPTA(.left, 920..<1500)
        #expect(abs(ratioAfter / ratioBefore - 1.15) < 0.03, "PTA ratio \(ratioBefore) → \(ratioAfter)")
        let si = try #require(runner.trueSymmetryIndex(.pta, atNs: runner.ns(16 * 60)))
        #expect(abs(si - symmetryIndex(1, 1.15)) < 1e-9)
    }

    @Test func symmetricFatigueKeepsSIButRaisesBothLegs() throws {
        let runner = VirtualRunner(scenario: try load("symmetric-fatigue.yaml"))
        let before = try #require(runner.nominalValue(.contactTime, side: .left, atNs: runner.ns(10 * 60)))
        let after = try #require(runner.nominalValue(.contactTime, side: .left, atNs: runner.ns(30 * 60)))
        #expect(abs(after / before - 1.08) < 1e-9)
        for metric in GaitMetric.allCases {
            #expect(abs(runner.trueSymmetryIndex(metric, atNs: runner.ns(30 * 60)) ?? 99) < 1e-9)
        }
    }

    @Test func sameSeedSameSamplesOtherSeedOtherSamples() throws {
        var scenario = try load("noisy-loose-mount.yaml")
        let a = VirtualRunner(scenario: scenario), b = VirtualRunner(scenario: scenario)
        scenario.seed += 1
        let c = VirtualRunner(scenario: scenario)
        for p in Placement.allCases {
            let sa = a.source(for: p), sb = b.source(for: p), sc = c.source(for: p)
            var differs = false
            for k in 0..<20_000 {
                let t = a.ns(10 + Double(k) / 800)
                let x = sa.sample(atNs: t), y = sb.sample(atNs: t), z = sc.sample(atNs: t)
                #expect(x.accel == y.accel && x.gyro == y.gyro)
                if x.accel != z.accel { differs = true }
            }
            #expect(differs)
        }
        // Sources read at different rates and orders still agree sample for sample.
        let s1 = a.source(for: .rightShank), s2 = a.source(for: .rightShank)
        for k in 0..<4000 {
            let t = a.ns(30 + Double(k) / 1600)
            let x = s1.sample(atNs: t)
            if k % 2 == 0 { #expect(x.accel == s2.sample(atNs: t).accel) }
        }
        #expect(a.recordGroundTruth().strides == b.recordGroundTruth().strides)
    }

    @Test func memoryStaysBoundedOverALongRun() throws {
        let runner = VirtualRunner(scenario: try load("long-symmetric-8h.yaml"))
        let source = runner.source(for: .sacrum)
        var maxKept = 0
        var t = 0.0
        while t < 2 * 3600 {
            _ = source.sample(atNs: runner.ns(t))
            maxKept = max(maxKept, source.contactsKept)
            t += 0.05
        }
        #expect(maxKept <= 8)
        // Reading back in time replays: same value as a fresh source.
        let again = source.sample(atNs: runner.ns(100.0123))
        #expect(again.accel == runner.source(for: .sacrum).sample(atNs: runner.ns(100.0123)).accel)
    }

    @Test func eightHoursOfGroundTruthStreams() throws {
        let runner = VirtualRunner(scenario: try load("long-symmetric-8h.yaml"))
        final class Counter: GroundTruthSink {
            var events = 0, strides = 0, lastNs: UInt64 = 0, ordered = true
            func record(event: GaitEvent) { events += 1; if event.timeNs < lastNs { ordered = false }; lastNs = event.timeNs }
            func record(stride: StrideTruth) { strides += 1 }
        }
        let counter = Counter()
        runner.streamGroundTruth(to: counter)
        #expect(counter.ordered)
        #expect(counter.strides > 60_000)
        #expect(counter.lastNs > runner.ns(479 * 60))
    }

    /// Ten seconds of the left shank read through the ADXL375 model's FIFO by its driver.
    func readThroughTheFIFO(chipNoise: Bool) throws -> (samples: [IMUSample], reference: RunnerSignalSource) {
        let runner = VirtualRunner(scenario: try load("steady-symmetric.yaml"))
        let rig = SimulatedRig.running(runner, placements: [.leftShank], chipNoise: chipNoise)
        let sensor = try #require(rig.sensors.first)
        let driver = ADXL34xDriver(chip: .adxl375, bus: rig.bus, address: sensor.address, clock: rig.clock)
        _ = try driver.configure(SensorConfiguration(dataRateHz: 800, rangeG: 200, fifoWatermark: 16, interruptPin: .int1))
        try driver.start()
        let buffer = UnsafeMutableBufferPointer<IMUSample>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        var samples: [IMUSample] = []
        while samples.count < 800 * 10 {
            let edge = try #require(try sensor.interruptLine.waitForEdge(timeoutNs: 100_000_000), "no watermark interrupt")
            let result = try driver.drain(into: buffer, interruptTimeNs: edge.timeNs, nowNs: rig.clock.nowNs)
            #expect(!result.overrun)
            samples += buffer.prefix(result.count)
        }
        return (Array(samples.dropFirst(16)), runner.source(for: .leftShank))
    }

    @Test func chipModelDeliversTheRunnerThroughTheFIFO() throws {
        // Without the chip's noise it quantises at 49 mg/LSB (ADXL375): each sample matches
        // the runner's signal within half an LSB and a little.
        let (samples, reference) = try readThroughTheFIFO(chipNoise: false)
        var worst: Float = 0
        for s in samples {
            let truth = reference.sample(atNs: s.timeNs).accel
            worst = max(worst, abs(s.accel.x - truth.x), abs(s.accel.y - truth.y), abs(s.accel.z - truth.z))
        }
        #expect(worst < 0.1, "worst difference \(worst) g")
        // Impacts come through: peaks above 5 g about 2.7 times a second... per leg, half that.
        let peaks = samples.filter { $0.accel.x > 5 }.count
        #expect(peaks > 10)
    }

    @Test func theChipAddsItsDatasheetNoise() throws {
        // ADXL375 at 800 Hz: 5 mg/√Hz over 400 Hz is 0.1 g rms per axis, plus the rounding
        // to 49 mg (0.014 g rms).
        let (samples, reference) = try readThroughTheFIFO(chipNoise: true)
        var sum = 0.0, sumSq = 0.0
        for s in samples {
            let d = Double(s.accel.y - reference.sample(atNs: s.timeNs).accel.y)
            sum += d
            sumSq += d * d
        }
        let n = Double(samples.count)
        let rms = (sumSq / n - (sum / n) * (sum / n)).squareRoot()
        #expect(abs(rms - 0.101) < 0.01, "noise \(rms) g rms")
    }
}
