import Synchronization

/// A bounded, preallocated, lock-free multi-producer queue (Vyukov's bounded queue: one
/// sequence number per slot).
///
/// The acquisition thread pushes; the run store's writer thread pops. `push` never blocks,
/// never allocates and takes no lock: when the queue is full the element is dropped and
/// counted. Every slot is allocated and initialised (with `filler`) at creation. The
/// consumer puts `filler` back into a slot it has emptied, so a reference an element holds
/// (a baseline's arrays) is released on the consumer's thread, never on the producer's.
///
/// `@unchecked Sendable`: the slots are raw memory shared between threads. Each slot is
/// accessed by exactly one thread at a time: a producer owns a slot between winning the
/// compare-and-swap on `enqueuePosition` and publishing the slot's sequence number with a
/// releasing store; the consumer owns it between seeing that number (acquiring load) and
/// handing it back the same way. The positions and sequence numbers are atomics.
final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    /// Number of slots (a power of two).
    let capacity: Int
    private let mask: Int
    private let sequences: UnsafeMutablePointer<Atomic<Int>>
    private let slots: UnsafeMutablePointer<Element>
    private let filler: Element
    private let enqueuePosition = Atomic<Int>(0)
    private let dequeuePosition = Atomic<Int>(0)
    private let droppedCount = Atomic<Int>(0)

    /// Creates a queue of at least `minimumCapacity` slots (rounded up to a power of two,
    /// at least 2), every slot holding `filler`.
    init(minimumCapacity: Int, filler: Element) {
        var c = 2
        while c < minimumCapacity { c <<= 1 }
        capacity = c
        mask = c - 1
        self.filler = filler
        sequences = .allocate(capacity: c)
        slots = .allocate(capacity: c)
        for i in 0..<c {
            (sequences + i).initialize(to: Atomic(i))
            (slots + i).initialize(to: filler)
        }
    }

    deinit {
        sequences.deinitialize(count: capacity)
        sequences.deallocate()
        slots.deinitialize(count: capacity)
        slots.deallocate()
    }

    /// Elements dropped because the queue was full.
    var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Appends `element`; returns false (and counts it) when the queue is full.
    /// Wait-free for a single producer; never blocks, never allocates.
    /// Adds `element`; when full, returns false and (if `countingDrop`) counts it dropped.
    @discardableResult
    func push(_ element: Element, countingDrop: Bool = true) -> Bool {
        var position = enqueuePosition.load(ordering: .relaxed)
        while true {
            let sequence = sequences[position & mask].load(ordering: .acquiring)
            let difference = sequence - position
            if difference == 0 {
                let (exchanged, original) = enqueuePosition.compareExchange(
                    expected: position, desired: position &+ 1, ordering: .relaxed)
                if exchanged { break }
                position = original
            } else if difference < 0 {
                if countingDrop { droppedCount.add(1, ordering: .relaxed) }
                return false
            } else {
                position = enqueuePosition.load(ordering: .relaxed)
            }
        }
        slots[position & mask] = element
        sequences[position & mask].store(position &+ 1, ordering: .releasing)
        return true
    }

    /// Removes the oldest element, nil when empty (or when the oldest slot is still being
    /// written by a producer: it is taken on the next call).
    func pop() -> Element? {
        var position = dequeuePosition.load(ordering: .relaxed)
        while true {
            let sequence = sequences[position & mask].load(ordering: .acquiring)
            let difference = sequence - (position &+ 1)
            if difference == 0 {
                let (exchanged, original) = dequeuePosition.compareExchange(
                    expected: position, desired: position &+ 1, ordering: .relaxed)
                if exchanged { break }
                position = original
            } else if difference < 0 {
                return nil
            } else {
                position = dequeuePosition.load(ordering: .relaxed)
            }
        }
        let element = slots[position & mask]
        slots[position & mask] = filler
        sequences[position & mask].store(position &+ mask &+ 1, ordering: .releasing)
        return element
    }
}
