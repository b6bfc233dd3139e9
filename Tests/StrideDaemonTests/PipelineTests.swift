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

    /// Shanks only, through the intervals scenario's first 17.5 min (running, fast reps, a
    /// walk, a stand, running, a walk, a stand): the pipeline says running while running,
    /// walking while walking and standing while standing, each settled within 5 s of the
    /// runner's change (a stop is only known after a step pause plus the latency).
    @Test func shanksAloneTellRunningWalkingAndStanding() throws {
        let path = ReplayTests.packageRoot.appendingPathComponent("config/scenarios/intervals-with-stops.yaml").path
        let runner = VirtualRunner(scenario: try ScenarioParser.load(path: path))
        let rate = 400.0, seconds = 17.5 * 60
        let left = Self.samples(runner.source(for: .leftShank), runner: runner, seconds: seconds, rate: rate)
        let right = Self.samples(runner.source(for: .rightShank), runner: runner, seconds: seconds, rate: rate)
        let pipeline = GaitPipeline(placements: [(.leftShank, sampleRateHz: rate), (.rightShank, sampleRateHz: rate)],
                                    analyzer: StrideAnalyzerConfiguration())
        var changes: [(timeNs: UInt64, activity: Activity)] = []
        let batch = 40  // 0.1 s, as the daemon drains a FIFO
        left.withUnsafeBufferPointer { l in
            right.withUnsafeBufferPointer { r in
                var i = 0
                while i < l.count {
                    let end = min(l.count, i + batch)
                    let newest = l[end - 1].timeNs
                    for (placement, buffer) in [(Placement.leftShank, l), (.rightShank, r)] {
                        pipeline.process(placement, UnsafeBufferPointer(rebasing: buffer[i..<end])) { out in
                            if case .activity(let a) = out { changes.append((newest, a)) }
                        }
                    }
                    i = end
                }
            }
        }
        func said(atS t: Double) -> Activity? { changes.last { $0.timeNs <= runner.ns(t) }?.activity }
        var checked = 0, wrong: [String] = []
        var t = 5.0
        while t < seconds {
            let (segment, endS) = runner.scenario.segment(atS: t)
            let startS = endS - segment.durationMin * 60
            defer { t += 1 }
            // Within 5 s of a change the pipeline may still say the previous activity.
            guard t - startS >= 5 || startS <= 0 else { continue }
            let expected: Activity
            switch segment.activity {
            case .running: expected = .running
            case .walking: expected = .walking
            case .standing: expected = .standing
            }
            checked += 1
            if said(atS: t) != expected { wrong.append("\(Int(t)) s: \(said(atS: t).map { "\($0)" } ?? "nothing") for \(expected)") }
        }
        print("shanks alone: \(checked - wrong.count) of \(checked) seconds right; changes \(changes.map { "\(Int(runner.seconds($0.timeNs))) s \($0.activity)" })")
        #expect(checked > 900)
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
        #expect(changes.first?.activity == .running, "the start is not called walking")
    }

    @Test func samplesOfAnAbsentPlacementAreIgnored() {
        let pipeline = GaitPipeline(placements: [(.sacrum, sampleRateHz: 100)], analyzer: StrideAnalyzerConfiguration())
        let s = [IMUSample(timeNs: 1, accel: Vector3(x: 1, y: 0, z: 0))]
        s.withUnsafeBufferPointer { pipeline.process(.leftShank, $0) { _ in } }
        #expect(pipeline.unexpectedSamples == 1)
    }
}
