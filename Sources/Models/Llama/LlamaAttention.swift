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
        let attended = CausalAttentionHead.attendAllHeads(
            queries: queries, keys: cache.keys, values: cache.values, rows: rows, heads: heads, keyValueHeads: keyValueHeads,
            headDim: headDim, valueHeadDim: headDim, scale: 1 / Float(headDim).squareRoot())
        return output(attended, rows: rows)
    }
}
