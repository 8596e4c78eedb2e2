import CQuantKernels
import Tensors

/// Softmax attention of one head, shared by the engines. The `rows` new queries are the last rows
/// of `total` positions; each sees every earlier position and itself (a bottom-right causal mask).
/// Strides let heads be read in place from `[positions, heads · head_dim]` buffers, and let
/// grouped-query attention point several query heads at one key/value head.
struct CausalAttentionHead {
    let queries: UnsafePointer<Float>, queryStride: Int
    let keys: UnsafePointer<Float>, keyStride: Int
    let values: UnsafePointer<Float>, valueStride: Int
    let output: UnsafeMutablePointer<Float>, outputStride: Int
    let headDim: Int, valueHeadDim: Int

    /// `scores` must hold `rows · total` values. `scale` multiplies `q·k` before the softmax.
    func attend(rows: Int, total: Int, scale: Float, scores: UnsafeMutablePointer<Float>) {
        let offset = total - rows
        if rows == 1 {
            attendOneRow(group: 1, total: total, scale: scale, scores: scores)
            return
        }
        BLAS.sgemm(
            transposeB: true, m: rows, n: total, k: headDim, alpha: scale,
            a: queries, lda: queryStride, b: keys, ldb: keyStride, c: scores, ldc: total)
        // Rows are independent: split over the tools' threads (sgemm threads itself through OpenBLAS).
        ThreadPool.shared.parallelFor(rows, minimumChunk: max(1, 8_192 / max(total, 1))) { part in
            for row in part {
                let visible = offset + row + 1
                VectorMath.softmax(scores + row * total, count: visible)
                (scores + row * total + visible).update(repeating: 0, count: total - visible)
            }
        }
        BLAS.sgemm(
            m: rows, n: valueHeadDim, k: total, a: scores, lda: total,
            b: values, ldb: valueStride, c: output, ldc: outputStride)
    }

    /// Decode: this head and the `group − 1` query heads after it (consecutive queries and outputs)
    /// read the same keys and values, so one pass over the cache serves them all (sgemm with one row
    /// is several times slower than plain dot products). `scores` must hold `group · total` values.
    func attendOneRow(group: Int, total: Int, scale: Float, scores: UnsafeMutablePointer<Float>) {
        rk_attend_one_row(
            queries, group, headDim, keys, keyStride, values, valueStride, valueHeadDim, total, scale,
            scores, output)
    }
}

extension CausalAttentionHead {
    /// Every query head of `rows` new positions attending to `total` cached positions. Row-major
    /// buffers: `queries [rows, heads · headDim]`, `keys [total, keyValueHeads · headDim]`, `values
    /// [total, keyValueHeads · valueHeadDim]`; query head `h` reads key/value head `h / (heads /
    /// keyValueHeads)` (grouped-query attention; equal counts are plain multi-head attention).
    /// Returns `[rows, heads · valueHeadDim]`.
    static func attendAllHeads(
        queries: [Float], keys: [Float], values: [Float], rows: Int, heads: Int, keyValueHeads: Int,
        headDim: Int, valueHeadDim: Int, scale: Float
    ) -> [Float] {
        let total = keys.count / (keyValueHeads * headDim)
        let queryWidth = heads * headDim, keyWidth = keyValueHeads * headDim, valueWidth = keyValueHeads * valueHeadDim
        let group = heads / keyValueHeads
        var output = [Float](repeating: 0, count: rows * heads * valueHeadDim)
        // Decode keeps every head's scores at once, so that heads can run on different threads.
        var scores = [Float](repeating: 0, count: (rows == 1 ? heads : rows) * total)
        queries.withUnsafeBufferPointer { q in
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    scores.withUnsafeMutableBufferPointer { s in
                        output.withUnsafeMutableBufferPointer { o in
                            guard let q = q.baseAddress, let k = k.baseAddress, let v = v.baseAddress,
                                let s = s.baseAddress, let o = o.baseAddress
                            else { return }
                            func head(_ index: Int) -> CausalAttentionHead {
                                let shared = index / group
                                return CausalAttentionHead(
                                    queries: q + index * headDim, queryStride: queryWidth,
                                    keys: k + shared * headDim, keyStride: keyWidth,
                                    values: v + shared * valueHeadDim, valueStride: valueWidth,
                                    output: o + index * valueHeadDim, outputStride: heads * valueHeadDim,
                                    headDim: headDim, valueHeadDim: valueHeadDim)
                            }
                            if rows == 1 {
                                let decode = OneRowAttention(
                                    queries: q, keys: k, values: v, scores: s, output: o, keyValueHeads: keyValueHeads, group: group,
                                    headDim: headDim, valueHeadDim: valueHeadDim, total: total)
                                decode.attend(scale: scale)
                            } else {
                                for index in 0..<heads { head(index).attend(rows: rows, total: total, scale: scale, scores: s) }
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
