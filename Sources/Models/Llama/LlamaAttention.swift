/// Grouped-query self-attention with RoPE (adjacent-pair layout; see `TensorRecipe.permuteRows`) over a
/// cache of every earlier position, scaled by `1/√head_dim`.
struct LlamaAttention: Sendable {
    let query: Linear, key: Linear, value: Linear, output: Linear
    let heads: Int
    let keyValueHeads: Int
    let headDim: Int

    func callAsFunction(_ x: [Float], rows: Int, angles: RotaryAngles, cache: inout ChunkKVCache) -> [Float] {
        var queries = query(x, rows: rows)
        var keys = key(x, rows: rows)
        let values = value(x, rows: rows)
        let queryWidth = heads * headDim, keyWidth = keyValueHeads * headDim
        queries.withUnsafeMutableBufferPointer { q in
            keys.withUnsafeMutableBufferPointer { k in
                guard let q = q.baseAddress, let k = k.baseAddress else { return }
                for row in 0..<rows {
                    angles.rotate(q + row * queryWidth, vectors: heads, row: row)
                    angles.rotate(k + row * keyWidth, vectors: keyValueHeads, row: row)
                }
            }
        }
        cache.keys.append(contentsOf: keys)
        cache.values.append(contentsOf: values)
        cache.count += rows
        let total = cache.count
        let group = heads / keyValueHeads
        let scale = 1 / Float(headDim).squareRoot()

        var attended = [Float](repeating: 0, count: rows * queryWidth)
        var scores = [Float](repeating: 0, count: rows * total)
        queries.withUnsafeBufferPointer { q in
            cache.keys.withUnsafeBufferPointer { k in
                cache.values.withUnsafeBufferPointer { v in
                    scores.withUnsafeMutableBufferPointer { s in
                        attended.withUnsafeMutableBufferPointer { o in
                            guard let q = q.baseAddress, let k = k.baseAddress, let v = v.baseAddress,
                                  let s = s.baseAddress, let o = o.baseAddress else { return }
                            for head in 0..<heads {
                                let shared = head / group
                                CausalAttentionHead(queries: q + head * headDim, queryStride: queryWidth,
                                                    keys: k + shared * headDim, keyStride: keyWidth,
                                                    values: v + shared * headDim, valueStride: keyWidth,
                                                    output: o + head * headDim, outputStride: queryWidth,
                                                    headDim: headDim, valueHeadDim: headDim)
                                    .attend(rows: rows, total: total, scale: scale, scores: s)
                            }
                        }
                    }
                }
            }
        }
        return output(attended, rows: rows)
    }
}
