/// Float-to-code rounding for the quantizers without a libm call per value: x86-64's baseline has no
/// rounding instruction, so `rounded(_:)` becomes a call to roundf/truncf, which made rounding the
/// largest cost of quantizing a 7B model. Values are clamped first so the truncating conversion stays
/// in range; because the bounds are integers and rounding is monotone, clamping before rounding gives
/// exactly what clamping after `rounded(_:)` gives. NaN becomes 0.
enum IntegerRounding {
    /// `roundf(value)` (halves away from zero), clamped to [lower, upper].
    @inline(__always)
    static func halfAwayFromZero(_ value: Float, clampedTo lower: Float, _ upper: Float) -> Int {
        let x = clamped(value, lower, upper)
        let truncated = Int(x)
        // x − trunc(x) is exact in float, so this compares the true fraction with one half.
        // Selects, not branches: the fraction is random, so branches mispredict half the time.
        let fraction = x - Float(truncated)
        return truncated &+ (fraction >= 0.5 ? 1 : 0) &- (fraction <= -0.5 ? 1 : 0)
    }

    /// `truncf(value)`, clamped to [lower, upper].
    @inline(__always)
    static func towardZero(_ value: Float, clampedTo lower: Float, _ upper: Float) -> Int {
        Int(clamped(value, lower, upper))
    }

    @inline(__always)
    private static func clamped(_ value: Float, _ lower: Float, _ upper: Float) -> Float {
        value.isNaN ? 0 : min(max(value, lower), upper)
    }
}
