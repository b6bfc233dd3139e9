/// Order statistics computed in place, without allocating: median and median absolute
/// deviation (MAD) by selection (Hoare's quickselect, median-of-three pivot).
public enum RobustStatistics {
    /// MAD × 1.4826 estimates the standard deviation of a normal distribution
    /// (1 / Φ⁻¹(3/4); Hampel 1974, Rousseeuw & Croux 1993).
    public static let madToSigma = 1.482602218505602

    /// The median of `values[0..<count]`; reorders that range. nil when count is 0.
    public static func median(_ values: inout ContiguousArray<Double>, count: Int) -> Double? {
        let n = Swift.min(count, values.count)
        guard n > 0 else { return nil }
        let k = n / 2
        select(&values, count: n, k: k)
        let upper = values[k]
        if n % 2 == 1 { return upper }
        // After selection every element below k is ≤ values[k]: the lower middle is their max.
        var lower = values[0]
        var i = 1
        while i < k {
            if values[i] > lower { lower = values[i] }
            i += 1
        }
        return (lower + upper) / 2
    }

    /// The mean of `values[0..<count]` after dropping `trimEachEnd` values at each end (a
    /// trimmed mean; at most all but the middle one or two are dropped); sorts that range.
    /// nil when count is 0. Meant for short ranges (a symmetry window's strides): the sort
    /// is an insertion sort.
    public static func trimmedMean(_ values: inout ContiguousArray<Double>, count: Int, trimEachEnd: Int) -> Double? {
        let n = Swift.min(count, values.count)
        guard n > 0 else { return nil }
        insertionSort(&values, 0, n - 1)
        let cut = Swift.min(Swift.max(0, trimEachEnd), (n - 1) / 2)
        var sum = 0.0
        var i = cut
        while i < n - cut {
            sum += values[i]
            i += 1
        }
        return sum / Double(n - 2 * cut)
    }

    /// Median and MAD (raw, not scaled) of `values[0..<count]`, using `scratch` (at least
    /// `count` long) for the deviations; reorders `values`. nil when count is 0.
    public static func medianAndMAD(_ values: inout ContiguousArray<Double>, count: Int,
                                    scratch: inout ContiguousArray<Double>) -> (median: Double, mad: Double)? {
        let n = Swift.min(count, values.count, scratch.count)
        guard let med = median(&values, count: n) else { return nil }
        var i = 0
        while i < n {
            scratch[i] = abs(values[i] - med)
            i += 1
        }
        guard let mad = median(&scratch, count: n) else { return nil }
        return (med, mad)
    }

    /// Partially orders `a[0..<count]` so that a[k] is the k-th smallest, everything before
    /// it ≤ a[k] and everything after ≥ a[k].
    static func select(_ a: inout ContiguousArray<Double>, count: Int, k: Int) {
        var lo = 0
        var hi = count - 1
        while hi > lo {
            if hi - lo < 16 {
                insertionSort(&a, lo, hi)
                return
            }
            // Median of three as pivot.
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo
            var j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                hi = j
            } else if k >= i {
                lo = i
            } else {
                return
            }
        }
    }

    private static func insertionSort(_ a: inout ContiguousArray<Double>, _ lo: Int, _ hi: Int) {
        var i = lo + 1
        while i <= hi {
            let x = a[i]
            var j = i - 1
            while j >= lo, a[j] > x {
                a[j + 1] = a[j]
                j -= 1
            }
            a[j + 1] = x
            i += 1
        }
    }
}
