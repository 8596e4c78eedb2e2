/// The normalized FFN (official `NormalizedFeedForwardNetwork`): LayerNorm, then
/// `fc2(silu(fc1 x) ⊙ fc3 x)` with SwiGLU or `fc2(silu(fc1 x))` without, an optional learned
/// per-channel output scale, and the block input added back (the two-hop residual).
struct NormalizedFeedForward: Sendable {
    let normScale: [Float]?
    let normBias: [Float]?
    /// fc1 (gate), fc3 (up, present with SwiGLU) and fc2 (down).
    let network: SiLUFeedForward
    /// Present with rescale_nffn.
    let outputScale: [Float]?
    let eps: Float

    func apply(_ y: [Float], blockInput: [Float], rows: Int, tap: ActivationTap?, prefix: String) -> [Float] {
        var normalized = y
        Normalization.layerNormalize(&normalized, width: network.inputs, eps: eps, scale: normScale, bias: normBias)
        tap?(prefix + ".norm", normalized)
        var output = network(normalized, rows: rows)
        let width = network.outputs
        for i in output.indices {
            if let outputScale { output[i] *= outputScale[i % width] }
            output[i] += blockInput[i]
        }
        return output
    }
}
