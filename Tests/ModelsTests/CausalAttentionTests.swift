import Foundation
import Tensors
import Testing

@testable import Models

/// Multi-row attention runs in blocks of query rows, each block's scores stopping at its last row's
/// diagonal, as parts on the pool with OpenBLAS on one thread inside them. Checked against softmax
/// attention written out in Double, with grouped-query heads, cached positions before the new rows
/// and a last block shorter than the rest; and two threads against one, bit for bit.
@Suite("Causal attention in row blocks", .serialized)
struct CausalAttentionTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let rows: Int, total: Int, heads: Int, keyValueHeads: Int, headDim: Int
        var testDescription: String { "\(rows) new of \(total) positions, \(heads)/\(keyValueHeads) heads of \(headDim)" }
    }

    static let shapes = [
        Shape(
            rows: 2 * CausalAttentionHead.blockRows + 22, total: 2 * CausalAttentionHead.blockRows + 22, heads: 4, keyValueHeads: 2,
            headDim: 16),
        Shape(rows: CausalAttentionHead.blockRows + 6, total: 3 * CausalAttentionHead.blockRows, heads: 3, keyValueHeads: 3, headDim: 32),
        Shape(rows: 2, total: 5, heads: 2, keyValueHeads: 1, headDim: 16),
    ]

    static func gaussians(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in generator.nextGaussian() }
    }

    /// Row r of the new rows sees positions 0 ... total − rows + r; query head h reads key/value head
    /// h / (heads / keyValueHeads).
    static func reference(_ shape: Shape, queries: [Float], keys: [Float], values: [Float], scale: Float) -> [Double] {
        let (rows, total, heads, headDim) = (shape.rows, shape.total, shape.heads, shape.headDim)
        let group = heads / shape.keyValueHeads, keyWidth = shape.keyValueHeads * headDim
        var output = [Double](repeating: 0, count: rows * heads * headDim)
        for row in 0..<rows {
            let visible = total - rows + row + 1
            for head in 0..<heads {
                let shared = head / group
                var scores = (0..<visible).map { position in
                    (0..<headDim).reduce(0.0) { sum, i in
                        sum + Double(queries[row * heads * headDim + head * headDim + i])
                            * Double(keys[position * keyWidth + shared * headDim + i])
                    } * Double(scale)
                }
                let largest = scores.max() ?? 0
                scores = scores.map { Foundation.exp($0 - largest) }
                let sum = scores.reduce(0, +)
                for i in 0..<headDim {
                    var weighted = 0.0
                    for position in 0..<visible {
                        weighted += scores[position] * Double(values[position * keyWidth + shared * headDim + i])
                    }
                    output[row * heads * headDim + head * headDim + i] = weighted / sum
                }
            }
        }
        return output
    }

    static func attend(_ shape: Shape, _ queries: [Float], _ keys: [Float], _ values: [Float], scale: Float) -> [Float] {
        CausalAttentionHead.attendAllHeads(
            queries: queries, keys: keys, values: values, rows: shape.rows, heads: shape.heads, keyValueHeads: shape.keyValueHeads,
            headDim: shape.headDim, valueHeadDim: shape.headDim, scale: scale)
    }

    @Test("blocks match softmax attention computed in Double", arguments: shapes)
    func matchesReference(shape: Shape) {
        let queries = Self.gaussians(shape.rows * shape.heads * shape.headDim, seed: 1)
        let keys = Self.gaussians(shape.total * shape.keyValueHeads * shape.headDim, seed: 2)
        let values = Self.gaussians(shape.total * shape.keyValueHeads * shape.headDim, seed: 3)
        let scale = 1 / Float(shape.headDim).squareRoot()
        let expected = Self.reference(shape, queries: queries, keys: keys, values: values, scale: scale)
        let got = Self.attend(shape, queries, keys, values, scale: scale)
        #expect(got.count == expected.count)
        let worst = zip(got, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst < 1e-5, "largest difference \(worst)")
    }

    @Test("two threads give one thread's output bit for bit", arguments: shapes)
    func twoThreadsMatchOne(shape: Shape) {
        let queries = Self.gaussians(shape.rows * shape.heads * shape.headDim, seed: 4)
        let keys = Self.gaussians(shape.total * shape.keyValueHeads * shape.headDim, seed: 5)
        let values = Self.gaussians(shape.total * shape.keyValueHeads * shape.headDim, seed: 6)
        let (single, double) = MegalodonThreadingTests.withOneThenTwoThreads { Self.attend(shape, queries, keys, values, scale: 0.25) }
        #expect(MegalodonThreadingTests.firstDifference(double, single) == nil)
    }
}
