/// A fixed-capacity ring buffer addressed by absolute sample index.
///
/// Storage is allocated once, at creation; `append` overwrites the oldest element when
/// full and never allocates. Element `n` is the n-th value ever appended (0-based), so a
/// detector can keep "sample index" arithmetic without caring where the ring wraps.
public struct RingBuffer<Element: Sendable>: Sendable {
    private var storage: ContiguousArray<Element>
    private var head = 0  // slot of the next write
    /// How many elements were ever appended (the absolute index of the next one).
    public private(set) var totalAppended = 0

    /// Creates a buffer holding at most `capacity` elements (at least 1), prefilled with
    /// `filler` (never returned: only appended elements are readable).
    public init(capacity: Int, filler: Element) {
        storage = ContiguousArray(repeating: filler, count: Swift.max(1, capacity))
    }

    /// The most elements the buffer holds.
    public var capacity: Int { storage.count }

    /// How many elements are held now (≤ capacity).
    public var count: Int { Swift.min(totalAppended, storage.count) }

    /// The absolute index of the oldest element held.
    public var oldestIndex: Int { totalAppended - count }

    /// The absolute index of the newest element, or −1 when empty.
    public var newestIndex: Int { totalAppended - 1 }

    /// Appends an element, overwriting the oldest one when full.
    @inline(__always)
    public mutating func append(_ element: Element) {
        storage[head] = element
        head += 1
        if head == storage.count { head = 0 }
        totalAppended += 1
    }

    /// Whether absolute index `index` is still held.
    @inline(__always)
    public func contains(index: Int) -> Bool {
        index >= oldestIndex && index < totalAppended
    }

    /// The element with absolute index `index`, or nil if it was overwritten or not yet
    /// appended.
    @inline(__always)
    public func element(at index: Int) -> Element? {
        guard contains(index: index) else { return nil }
        return storage[slot(of: index)]
    }

    /// The element `age` places back from the newest (0 = newest), or nil.
    public func element(age: Int) -> Element? {
        element(at: totalAppended - 1 - age)
    }

    /// The element with absolute index `index`, clamped into the held range; `fallback`
    /// when the buffer is empty.
    @inline(__always)
    public func clampedElement(at index: Int, fallback: Element) -> Element {
        guard totalAppended > 0 else { return fallback }
        let i = Swift.min(Swift.max(index, oldestIndex), totalAppended - 1)
        return storage[slot(of: i)]
    }

    /// Forgets every element; capacity and storage are kept.
    public mutating func removeAll() {
        head = 0
        totalAppended = 0
    }

    @inline(__always)
    private func slot(of index: Int) -> Int {
        // index is within [oldestIndex, totalAppended), so its distance back from the
        // newest element is below capacity.
        let back = totalAppended - 1 - index
        var s = head - 1 - back
        if s < 0 { s += storage.count }
        return s
    }
}
