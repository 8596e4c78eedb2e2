/// The normalized FFN (official `NormalizedFeedForwardNetwork`): LayerNorm, then
/// `fc2(silu(fc1 x) ⊙ fc3 x)` with SwiGLU or `fc2(silu(fc1 x))` without, an optional learned
/// per-channel output scale, and the block input added back (the two-hop residual).
struct NormalizedFeedForward: Sendable {
    let normScale: [Float]?
    let normBias: [Float]?
    let fc1: Linear
    let fc2: Linear
    /// Present with SwiGLU.
    let fc3: Linear?
    /// Present with rescale_nffn.
    let outputScale: [Float]?
    let eps: Float

    func apply(_ y: [Float], blockInput: [Float], rows: Int, tap: ActivationTap?, prefix: String) -> [Float] {
        var normalized = y
        Normalization.layerNormalize(&normalized, width: fc1.inputs, eps: eps, scale: normScale, bias: normBias)
        tap?(prefix + ".norm", normalized)
        var hidden = fc1(normalized, rows: rows)
        VectorMath.applySiLU(&hidden)
        if let fc3 {
            let gate = fc3(normalized, rows: rows)
            for i in hidden.indices { hidden[i] *= gate[i] }
        }
        var output = fc2(hidden, rows: rows)
        let width = fc2.outputs
        for i in output.indices {
            if let outputScale { output[i] *= outputScale[i % width] }
            output[i] += blockInput[i]
        }
        return output
    }
}
