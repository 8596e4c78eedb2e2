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
        let projected = Linear.apply(projections.layers, to: x, rows: rows)
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
                headDim: headDim, valueHeadDim: headDim, scale: scale)
            attended.replaceSubrange(rowsOfSequence, with: result)
        }
        return output(attended, rows: rows)
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
            cache.keys.append(contentsOf: UnsafeBufferPointer(start: keys, count: keyWidth))
            cache.values.append(contentsOf: UnsafeBufferPointer(start: values, count: keyWidth))
            cache.count += 1
            let attended = projected + projections.outputs
            let total = cache.count
            withUnsafeTemporaryAllocation(of: Float.self, capacity: heads * total) { scores in
                cache.keys.withUnsafeBufferPointer { cachedKeys in
                    cache.values.withUnsafeBufferPointer { cachedValues in
                        guard let scores = scores.baseAddress, let cachedKeys = cachedKeys.baseAddress,
                            let cachedValues = cachedValues.baseAddress
                        else { return }
                        OneRowAttention(
                            queries: queries, keys: cachedKeys, values: cachedValues, scores: scores, output: attended,
                            keyValueHeads: keyValueHeads, group: heads / keyValueHeads, headDim: headDim, valueHeadDim: headDim,
                            total: total
                        ).attend(scale: scale)
                    }
                }
            }
            outputGroup.applyOneRow(attended, into: y)
        }
    }
}
