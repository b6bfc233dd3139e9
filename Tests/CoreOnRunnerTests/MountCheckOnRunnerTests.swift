import HardwareSim
import StrideCore
import Testing

// The loose-strap check (PostImpactRinging, MountRingingCheck) on the virtual runner: the
// noisy-loose-mount scenario's right strap rings after every impact (LooseMount.typical:
// 28 Hz, 0.4 of the impact, 40 ms decay) and must be named within the first minute; firm
// mounts through hills, intervals, stops and walking must never be. The firm and loose
// signals are our own model's (see PostImpactRinging for what that rests on).
// Run: swift test --filter MountCheckOnRunnerTests   (per-leg swing counts printed)

private struct MountRun {
    var looseFromStance: Int?
    var flips = 0
    var mostRinging = 0
    var stances = 0
    var swingHistogram = [Int](repeating: 0, count: 8)
}

private func judge(_ runner: VirtualRunner, _ side: Side, _ c: Case) -> MountRun {
    var run = MountRun()
    var feed = ShankFeed(runner, side: side, FeedOptions(rateHz: c.rateHz, fromS: -1, toS: c.toS, chip: c.chip, gyro: c.gyro))
    var before = feed.detector.mountCheck
    feed.run(runner.source(for: side == .left ? .leftShank : .rightShank), toNs: runner.ns(c.toS)) { detector in
        let after = detector.mountCheck
        defer { before = after }
        guard after.stancesJudged != before.stancesJudged else { return }
        run.stances = after.stancesJudged
        run.swingHistogram[Swift.min(7, detector.lastStanceSwings)] += 1
        run.mostRinging = Swift.max(run.mostRinging, after.ringingStances)
        if after.looseSuspected != before.looseSuspected {
            run.flips += 1
            if after.looseSuspected, run.looseFromStance == nil { run.looseFromStance = after.stancesJudged }
        }
    }
    return run
}

@Suite("Loose-strap check on the virtual runner")
struct MountCheckOnRunnerTests {
    @Test(arguments: [
        Case(scenario: "noisy-loose-mount", rateHz: 800, toS: 120),
        Case(scenario: "noisy-loose-mount", rateHz: 1666, chip: .lsm6dso32, gyro: true, seed: 9, toS: 120),
    ])
    func theLooseStrapIsNamedAndTheFirmOneIsNot(_ c: Case) throws {
        let scenario = try c.loadScenario()
        let runner = VirtualRunner(scenario: scenario)
        let firm = judge(runner, .left, c), loose = judge(runner, .right, c)
        print("[\(c.testDescription)] left (firm): swings \(firm.swingHistogram), most ringing \(firm.mostRinging)/32; right (loose): swings \(loose.swingHistogram), suspected from stance \(loose.looseFromStance.map(String.init) ?? "never") of \(loose.stances), flips \(loose.flips)")
        #expect(firm.flips == 0 && firm.mostRinging <= 2)
        #expect(loose.looseFromStance.map { $0 <= 40 } == true, "named within 40 stances (about 30 s)")
        #expect(loose.flips == 1, "and kept named")
    }

    @Test(arguments: [
        Case(scenario: "steady-symmetric", rateHz: 833, chip: .lsm6dso32, toS: 120),
        Case(scenario: "hills", rateHz: 800, toS: 420),                 // 8 % up and down
        Case(scenario: "intervals-with-stops", rateHz: 800, toS: 930),  // 5 m/s reps, walking, stops
    ])
    func firmStrapsAreNeverNamed(_ c: Case) throws {
        let runner = VirtualRunner(scenario: try c.loadScenario())
        for side in [Side.left, .right] {
            let r = judge(runner, side, c)
            print("[\(c.testDescription)] \(side): swings \(r.swingHistogram), most ringing \(r.mostRinging)/32 of \(r.stances) stances")
            #expect(r.stances > 100)
            #expect(r.flips == 0, "\(side) named loose")
            #expect(r.mostRinging <= 2, "\(side): \(r.mostRinging) of 32 rang")
        }
    }
}
