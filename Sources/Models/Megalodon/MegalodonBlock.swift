/// Everything one layer remembers between calls.
public struct MegalodonLayerState: Sendable, Equatable {
    public var timestepNorm: TimestepNormState
    public var ema: ComplexEMAState
    public var attention: ChunkKVCache
}

/// One MEGALODON block (official `MegaBlock`): the moving-average gated attention, then the
/// normalized FFN whose residual is the block input.
struct MegalodonBlock: Sendable {
    let index: Int
    let timestepNorm: TimestepNorm
    let ema: ComplexEMA
    /// RMSNorm scale of the EMA output (stored weight + 1); nil without norm_affine.
    let emaNormScale: [Float]?
    let wz: Linear, wv: Linear, wr: Linear, wh1: Linear, wh2: Linear
    /// Q/K affine on the normalised shared Z: `(gamma + 1) / √dz` and `beta`, rows 0 (query) and 1 (key).
    let queryScale: [Float], queryBias: [Float], keyScale: [Float], keyBias: [Float]
    let attention: ChunkAttention
    let feedForward: NormalizedFeedForward
    let eps: Float

    func initialState() -> MegalodonLayerState {
        MegalodonLayerState(timestepNorm: timestepNorm.prior, ema: ema.initialState(), attention: ChunkKVCache())
    }

    /// `rows` tokens `[rows, model_dim]` that lie inside one attention chunk.
    func forward(_ x: [Float], rows: Int, state: inout MegalodonLayerState, tap: ActivationTap?) -> [Float] {
        let prefix = "layers.\(index)"
        let normalized = timestepNorm.apply(x, rows: rows, state: &state.timestepNorm)
        tap?(prefix + ".mega.timenorm", normalized)
        var mx = ema.apply(normalized, rows: rows, state: &state.ema)
        tap?(prefix + ".mega.cema", mx)
        Normalization.rmsNormalize(&mx, width: mx.count / max(rows, 1), eps: eps, scale: emaNormScale)
        tap?(prefix + ".mega.rmsnorm", mx)

        // Z, the gate r and wh1 all read the EMA branch: one pass over the three matrices.
        let fromEMA = Linear.apply([wz, wr, wh1], to: mx, rows: rows)
        var z = fromEMA[0]
        tap?(prefix + ".mega.wz", z)
        Normalization.rmsNormalize(&z, width: attention.keyHeadDim, eps: eps)
        var queries = z, keys = z
        let zDim = queryScale.count
        for i in z.indices {
            let channel = i % zDim
            queries[i] = z[i] * queryScale[channel] + queryBias[channel]
            keys[i] = z[i] * keyScale[channel] + keyBias[channel]
        }
        // V comes from the TimestepNorm output.
        var values = wv(normalized, rows: rows)
        tap?(prefix + ".mega.wv", values)
        VectorMath.applySiLU(&values)
        var gate = fromEMA[1]
        tap?(prefix + ".mega.wr", gate)
        VectorMath.applySiLU(&gate)

        var attended = attention.apply(queries: queries, keys: keys, values: values, rows: rows, cache: &state.attention)
        tap?(prefix + ".mega.inner_attention", attended)
        for i in attended.indices { attended[i] *= gate[i] }
        var y = fromEMA[2]
        tap?(prefix + ".mega.wh1", y)
        let projected = wh2(attended, rows: rows)
        tap?(prefix + ".mega.wh2", projected)
        for i in y.indices { y[i] += projected[i] + x[i] }
        tap?(prefix + ".mega", y)

        let output = feedForward.apply(y, blockInput: x, rows: rows, tap: tap, prefix: prefix + ".nffn")
        tap?(prefix, output)
        return output
    }
}
