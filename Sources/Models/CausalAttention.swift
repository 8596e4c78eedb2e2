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

    /// Rows `block` of the `rows` new queries (the last rows of `total` positions). Their last row
    /// sees `total − rows + block.upperBound` positions, and the block's scores stop there: positions
    /// past the diagonal are neither multiplied nor weighed, half of a prefill's attention work.
    /// `scores` must hold `block.count · total` values. `scale` multiplies `q·k` before the softmax.
    func attend(block: Range<Int>, rows: Int, total: Int, scale: Float, scores: UnsafeMutablePointer<Float>) {
        let offset = total - rows
        let seen = offset + block.upperBound
        BLAS.sgemm(
            transposeB: true, m: block.count, n: seen, k: headDim, alpha: scale,
            a: queries + block.lowerBound * queryStride, lda: queryStride, b: keys, ldb: keyStride, c: scores, ldc: seen)
        for (index, row) in block.enumerated() {
            let visible = offset + row + 1
            VectorMath.softmax(scores + index * seen, count: visible)
            (scores + index * seen + visible).update(repeating: 0, count: seen - visible)
        }
        BLAS.sgemm(
            m: block.count, n: valueHeadDim, k: seen, a: scores, lda: seen,
            b: values, ldb: valueStride, c: output + block.lowerBound * outputStride, ldc: outputStride)
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
        let shape = Shape(heads: heads, keyValueHeads: keyValueHeads, headDim: headDim, valueHeadDim: valueHeadDim)
        let total = keys.count / (keyValueHeads * headDim)
        return [Float](unsafeUninitializedCapacity: rows * heads * valueHeadDim) { output, initialized in
            queries.withUnsafeBufferPointer { q in
                keys.withUnsafeBufferPointer { k in
                    values.withUnsafeBufferPointer { v in
                        guard let q = q.baseAddress, let k = k.baseAddress, let v = v.baseAddress, let o = output.baseAddress
                        else { return }
                        attendAllHeads(queries: q, keys: k, values: v, rows: rows, total: total, shape: shape, scale: scale, into: o)
                        initialized = output.count
                    }
                }
            }
        }
    }

    /// Head counts and widths of the buffers `attendAllHeads` reads.
    struct Shape {
        let heads: Int, keyValueHeads: Int, headDim: Int, valueHeadDim: Int
    }

    /// The same on buffers; every value of `output` (`[rows, heads · valueHeadDim]`) is written.
    static func attendAllHeads(
        queries q: UnsafePointer<Float>, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>, rows: Int, total: Int,
        shape: Shape, scale: Float, into o: UnsafeMutablePointer<Float>
    ) {
        let (heads, keyValueHeads, headDim, valueHeadDim) = (shape.heads, shape.keyValueHeads, shape.headDim, shape.valueHeadDim)
        let queryWidth = heads * headDim, keyWidth = keyValueHeads * headDim, valueWidth = keyValueHeads * valueHeadDim
        let group = heads / keyValueHeads
        if rows == 1 {
            // Decode keeps every head's scores at once, so that heads can run on different threads; more
            // rows keep a block's scores per part (attendInBlocks).
            withUnsafeTemporaryAllocation(of: Float.self, capacity: heads * total) { scores in
                guard let s = scores.baseAddress else { return }
                OneRowAttention(
                    queries: q, keys: UnsafeRawPointer(k), values: UnsafeRawPointer(v), half: false, scores: s, output: o,
                    keyValueHeads: keyValueHeads, group: group, headDim: headDim, valueHeadDim: valueHeadDim, total: total
                ).attend(scale: scale)
            }
            return
        }
        attendInBlocks(rows: rows, total: total, heads: heads, scale: scale) { index in
            let shared = index / group
            return CausalAttentionHead(
                queries: q + index * headDim, queryStride: queryWidth,
                keys: k + shared * headDim, keyStride: keyWidth,
                values: v + shared * valueHeadDim, valueStride: valueWidth,
                output: o + index * valueHeadDim, outputStride: heads * valueHeadDim,
                headDim: headDim, valueHeadDim: valueHeadDim)
        }
    }

    /// Query rows in blocks of `blockRows`, each (head, block) one part on the pool with OpenBLAS on
    /// one thread inside it. Heads one after another, each sgemm threaded by OpenBLAS, left our idle
    /// worker spinning beside them (6.6% of the samples of a SmolLM2-135M Q8_0 2-thread pp512 on Zen 5),
    /// and that pp512 gained 1.10× from the second thread where llama.cpp's gained 1.9×; in blocks,
    /// 1.66×. The last blocks (most positions seen) are handed out first, so the threads finish within
    /// one small part of each other.
    private static func attendInBlocks(
        rows: Int, total: Int, heads: Int, scale: Float, head: (Int) -> CausalAttentionHead
    ) {
        let blocks = (rows + blockRows - 1) / blockRows
        let units = heads * blocks
        BLAS.singleThreaded {
            ThreadPool.shared.parallelFor(units, partsPerThread: units) { part in
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: min(rows, blockRows) * total)
                defer { scores.deallocate() }
                for unit in part {
                    let block = blocks - 1 - unit / heads
                    let first = block * blockRows
                    head(unit % heads).attend(
                        block: first..<min(rows, first + blockRows), rows: rows, total: total, scale: scale, scores: scores)
                }
            }
        }
    }

    /// Query rows per part: 64 keeps a part's scores (64 × 512 floats in a pp512) in L2 and gives a
    /// 9-head model 72 parts to share.
    static let blockRows = 64
}
