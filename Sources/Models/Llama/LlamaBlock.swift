/// One Llama decoder layer: `x += o(attention(rope(q(n₁ x)), rope(k(n₁ x)), v(n₁ x)))`, then
/// `x += mlp(n₂ x)`, where n₁/n₂ are RMSNorms.
struct LlamaBlock: Sendable {
    let attentionNormScale: [Float]
    let attention: LlamaAttention
    let feedForwardNormScale: [Float]
    let feedForward: SiLUFeedForward
    let eps: Float

    /// Advances `x` (`[rows, hidden]`, the rows of several sequences stacked; `segments[s]` are
    /// sequence `s`'s rows, attending to `caches[s]`) through the layer in place.
    func forward(_ x: inout [Float], segments: [Range<Int>], angles: RotaryAngles, caches: inout [ChunkKVCache]) {
        let width = attentionNormScale.count
        let rows = x.count / width
        let normalized = Normalization.rmsNormalized(x, width: width, eps: eps, scale: attentionNormScale)
        let attended = attention(normalized, segments: segments, angles: angles, caches: &caches)
        for i in x.indices { x[i] += attended[i] }
        let mixed = feedForward(Normalization.rmsNormalized(x, width: width, eps: eps, scale: feedForwardNormScale), rows: rows)
        for i in x.indices { x[i] += mixed[i] }
    }

    /// One position of one sequence (`x`, one row of the hidden size) through the layer in place: `forward`'s
    /// arithmetic for a single row, on buffers instead of arrays.
    func forwardOneRow(_ x: UnsafeMutablePointer<Float>, angles: RotaryAngles, cache: inout ChunkKVCache) {
        let width = attentionNormScale.count
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * width) { buffer in
            guard let normalized = buffer.baseAddress else { return }
            let product = normalized + width
            Normalization.rmsNormalizeRow(x, into: normalized, width: width, eps: eps, scale: attentionNormScale)
            attention.attendOneRow(normalized, angles: angles, cache: &cache, into: product)
            for i in 0..<width { x[i] += product[i] }
            Normalization.rmsNormalizeRow(x, into: normalized, width: width, eps: eps, scale: feedForwardNormScale)
            feedForward.applyOneRow(normalized, into: product)
            for i in 0..<width { x[i] += product[i] }
        }
    }
}
