import Tensors

/// Causal softmax attention inside one chunk (official `_InnerAttention`, non-fused path): RoPE at
/// chunk-local positions, scores `q·kᵀ` with no 1/√d factor (the Q/K affine carries it), then `·v`.
/// Attention never crosses a chunk boundary.
struct ChunkAttention: Sendable {
    let heads: Int
    let keyHeadDim: Int
    let valueHeadDim: Int
    let chunkSize: Int
    let rotary: RotaryEmbedding

    /// Attends `rows` new tokens, all inside the current chunk (the caller splits calls at chunk
    /// boundaries), to the cached rows and to each other. `queries`/`keys` are `[rows, z_dim]` before
    /// RoPE, `values` `[rows, value_dim]`. Returns `[rows, value_dim]` (heads concatenated).
    func apply(queries: [Float], keys: [Float], values: [Float], rows: Int, cache: inout ChunkKVCache) -> [Float] {
        precondition(cache.count + rows <= chunkSize, "an attention segment must not cross a chunk boundary")
        var queries = queries, keys = keys
        // One table of angles for the call (the same values a per-position rotation computes).
        let angles = rotary.angles(positions: cache.count..<cache.count + rows)
        queries.withUnsafeMutableBufferPointer { queries in
            keys.withUnsafeMutableBufferPointer { keys in
                guard let q = queries.baseAddress, let k = keys.baseAddress else { return }
                angles.rotate(queries: q, queryVectors: heads, keys: k, keyVectors: heads, rows: rows)
            }
        }
        cache.keys.append(contentsOf: keys)
        cache.values.append(contentsOf: values)
        cache.count += rows
        let output = CausalAttentionHead.attendAllHeads(
            queries: queries, keys: cache.keys, values: cache.values, rows: rows, heads: heads, keyValueHeads: heads,
            headDim: keyHeadDim, valueHeadDim: valueHeadDim, scale: 1)
        if cache.count == chunkSize {
            // The chunk is complete: the next token starts a new one at RoPE position 0.
            cache.keys.removeAll(keepingCapacity: true)
            cache.values.removeAll(keepingCapacity: true)
            cache.count = 0
        }
        return output
    }
}
