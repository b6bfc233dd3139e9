import StrideCore
import Testing

/// Builds a clean alternating stream: left IC at k·stride, left TO after `contact`, right IC
/// half a stride later, right TO after `contactR`.
func cleanEvents(strides: Int, strideMs: UInt64 = 700, contactMs: UInt64 = 220, contactRMs: UInt64 = 210,
                 stepLMs: UInt64 = 350, peakL: Float = 9, peakR: Float = 8, t0: UInt64 = 1_000_000_000) -> [GaitEvent] {
    var ev: [GaitEvent] = []
    let ms: UInt64 = 1_000_000
    for k in 0..<UInt64(strides) {
        let l = t0 + k * strideMs * ms
        let r = l + stepLMs * ms
        ev.append(GaitEvent(kind: .initialContact, side: .left, timeNs: l, peakG: peakL, loadingRateGPerS: 450))
        ev.append(GaitEvent(kind: .toeOff, side: .left, timeNs: l + contactMs * ms))
        ev.append(GaitEvent(kind: .initialContact, side: .right, timeNs: r, peakG: peakR, loadingRateGPerS: 400))
        ev.append(GaitEvent(kind: .toeOff, side: .right, timeNs: r + contactRMs * ms))
    }
    return ev
}

@Suite struct StrideAssemblerTests {
    @Test func cleanStreamMetricsAreExact() {
        var a = StrideAssembler()
        var out: [StrideRecord] = []
        for e in cleanEvents(strides: 10) { if let s = a.process(e) { out.append(s) } }
        let left = out.filter { $0.side == .left }, right = out.filter { $0.side == .right }
        #expect(left.count == 9 && right.count == 9)
        for s in left {
            #expect(s.quality.isGood)
            #expect(s.value(.strideTime) == 700)
            #expect(s.value(.contactTime) == 220)
            #expect(s.value(.stepTime) == 350)
            #expect(s.value(.flightTime) == 130)
            #expect(s.value(.dutyFactor) == 220.0 / 700)
            #expect(s.value(.peakTibialAcceleration) == 9)
            #expect(s.value(.loadingRate) == 450)
        }
        for s in right {
            #expect(s.value(.stepTime) == 350)
            #expect(s.value(.contactTime) == 210)
            #expect(s.value(.flightTime) == 140)
        }
    }

    @Test func flagsMissingExtraOutOfOrderGapAndBounds() {
        var ev = cleanEvents(strides: 6)
        ev.remove(at: 5)  // stride 1: left TO missing
        var a = StrideAssembler()
        var out: [StrideRecord] = []
        for e in ev { if let s = a.process(e) { out.append(s) } }
        #expect(out.first { $0.side == .left && $0.index == 1 }?.quality.contains(.missingToeOff) == true)
        #expect(out.first { $0.side == .left && $0.index == 1 }?.value(.contactTime) == nil)

        // Out of order: an old event is dropped and flags the stride.
        var b = StrideAssembler()
        var flagged = false
        for (i, e) in cleanEvents(strides: 4).enumerated() {
            if let s = b.process(e), s.quality.contains(.outOfOrder) { flagged = true }
            if i == 5 { _ = b.process(GaitEvent(kind: .toeOff, side: .left, timeNs: 1)) }
        }
        #expect(flagged && b.outOfOrderEvents == 1)

        // A 3 s pause: no stride spans it, the next is flagged afterGap.
        var c = StrideAssembler()
        var after: [StrideRecord] = []
        for e in cleanEvents(strides: 3) { _ = c.process(e) }
        for e in cleanEvents(strides: 3, t0: 6_000_000_000) { if let s = c.process(e) { after.append(s) } }
        #expect(after.allSatisfy { $0.value(.strideTime) == 700 })
        #expect(after.first?.quality.contains(.afterGap) == true)

        // A 300 ms stance (a tired or slow runner) is a running stance; 420 ms is not
        // (StrideQualityBounds.runningStanceMaxMs).
        var tired = StrideAssembler()
        var slow: [StrideRecord] = []
        for e in cleanEvents(strides: 3, contactMs: 300) { if let s = tired.process(e) { slow.append(s) } }
        #expect(slow.first { $0.side == .left }?.quality.contains(.stanceOutOfBounds) == false)
        var d = StrideAssembler()
        var long: [StrideRecord] = []
        for e in cleanEvents(strides: 3, contactMs: 420) { if let s = d.process(e) { long.append(s) } }
        #expect(long.first { $0.side == .left }?.quality.contains(.stanceOutOfBounds) == true)
        // Extra contact of the other leg: flagged.
        var e2 = StrideAssembler()
        var extra: [StrideRecord] = []
        var evs = cleanEvents(strides: 3)
        evs.insert(GaitEvent(kind: .initialContact, side: .right, timeNs: evs[1].timeNs + 10_000_000, peakG: 5), at: 2)
        for e in evs { if let s = e2.process(e) { extra.append(s) } }
        #expect(extra.first { $0.side == .left }?.quality.contains(.extraEvents) == true)
    }
}
