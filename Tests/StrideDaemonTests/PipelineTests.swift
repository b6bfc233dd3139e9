import HardwareSim
import StrideCore
@testable import StrideDaemon
import Testing

/// `GaitPipeline`: both legs' events in one time-ordered stream, strides from the analyser.
struct PipelineTests {
    static func samples(_ source: RunnerSignalSource, runner: VirtualRunner, seconds: Double, rate: Double) -> [IMUSample] {
        let period = UInt64((1e9 / rate).rounded())
        let n = Int(seconds * rate)
        return (0..<n).map { k in
            let t = runner.startNs + UInt64(k) * period
            let s = source.sample(atNs: t)
            return IMUSample(timeNs: t, accel: s.accel)
        }
    }

    @Test func mergesBothLegsInTimeOrder() throws {
        let path = ReplayTests.packageRoot.appendingPathComponent("config/scenarios/steady-symmetric.yaml").path
        let runner = VirtualRunner(scenario: try ScenarioParser.load(path: path))
        let rate = 800.0
        let left = Self.samples(runner.source(for: .leftShank), runner: runner, seconds: 40, rate: rate)
        let right = Self.samples(runner.source(for: .rightShank), runner: runner, seconds: 40, rate: rate)
        let pipeline = GaitPipeline(placements: [(.leftShank, sampleRateHz: rate), (.rightShank, sampleRateHz: rate)],
                                    analyzer: StrideAnalyzerConfiguration())
        var events: [GaitEvent] = []
        var strides = 0
        var activities: [Activity] = []
        func collect(_ o: PipelineOutput) {
            switch o {
            case .event(let e): events.append(e)
            case .analyzer(.stride): strides += 1
            case .activity(let a): activities.append(a)
            default: break
            }
        }
        // Uneven drains: the left leg in batches of 100, the right in batches of 37, so
        // each leg runs ahead of the other in turn.
        var i = 0, j = 0
        left.withUnsafeBufferPointer { l in
            right.withUnsafeBufferPointer { r in
                while i < l.count || j < r.count {
                    if i < l.count {
                        let end = min(l.count, i + 100)
                        pipeline.process(.leftShank, UnsafeBufferPointer(rebasing: l[i..<end]), emit: collect)
                        i = end
                    }
                    for _ in 0..<2 where j < r.count {
                        let end = min(r.count, j + 37)
                        pipeline.process(.rightShank, UnsafeBufferPointer(rebasing: r[j..<end]), emit: collect)
                        j = end
                    }
                }
            }
        }
        pipeline.finish(emit: collect)
        #expect(events.count > 150)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.timeNs <= $1.timeNs })
        #expect(events.contains { $0.side == .left } && events.contains { $0.side == .right })
        // The legs alternate: no two left ICs without a right IC between them (after lock-on).
        let ics = events.filter { $0.kind == .initialContact }.map(\.side)
        let repeats = zip(ics, ics.dropFirst()).filter { $0 == $1 }.count
        #expect(repeats <= 2)
        #expect(strides > 40)
        #expect(activities.first == .running)
        #expect(pipeline.lateEvents == 0)
    }

    @Test func samplesOfAnAbsentPlacementAreIgnored() {
        let pipeline = GaitPipeline(placements: [(.sacrum, sampleRateHz: 100)], analyzer: StrideAnalyzerConfiguration())
        let s = [IMUSample(timeNs: 1, accel: Vector3(x: 1, y: 0, z: 0))]
        s.withUnsafeBufferPointer { pipeline.process(.leftShank, $0) { _ in } }
        #expect(pipeline.unexpectedSamples == 1)
    }
}
