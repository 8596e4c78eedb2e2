/// Grouped-query self-attention with RoPE (adjacent-pair layout; see `TensorRecipe.permuteRows`) over a
/// cache of every earlier position, scaled by `1/√head_dim`.
struct LlamaAttention: Sendable {
    let query: Linear, key: Linear, value: Linear, output: Linear
    let heads: Int
    let keyValueHeads: Int
    let headDim: Int
    /// Q, K and V, and the output projection, prepared for one-row steps.
    private let projections: LinearGroup
    private let outputGroup: LinearGroup
    /// What multiplies `q·k` before the softmax.
    private var scale: Float { 1 / Float(headDim).squareRoot() }

    init(query: Linear, key: Linear, value: Linear, output: Linear, heads: Int, keyValueHeads: Int, headDim: Int) {
        (self.query, self.key, self.value, self.output) = (query, key, value, output)
        (self.heads, self.keyValueHeads, self.headDim) = (heads, keyValueHeads, headDim)
        projections = LinearGroup([query, key, value])
        outputGroup = LinearGroup([output])
    }

    /// `x` stacks the new rows of several sequences: `segments[s]` are the rows of sequence `s`, which
    /// attends only to its own `caches[s]` (and appends its keys and values there). The projections
    /// run once over all rows.
    func callAsFunction(_ x: [Float], segments: [Range<Int>], angles: RotaryAngles, caches: inout [ChunkKVCache]) -> [Float] {
        let rows = x.count / query.inputs
        let queryWidth = heads * headDim, keyWidth = keyValueHeads * headDim
        let shape = CausalAttentionHead.Shape(heads: heads, keyValueHeads: keyValueHeads, headDim: headDim, valueHeadDim: headDim)
        // Q's [rows, queryWidth] block, then K's and V's [rows, keyWidth]: rotated and read in place.
        var projected = projections(x, rows: rows)
        let attended = projected.withUnsafeMutableBufferPointer { buffer -> [Float] in
            guard let queries = buffer.baseAddress else { return [] }
            let keys = queries + rows * queryWidth, values = keys + rows * keyWidth
            angles.rotate(queries: queries, queryVectors: heads, keys: keys, keyVectors: keyValueHeads, rows: rows)
            return [Float](unsafeUninitializedCapacity: rows * queryWidth) { attended, initialized in
                guard let attended = attended.baseAddress else { return }
                for (sequence, segment) in segments.enumerated() where !segment.isEmpty {
                    let newKeys = UnsafeBufferPointer(start: keys + segment.lowerBound * keyWidth, count: segment.count * keyWidth)
                    let newValues = UnsafeBufferPointer(start: values + segment.lowerBound * keyWidth, count: segment.count * keyWidth)
                    // Appended first: the new rows attend to their own keys as the cache keeps them (rounded
                    // in an f16 cache), as a later decode step will.
                    caches[sequence].append(keys: newKeys, values: newValues, rows: segment.count)
                    let total = caches[sequence].count
                    caches[sequence].withFloatRows { cachedKeys, cachedValues in
                        CausalAttentionHead.attendAllHeads(
                            queries: queries + segment.lowerBound * queryWidth, keys: cachedKeys, values: cachedValues,
                            rows: segment.count, total: total, shape: shape, scale: scale,
                            into: attended + segment.lowerBound * queryWidth)
                    }
                }
                // Segments tile the rows (empty ones hold none), so every value was written.
                initialized = rows * queryWidth
            }
        }
        return outputGroup(attended, rows: rows)
    }

    /// One new position (row `x`, RoPE angles row 0 of `angles`) appended to `cache` and attended
    /// over it, the output projection written to `y`: `callAsFunction` for one row of one sequence,
    /// the same arithmetic with no array made per call.
    func attendOneRow(_ x: UnsafePointer<Float>, angles: RotaryAngles, cache: inout ChunkKVCache, into y: UnsafeMutablePointer<Float>) {
        let queryWidth = heads * headDim, keyWidth = keyValueHeads * headDim
        withUnsafeTemporaryAllocation(of: Float.self, capacity: projections.outputs + queryWidth) { buffer in
            guard let projected = buffer.baseAddress else { return }
            projections.applyOneRow(x, into: projected)
            let queries = projected, keys = projected + queryWidth, values = keys + keyWidth
            angles.rotate(queries: queries, queryVectors: heads, keys: keys, keyVectors: keyValueHeads, rows: 1)
            cache.append(
                keys: UnsafeBufferPointer(start: keys, count: keyWidth), values: UnsafeBufferPointer(start: values, count: keyWidth),
                rows: 1)
            let attended = projected + projections.outputs
            let total = cache.count
            withUnsafeTemporaryAllocation(of: Float.self, capacity: heads * total) { scores in
                guard let scores = scores.baseAddress else { return }
                cache.withStoredRows { cachedKeys, cachedValues, half in
                    OneRowAttention(
                        queries: queries, keys: cachedKeys, values: cachedValues, half: half, scores: scores, output: attended,
                        keyValueHeads: keyValueHeads, group: heads / keyValueHeads, headDim: headDim, valueHeadDim: headDim,
                        total: total
                    ).attend(scale: scale)
                }
            }
            outputGroup.applyOneRow(attended, into: y)
        }
    }
}
