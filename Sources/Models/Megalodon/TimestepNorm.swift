import Foundation
import Tensors

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

    /// `rows` tokens of `width` channels, normalised in order, advancing `state`. Only the running
    /// statistics are sequential (a few operations per token and group); each token's group moments
    /// and its normalisation are split over `ThreadPool.shared`, with the same arithmetic per value.
    func apply(_ x: [Float], rows: Int, state: inout TimestepNormState) -> [Float] {
        let groupSize = width / groups
        let rowsPerPart = Normalization.rowsPerPart(width: width)
        var output = [Float](repeating: 0, count: x.count)
        // Per token and group: its own moments, then (in place) the running mean and 1/sqrt(var + eps).
        var means = [Double](repeating: 0, count: rows * groups), spreads = [Double](repeating: 0, count: rows * groups)
        x.withUnsafeBufferPointer { x in
            means.withUnsafeMutableBufferPointer { means in
                spreads.withUnsafeMutableBufferPointer { spreads in
                    guard let xs = x.baseAddress, let ms = means.baseAddress, let vs = spreads.baseAddress else { return }
                    ThreadPool.shared.parallelFor(rows, minimumChunk: rowsPerPart) { part in
                        for slot in part.lowerBound * groups..<part.upperBound * groups {
                            (ms[slot], vs[slot]) = Normalization.moments(xs + slot * groupSize, count: groupSize)
                        }
                    }
                }
            }
        }
        for row in 0..<rows {
            let count = Double(state.count)
            let keep = count / (count + 1), add = 1 / (count + 1)
            for group in 0..<groups {
                let slot = row * groups + group
                let (stepMean, stepVariance) = (means[slot], spreads[slot])
                // Welford's combination of (count, mean, variance) with one step of (1, stepMean, stepVariance).
                let delta = stepMean - state.mean[group]
                let mean = keep * state.mean[group] + add * stepMean
                let variance = keep * state.variance[group] + add * stepVariance + (keep * delta) * (add * delta)
                state.mean[group] = mean
                state.variance[group] = variance
                means[slot] = mean
                spreads[slot] = 1 / (variance + Double(eps)).squareRoot()
            }
            state.count += 1
        }
        output.withUnsafeMutableBufferPointer { output in
            guard let out = output.baseAddress else { return }
            ThreadPool.shared.parallelFor(rows, minimumChunk: rowsPerPart) { part in
                for slot in part.lowerBound * groups..<part.upperBound * groups {
                    let mean = means[slot], inverse = spreads[slot]
                    let group = slot % groups, start = slot * groupSize
                    for k in 0..<groupSize {
                        let channel = group * groupSize + k
                        out[start + k] = Float((Double(x[start + k]) - mean) * inverse) * scale[channel] + bias[channel]
                    }
                }
            }
        }
        return output
    }
}
