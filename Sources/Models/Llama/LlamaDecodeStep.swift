extension LlamaModel {
    /// One token of one sequence: the common decode call, run on buffers with every layer's products
    /// prepared at load (`LinearGroup`). The general path builds arrays per layer (activations,
    /// results, copies of the matrices), and on two threads that serial work on the calling thread
    /// was what kept the second core waiting. Same arithmetic as `forwardSegment` on one row.
    /// Returns the token's logits when `logits` is set, else nothing.
    func decodeStep(_ token: Int, state: inout LlamaState, logits: Bool) -> [Float] {
        let width = config.hiddenSize
        let angles = rotary.angles(positions: state.position..<state.position + 1)
        var x = [Float](repeating: 0, count: width)
        x.withUnsafeMutableBufferPointer { buffer in
            guard let x = buffer.baseAddress else { return }
            embedding.copyRow(token, into: x)
            for layer in blocks.indices { blocks[layer].forwardOneRow(x, angles: angles, cache: &state.layers[layer]) }
        }
        state.position += 1
        guard logits else { return [] }
        Normalization.rmsNormalize(&x, width: width, eps: config.rmsNormEps, scale: finalNormScale)
        return [Float](unsafeUninitializedCapacity: outputHead.outputs) { values, initialized in
            x.withUnsafeBufferPointer { x in
                guard let x = x.baseAddress, let values = values.baseAddress else { return }
                outputHead.applyOneRow(x, into: values)
            }
            initialized = outputHead.outputs
        }
    }
}
