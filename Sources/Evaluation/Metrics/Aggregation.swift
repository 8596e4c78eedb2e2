import Foundation

/// lm-eval's `mean` aggregation and its closed-form standard error. lm-eval bootstraps the stderr of
/// other aggregations (100000 resamples); those are not reproduced here.
public enum Aggregation {
    /// `sum(arr) / len(arr)`, summed left to right as Python does.
    public static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(values.count)
    }

    /// `sample_stddev(arr) / sqrt(len(arr))` with the n-1 denominator.
    public static func meanStandardError(_ values: [Double]) -> Double {
        guard values.count > 1 else { return .nan }
        let mu = mean(values)
        let squares = values.reduce(0) { $0 + ($1 - mu) * ($1 - mu) }
        return (squares / Double(values.count - 1)).squareRoot() / Double(values.count).squareRoot()
    }

    /// Python's `round(value, digits)` for the 4-digit rounding SCROLLS applies: correctly rounded
    /// from the exact binary value (printf does the same), ties to even.
    public static func pythonRound(_ value: Double, digits: Int) -> Double {
        guard value.isFinite else { return value }
        return Double(String(format: "%.\(digits)f", value)) ?? value
    }
}
