/// Grouped-query self-attention with RoPE (adjacent-pair layout; see `TensorRecipe.permuteRows`) over a
/// cache of every earlier position, scaled by `1/√head_dim`.
struct LlamaAttention: Sendable {
    let query: Linear, key: Linear, value: Linear, output: Linear
    let heads: Int
    let keyValueHeads: Int
    let headDim: Int

    /// `x` stacks the new rows of several sequences: `segments[s]` are the rows of sequence `s`, which
    /// attends only to its own `caches[s]` (and appends its keys and values there). The projections
    /// run once over all rows.
    func callAsFunction(_ x: [Float], segments: [Range<Int>], angles: RotaryAngles, caches: inout [ChunkKVCache]) -> [Float] {
        let rows = x.count / query.inputs
        let projected = Linear.apply([query, key, value], to: x, rows: rows)
        var queries = projected[0], keys = projected[1]
        let values = projected[2]
        let queryWidth = heads * headDim, keyWidth = keyValueHeads * headDim
        queries.withUnsafeMutableBufferPointer { q in
            keys.withUnsafeMutableBufferPointer { k in
                guard let q = q.baseAddress, let k = k.baseAddress else { return }
                angles.rotate(queries: q, queryVectors: heads, keys: k, keyVectors: keyValueHeads, rows: rows)
            }
        }
        var attended = [Float](repeating: 0, count: rows * queryWidth)
        for (sequence, segment) in segments.enumerated() where !segment.isEmpty {
            caches[sequence].keys.append(contentsOf: keys[segment.lowerBound * keyWidth..<segment.upperBound * keyWidth])
            caches[sequence].values.append(contentsOf: values[segment.lowerBound * keyWidth..<segment.upperBound * keyWidth])
            caches[sequence].count += segment.count
            let rowsOfSequence = segment.lowerBound * queryWidth..<segment.upperBound * queryWidth
            let result = CausalAttentionHead.attendAllHeads(
                queries: Array(queries[rowsOfSequence]), keys: caches[sequence].keys, values: caches[sequence].values,
                rows: segment.count, heads: heads, keyValueHeads: keyValueHeads,
                headDim: headDim, valueHeadDim: headDim, scale: 1 / Float(headDim).squareRoot())
            attended.replaceSubrange(rowsOfSequence, with: result)
        }
        return output(attended, rows: rows)
    }
}
