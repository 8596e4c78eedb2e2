/// One Llama decoder layer: `x += o(attention(rope(q(n₁ x)), rope(k(n₁ x)), v(n₁ x)))`, then
/// `x += mlp(n₂ x)`, where n₁/n₂ are RMSNorms.
struct LlamaBlock: Sendable {
    let attentionNormScale: [Float]
    let attention: LlamaAttention
    let feedForwardNormScale: [Float]
    let feedForward: SiLUFeedForward
    let eps: Float

    /// Advances `x` (`[rows, hidden]`) through the layer in place.
    func forward(_ x: inout [Float], rows: Int, angles: RotaryAngles, cache: inout ChunkKVCache) {
        let width = attentionNormScale.count
        var normalized = x
        Normalization.rmsNormalize(&normalized, width: width, eps: eps, scale: attentionNormScale)
        let attended = attention(normalized, rows: rows, angles: angles, cache: &cache)
        for i in x.indices { x[i] += attended[i] }
        normalized = x
        Normalization.rmsNormalize(&normalized, width: width, eps: eps, scale: feedForwardNormScale)
        let mixed = feedForward(normalized, rows: rows)
        for i in x.indices { x[i] += mixed[i] }
    }
}
