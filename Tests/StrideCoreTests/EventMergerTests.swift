import StrideCore
import Testing

@Suite("Event merger")
struct EventMergerTests {
    func ic(_ side: Side, _ ms: UInt64) -> GaitEvent { GaitEvent(kind: .initialContact, side: side, timeNs: ms * 1_000_000) }

    @Test func eventsFromTwoDetectorsComeOutInTimeOrder() {
        var merger = EventMerger(sources: 2, maximumLatencyNs: 100_000_000)
        var out: [GaitEvent] = []
        // The right detector reports its 300 ms event before the left reports 250 ms.
        merger.add(ic(.right, 300)) { out.append($0) }
        merger.advance(1, toNs: 420_000_000) { out.append($0) }
        #expect(out.isEmpty)  // the left detector has not got that far: it may still report earlier events
        merger.add(ic(.left, 250)) { out.append($0) }
        merger.advance(0, toNs: 420_000_000) { out.append($0) }
        #expect(out.map(\.timeNs) == [250_000_000, 300_000_000])
    }

    @Test func aLostSourceDoesNotHoldTheOtherBack() {
        var merger = EventMerger(sources: 2, maximumLatencyNs: 100_000_000)
        var out: [GaitEvent] = []
        merger.setActive(0, false)
        merger.add(ic(.right, 300)) { out.append($0) }
        merger.advance(1, toNs: 500_000_000) { out.append($0) }
        #expect(out.count == 1)
    }

    @Test func aLateEventIsDroppedAndCounted() {
        var merger = EventMerger(sources: 1, maximumLatencyNs: 10_000_000)
        var out: [GaitEvent] = []
        merger.add(ic(.left, 300)) { out.append($0) }
        merger.advance(0, toNs: 400_000_000) { out.append($0) }
        merger.add(ic(.right, 200)) { out.append($0) }
        merger.flush { out.append($0) }
        #expect(out.count == 1)
        #expect(merger.lateEvents == 1)
    }

    @Test func aFullBufferReleasesTheOldest() {
        var merger = EventMerger(sources: 1, maximumLatencyNs: 10_000_000, capacity: 4)
        var out: [GaitEvent] = []
        for ms in stride(from: UInt64(100), through: 600, by: 100) { merger.add(ic(.left, ms)) { out.append($0) } }
        #expect(out.map(\.timeNs) == [100_000_000, 200_000_000])
        #expect(merger.overflows == 2)
        merger.flush { out.append($0) }
        #expect(out.count == 6)
    }
}
