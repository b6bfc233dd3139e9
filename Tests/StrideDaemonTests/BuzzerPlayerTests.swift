import StrideDaemon
import Testing

private let ms: UInt64 = 1_000_000

/// Runs the player like the simulator does: advance at every change until idle, and
/// return the transitions (time, value).
private func runToIdle(_ player: inout BuzzerPlayer, fromNs startNs: UInt64, limitNs: UInt64 = 60_000 * 1_000_000) -> [(UInt64, Bool)] {
    var out: [(UInt64, Bool)] = []
    var line = false
    var now = startNs
    while true {
        let v = player.advance(toNs: now)
        if v != line {
            out.append((now, v))
            line = v
        }
        guard let next = player.nextChangeNs, next < startNs + limitNs else { break }
        now = max(next, now)
    }
    return out
}

@Suite("buzzer player")
struct BuzzerPlayerTests {
    @Test func aPatternPlaysItsStepsOnTimeAndEndsOff() {
        var p = BuzzerPlayer(patterns: [.rightCompensating: BuzzerPattern(alternatingMs: [500, 200, 500])])
        let r1 = p.request(.rightCompensating, atNs: 1000 * ms)
        #expect(r1 == .startsNow)
        let t = runToIdle(&p, fromNs: 1000 * ms)
        #expect(t.map(\.0) == [1000 * ms, 1500 * ms, 1700 * ms, 2200 * ms])
        #expect(t.map(\.1) == [true, false, true, false])
        #expect(!p.isBusy)
        #expect(p.nextChangeNs == nil)
    }

    @Test func patternsNeverOverlapAndAreSeparatedByTheGap() {
        var p = BuzzerPlayer(patterns: [
            .sensorsUp: BuzzerPattern(alternatingMs: [100]),
            .leftCompensating: BuzzerPattern(alternatingMs: [200]),
        ], gapNs: 400 * ms)
        p.request(.sensorsUp, atNs: 0)
        _ = p.advance(toNs: 0)
        let r2 = p.request(.leftCompensating, atNs: 50 * ms)
        #expect(r2 == .queued)
        let t = runToIdle(&p, fromNs: 50 * ms)
        // Still on at 50 ms; sensors-up ends at 100 ms; left waits 400 ms of silence, then 200 ms on.
        #expect(t.map(\.0) == [50 * ms, 100 * ms, 500 * ms, 700 * ms])
        #expect(t.map(\.1) == [true, false, true, false])
    }

    @Test func queuedCuesPlayByPriorityAndRepeatsMerge() {
        var p = BuzzerPlayer(patterns: BuzzerPattern.defaults)
        p.request(.baselineLearnt, atNs: 0)
        _ = p.advance(toNs: 0)
        let r3 = p.request(.sensorsUp, atNs: 1 * ms)
        #expect(r3 == .queued)
        let r4 = p.request(.leftCompensating, atNs: 2 * ms)
        #expect(r4 == .queued)
        let r5 = p.request(.sensorFault, atNs: 3 * ms)
        #expect(r5 == .queued)
        let r6 = p.request(.leftCompensating, atNs: 4 * ms)
        #expect(r6 == .merged)
        #expect(p.queuedCues == [.sensorFault, .leftCompensating, .sensorsUp])
        #expect(p.mergedCount == 1)
        var order: [Cue] = []
        var now: UInt64 = 0
        while let next = p.nextChangeNs {
            now = next
            _ = p.advance(toNs: now)
            if let c = p.playing?.cue, order.last != c { order.append(c) }
        }
        #expect(order == [.sensorFault, .leftCompensating, .sensorsUp])
    }

    @Test func aFullQueueEvictsTheLeastUrgentOrDropsTheNewcomer() {
        var p = BuzzerPlayer(patterns: BuzzerPattern.defaults, queueCapacity: 2)
        p.request(.sensorFault, atNs: 0)
        _ = p.advance(toNs: 0)
        p.request(.sensorsUp, atNs: 1)
        p.request(.baselineLearnt, atNs: 2)
        let r7 = p.request(.rightCompensating, atNs: 3)
        #expect(r7 == .queuedEvicting(.baselineLearnt))
        #expect(p.queuedCues == [.rightCompensating, .sensorsUp])
        let r8 = p.request(.baselineLearnt, atNs: 4)
        #expect(r8 == .dropped)
        #expect(p.droppedCount == 2)
    }

    @Test func aLateCallKeepsTheRhythmAndNeverSkipsAStep() {
        var p = BuzzerPlayer(patterns: [.leftCompensating: BuzzerPattern(alternatingMs: [100, 100, 100])])
        p.request(.leftCompensating, atNs: 0)
        let r9 = p.advance(toNs: 0)
        #expect(r9)
        // 5 ms late for the first change: the off step still ends at 200 ms.
        let r10 = p.advance(toNs: 105 * ms)
        #expect(!r10)
        #expect(p.nextChangeNs == 200 * ms)
        // Far too late (the off step and more): the last on step is still played, from now.
        let r11 = p.advance(toNs: 450 * ms)
        #expect(r11)
        #expect(p.nextChangeNs == 550 * ms)
        let r12 = p.advance(toNs: 550 * ms)
        #expect(!r12)
    }

    @Test func silentAndEmptyPatternsPlayNothing() {
        var p = BuzzerPlayer(patterns: [.sensorsUp: BuzzerPattern(steps: []), .baselineLearnt: BuzzerPattern(alternatingMs: [0, 100])])
        let r13 = p.request(.sensorsUp, atNs: 0)
        #expect(r13 == .silent)
        let r14 = p.request(.baselineLearnt, atNs: 0)
        #expect(r14 == .silent)
        let r15 = p.request(.sensorFault, atNs: 0)
        #expect(r15 == .silent)
        let r16 = p.advance(toNs: 0)
        #expect(!r16)
        #expect(!p.isBusy)
    }

    @Test func trailingOnStepStillEndsOff() {
        var p = BuzzerPlayer(patterns: [.sensorFault: BuzzerPattern(steps: [BuzzerStep(on: false, durationMs: 50), BuzzerStep(on: true, durationMs: 300)])])
        p.request(.sensorFault, atNs: 10 * ms)
        let t = runToIdle(&p, fromNs: 10 * ms)
        // Leading silence is dropped (it would only delay the onset); the end is off.
        #expect(t.map(\.0) == [10 * ms, 310 * ms])
        #expect(t.last?.1 == false)
    }

    @Test func stopForgetsEverything() {
        var p = BuzzerPlayer()
        p.request(.leftCompensating, atNs: 0)
        p.request(.rightCompensating, atNs: 0)
        let r17 = p.advance(toNs: 0)
        #expect(r17)
        p.stop()
        #expect(!p.lineState)
        #expect(!p.isBusy)
        let r18 = p.advance(toNs: 10 * ms)
        #expect(!r18)
    }

    @Test func theDefaultsAreDistinctAndEveryCueHasOne() {
        let d = BuzzerPattern.defaults
        #expect(Set(Cue.allCases) == Set(d.keys))
        #expect(Set(d.values.map { $0.steps.map { "\($0.on):\($0.durationMs)" }.joined(separator: ",") }).count == Cue.allCases.count)
        for pattern in d.values {
            #expect(pattern.steps.allSatisfy { $0.durationMs >= 100 })
        }
    }
}
