import Foundation
import Tensors

/// Rotary position embedding acting on adjacent pairs `(x[2i], x[2i+1])` as one complex number (the
/// Meta/GGUF/MEGALODON convention), as `x · e^{i·p·f_i}`. Checkpoints in the Hugging Face
/// rotate-half layout have their Q/K projection rows permuted into this layout when they are loaded
/// (see `TensorRecipe.permuteRows`), so one kernel serves every layout.
struct RotaryEmbedding: Sendable {
    /// `f_i`, one per pair.
    let inverseFrequencies: [Float]

    /// `1 / base^(2i/dimension)` for i < dimension/2, rounded like the official buffer: the power in
    /// Double rounded to f32, then the reciprocal in f32.
    init(dimension: Int, base: Double) {
        inverseFrequencies = stride(from: 0, to: dimension, by: 2).map { 1 / Float(pow(base, Double($0) / Double(dimension))) }
    }

    init(inverseFrequencies: [Float]) {
        self.inverseFrequencies = inverseFrequencies
    }

    var dimension: Int { inverseFrequencies.count * 2 }

    /// The cosines and sines of consecutive positions, computed once and shared by every layer.
    func angles(positions: Range<Int>) -> RotaryAngles {
        angles(runs: [positions])
    }

    /// The angles of several runs of positions one after another (rows of several sequences stacked
    /// for one batched call, each at its own positions).
    func angles(runs: [Range<Int>]) -> RotaryAngles {
        let pairs = inverseFrequencies.count
        var cosines = [Float](repeating: 0, count: runs.reduce(0) { $0 + $1.count } * pairs)
        var sines = cosines
        for (row, position) in runs.joined().enumerated() {
            for pair in 0..<pairs {
                // The angle is formed in f32 like the references (fp32 position times fp32 frequency).
                let angle = Double(Float(position) * inverseFrequencies[pair])
                cosines[row * pairs + pair] = Float(cos(angle))
                sines[row * pairs + pair] = Float(sin(angle))
            }
        }
        return RotaryAngles(pairs: pairs, cosines: cosines, sines: sines)
    }

    /// Rotates `vectors` consecutive vectors of `dimension` values at `x`, all at `position`.
    func rotate(_ x: UnsafeMutablePointer<Float>, vectors: Int, position: Int) {
        angles(positions: position..<position + 1).rotate(x, vectors: vectors, row: 0)
    }
}

/// `cos`/`sin` of every pair's angle for a run of positions, `[positions, pairs]`.
struct RotaryAngles: Sendable {
    let pairs: Int
    let cosines: [Float]
    let sines: [Float]

    /// Rotates the query and key vectors of `rows` rows (`queries [rows, queryVectors · 2 · pairs]`,
    /// `keys [rows, keyVectors · 2 · pairs]`) in place, row r by the angles of row r. Rows are
    /// independent, so a prefill splits them over the pool.
    func rotate(
        queries: UnsafeMutablePointer<Float>, queryVectors: Int, keys: UnsafeMutablePointer<Float>, keyVectors: Int, rows: Int
    ) {
        let queryWidth = 2 * pairs * queryVectors, keyWidth = 2 * pairs * keyVectors
        ThreadPool.shared.parallelFor(rows, minimumChunk: Normalization.rowsPerPart(width: queryWidth + keyWidth)) { part in
            for row in part {
                rotate(queries + row * queryWidth, vectors: queryVectors, row: row)
                rotate(keys + row * keyWidth, vectors: keyVectors, row: row)
            }
        }
    }

    /// Rotates `vectors` consecutive vectors of `2 · pairs` values at `x` by the angles of `row`.
    func rotate(_ x: UnsafeMutablePointer<Float>, vectors: Int, row: Int) {
        let dimension = 2 * pairs
        cosines.withUnsafeBufferPointer { cosines in
            sines.withUnsafeBufferPointer { sines in
                for pair in 0..<pairs {
                    let cosine = cosines[row * pairs + pair], sine = sines[row * pairs + pair]
                    for vector in 0..<vectors {
                        let even = x + vector * dimension + 2 * pair
                        let real = even[0], imaginary = even[1]
                        even[0] = real * cosine - imaginary * sine
                        even[1] = real * sine + imaginary * cosine
                    }
                }
            }
        }
    }
}
