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
            // Decode: sgemm with one row is several times slower than plain dot products.
            for j in 0..<total { scores[j] = scale * VectorMath.dot(queries, keys + j * keyStride, count: headDim) }
            VectorMath.softmax(scores, count: total)
            output.update(repeating: 0, count: valueHeadDim)
            for j in 0..<total { VectorMath.addScaled(values + j * valueStride, by: scores[j], into: output, count: valueHeadDim) }
            return
        }
        BLAS.sgemm(transposeB: true, m: rows, n: total, k: headDim, alpha: scale,
                   a: queries, lda: queryStride, b: keys, ldb: keyStride, c: scores, ldc: total)
        for row in 0..<rows {
            let visible = offset + row + 1
            VectorMath.softmax(scores + row * total, count: visible)
            (scores + row * total + visible).update(repeating: 0, count: total - visible)
        }
        BLAS.sgemm(m: rows, n: valueHeadDim, k: total, a: scores, lda: total,
                   b: values, ldb: valueStride, c: output, ldc: outputStride)
    }
}

extension CausalAttentionHead {
    /// Every query head of `rows` new positions attending to `total` cached positions. Row-major
    /// buffers: `queries [rows, heads · headDim]`, `keys [total, keyValueHeads · headDim]`, `values
    /// [total, keyValueHeads · valueHeadDim]`; query head `h` reads key/value head `h / (heads /
    /// keyValueHeads)` (grouped-query attention; equal counts are plain multi-head attention).
    /// Returns `[rows, heads · valueHeadDim]`.
    static func attendAllHeads(queries: [Float], keys: [Float], values: [Float], rows: Int, heads: Int, keyValueHeads: Int,
                               headDim: Int, valueHeadDim: Int, scale: Float) -> [Float] {
        let total = keys.count / (keyValueHeads * headDim)
        let queryWidth = heads * headDim, keyWidth = keyValueHeads * headDim, valueWidth = keyValueHeads * valueHeadDim
        let group = heads / keyValueHeads
        var output = [Float](repeating: 0, count: rows * heads * valueHeadDim)
        var scores = [Float](repeating: 0, count: rows * total)
        queries.withUnsafeBufferPointer { q in
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    scores.withUnsafeMutableBufferPointer { s in
                        output.withUnsafeMutableBufferPointer { o in
                            guard let q = q.baseAddress, let k = k.baseAddress, let v = v.baseAddress,
                                  let s = s.baseAddress, let o = o.baseAddress else { return }
                            for head in 0..<heads {
                                let shared = head / group
                                CausalAttentionHead(queries: q + head * headDim, queryStride: queryWidth,
                                                    keys: k + shared * headDim, keyStride: keyWidth,
                                                    values: v + shared * valueHeadDim, valueStride: valueWidth,
                                                    output: o + head * valueHeadDim, outputStride: heads * valueHeadDim,
                                                    headDim: headDim, valueHeadDim: valueHeadDim)
                                    .attend(rows: rows, total: total, scale: scale, scores: s)
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
