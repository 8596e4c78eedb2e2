import Tensors
import TestSupport
import Testing

@testable import Models

/// TimestepNorm splits its channel groups over the thread pool; the result must be the plain
/// definition (token by token, group by group, Welford's update in Double) bit for bit, whatever
/// the thread count, and carry its statistics across calls.
@Suite("TimestepNorm", .serialized)
struct TimestepNormTests {
    /// The definition written the plain way: the order of operations the engine must keep.
    static func reference(_ norm: TimestepNorm, _ x: [Float], rows: Int, state: inout TimestepNormState) -> [Float] {
        let groupSize = norm.width / norm.groups
        var output = [Float](repeating: 0, count: x.count)
        for row in 0..<rows {
            let count = Double(state.count)
            let keep = count / (count + 1), add = 1 / (count + 1)
            for group in 0..<norm.groups {
                let start = row * norm.width + group * groupSize
                let values = x[start..<start + groupSize].map(Double.init)
                let stepMean = values.reduce(0, +) / Double(groupSize)
                let stepVariance = values.reduce(0) { $0 + ($1 - stepMean) * ($1 - stepMean) } / Double(groupSize)
                let delta = stepMean - state.mean[group]
                let mean = keep * state.mean[group] + add * stepMean
                let variance = keep * state.variance[group] + add * stepVariance + (keep * delta) * (add * delta)
                state.mean[group] = mean
                state.variance[group] = variance
                let inverse = 1 / (variance + Double(norm.eps)).squareRoot()
                for k in 0..<groupSize {
                    let channel = group * groupSize + k
                    output[start + k] = Float((Double(x[start + k]) - mean) * inverse) * norm.scale[channel] + norm.bias[channel]
                }
            }
            state.count += 1
        }
        return output
    }

    /// 32 groups of 8 channels and 600 + 1 + 90 tokens: the first call splits into several parts of
    /// groups with two threads, the one-token call stays on one thread.
    @Test("equals the plain definition bit for bit with one and two threads", arguments: [1, 2])
    func matchesDefinition(threads: Int) {
        var generator = SeededGenerator(seed: 21)
        let width = 256, groups = 32, calls = [600, 1, 90]
        let norm = TimestepNorm(
            scale: generator.normals(width, scale: 0.3).map { $0 + 1 }, bias: generator.normals(width, scale: 0.1),
            groups: groups, eps: 1e-5,
            prior: TimestepNormState(
                count: 3, mean: generator.normals(groups, scale: 0.1).map(Double.init),
                variance: generator.normals(groups, scale: 0.1).map { 1 + Double(abs($0)) }))
        let x = generator.normals(calls.reduce(0, +) * width, scale: 2)
        let pool = ThreadPool.shared
        let previous = pool.threadCount
        defer { pool.threadCount = previous }
        pool.threadCount = threads
        var state = norm.prior, expectedState = norm.prior
        var start = 0
        for rows in calls {
            let slice = Array(x[start * width..<(start + rows) * width])
            let output = norm.apply(slice, rows: rows, state: &state)
            let expected = Self.reference(norm, slice, rows: rows, state: &expectedState)
            #expect(MegalodonThreadingTests.firstDifference(output, expected) == nil, "\(rows) tokens from token \(start)")
            #expect(state == expectedState, "after \(rows) tokens from token \(start)")
            start += rows
        }
    }
}
