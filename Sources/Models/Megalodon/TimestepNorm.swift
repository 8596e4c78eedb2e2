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

    /// Values a thread should get before a split pays for the pool hand-off: a decode token (one row)
    /// stays on the calling thread.
    static let valuesPerPart = 16_384

    /// `rows` tokens of `width` channels, normalised in order, advancing `state`. Groups are
    /// independent, so they are split over `ThreadPool.shared`; within a group the running statistics
    /// are a recurrence over time, so one thread takes all of a group's tokens, in order. Each value's
    /// arithmetic is the same whatever the split.
    func apply(_ x: [Float], rows: Int, state: inout TimestepNormState) -> [Float] {
        let groupSize = width / groups
        let firstCount = state.count
        var output = [Float](repeating: 0, count: x.count)
        var runningMeans = state.mean, runningVariances = state.variance
        x.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { output in
                runningMeans.withUnsafeMutableBufferPointer { means in
                    runningVariances.withUnsafeMutableBufferPointer { variances in
                        guard let input = x.baseAddress, let out = output.baseAddress else { return }
                        let groupsPerPart = max(1, Self.valuesPerPart / max(1, rows * groupSize))
                        ThreadPool.shared.parallelFor(groups, minimumChunk: groupsPerPart) { part in
                            // Token by token across the part's groups, so each token's part is read contiguously.
                            for row in 0..<rows {
                                let count = Double(firstCount + row)
                                let keep = count / (count + 1), add = 1 / (count + 1)
                                for group in part {
                                    let start = row * width + group * groupSize
                                    let (stepMean, stepVariance) = Normalization.moments(input + start, count: groupSize)
                                    // Welford's combination of (count, mean, variance) with one step of (1, stepMean, stepVariance).
                                    let delta = stepMean - means[group]
                                    let mean = keep * means[group] + add * stepMean
                                    let variance = keep * variances[group] + add * stepVariance + (keep * delta) * (add * delta)
                                    means[group] = mean
                                    variances[group] = variance
                                    let inverse = 1 / (variance + Double(eps)).squareRoot()
                                    for k in 0..<groupSize {
                                        let channel = group * groupSize + k
                                        out[start + k] = Float((Double(input[start + k]) - mean) * inverse) * scale[channel] + bias[channel]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        state.mean = runningMeans
        state.variance = runningVariances
        state.count += rows
        return output
    }
}
