import Foundation

/// Running statistics of one TimestepNorm: tokens seen, and per channel group the mean and
/// population variance of every value seen so far. Never reset at chunk boundaries.
public struct TimestepNormState: Sendable, Equatable {
    public var count: Int
    public var mean: [Double]
    public var variance: [Double]

    public init(count: Int, mean: [Double], variance: [Double]) {
        self.count = count
        self.mean = mean
        self.variance = variance
    }
}

/// TimestepNorm (official `megalodon/modules/timestep_norm.py` with the CPU kernel
/// `GroupTimestepNormCPUFwdImpl`): each token is normalised by the cumulative statistics of its
/// channel group over all tokens up to and including itself.
///
/// Statistics are kept in Double (the official state is f32) so that a million-token stream does not
/// drift from a one-shot pass.
struct TimestepNorm: Sendable {
    /// Effective per-channel scale (stored weight + 1) and bias.
    let scale: [Float]
    let bias: [Float]
    let groups: Int
    let eps: Float
    /// The state before the first token: the checkpoint's priors (count 0 in every official model).
    let prior: TimestepNormState

    var width: Int { scale.count }

    /// `rows` tokens of `width` channels, normalised in order, advancing `state`.
    func apply(_ x: [Float], rows: Int, state: inout TimestepNormState) -> [Float] {
        let groupSize = width / groups
        var output = [Float](repeating: 0, count: x.count)
        for row in 0..<rows {
            let count = Double(state.count)
            let keep = count / (count + 1), add = 1 / (count + 1)
            for group in 0..<groups {
                let start = row * width + group * groupSize
                let (stepMean, stepVariance) = Normalization.moments(x, start: start, count: groupSize)
                // Welford's combination of (count, mean, variance) with one step of (1, stepMean, stepVariance).
                let delta = stepMean - state.mean[group]
                let mean = keep * state.mean[group] + add * stepMean
                let variance = keep * state.variance[group] + add * stepVariance + (keep * delta) * (add * delta)
                state.mean[group] = mean
                state.variance[group] = variance
                let inverse = 1 / (variance + Double(eps)).squareRoot()
                for k in 0..<groupSize {
                    let channel = group * groupSize + k
                    output[start + k] = Float((Double(x[start + k]) - mean) * inverse) * scale[channel] + bias[channel]
                }
            }
            state.count += 1
        }
        return output
    }
}
