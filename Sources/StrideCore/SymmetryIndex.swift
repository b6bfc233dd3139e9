/// The symmetry index of a left and a right value.
public enum SymmetryIndex {
    /// SI = 200·(L − R)/(L + R) in percent (Robinson et al. 1987): 0 = symmetric, positive =
    /// left larger. nil unless both values are positive and finite (SI has no meaning for
    /// a negative flight time or a zero sum).
    @inline(__always)
    public static func percent(left: Double, right: Double) -> Double? {
        guard left > 0, right > 0, left.isFinite, right.isFinite else { return nil }
        return 200 * (left - right) / (left + right)
    }
}
