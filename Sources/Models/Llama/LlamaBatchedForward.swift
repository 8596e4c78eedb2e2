extension LlamaModel {
    /// Every sequence's rows go through each linear layer (projections, MLP, head) as one stacked
    /// matrix product; RoPE uses each sequence's own positions and attention reads each sequence's
    /// own cache. Long calls run in segments of `segmentLength` tokens per sequence.
    public func forward(batch tokens: [[Int]], states: inout [LlamaState], positions: LogitPositions) throws -> [Logits] {
        guard tokens.count == states.count else {
            throw Failure.stateMismatch("\(states.count) states for \(tokens.count) sequences")
        }
        for sequence in tokens { try LanguageModelFailure.checkTokens(sequence, vocabularySize: config.vocabSize) }
        for state in states { try checkShape(of: state) }
        if tokens.count == 1, let token = tokens[0].first, tokens[0].count == 1 {
            let wanted = positions.rows(inSegment: 0, 1, callLength: 1)
            let values = decodeStep(token, state: &states[0], logits: !wanted.isEmpty)
            return [Logits(rowCount: wanted.count, vocabularySize: vocabularySize, values: values)]
        }
        var logits = Array(repeating: [Float](), count: tokens.count)
        let longest = tokens.map(\.count).max() ?? 0
        var start = 0
        while start < longest {
            let pieces = tokens.map { Array($0[min(start, $0.count)..<min($0.count, start + Self.segmentLength)]) }
            let wanted = zip(tokens, pieces).map { sequence, piece in
                piece.isEmpty ? 0..<0 : positions.rows(inSegment: start, start + piece.count, callLength: sequence.count)
            }
            let produced = forwardSegment(pieces, states: &states, logitRows: wanted)
            for index in logits.indices { logits[index] += produced[index] }
            start += Self.segmentLength
        }
        return logits.map { Logits(rowCount: $0.count / vocabularySize, vocabularySize: vocabularySize, values: $0) }
    }

    /// One segment of every sequence (some may be empty); returns each sequence's logits of `logitRows`.
    func forwardSegment(_ pieces: [[Int]], states: inout [LlamaState], logitRows: [Range<Int>]) -> [[Float]] {
        let width = config.hiddenSize
        var segments: [Range<Int>] = []
        for piece in pieces { segments.append((segments.last?.upperBound ?? 0)..<(segments.last?.upperBound ?? 0) + piece.count) }
        let rows = segments.last?.upperBound ?? 0
        var x = [Float](repeating: 0, count: rows * width)
        x.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for (row, token) in pieces.joined().enumerated() { embedding.copyRow(token, into: base + row * width) }
        }
        let angles = rotary.angles(runs: zip(states, pieces).map { $0.position..<$0.position + $1.count })
        for layer in blocks.indices {
            // Moved out of the states and back so each cache is uniquely referenced and grows in place.
            var caches = states.indices.map { index in
                var cache = ChunkKVCache()
                swap(&cache, &states[index].layers[layer])
                return cache
            }
            blocks[layer].forward(&x, segments: segments, angles: angles, caches: &caches)
            for index in states.indices { swap(&caches[index], &states[index].layers[layer]) }
        }
        for index in states.indices { states[index].position += pieces[index].count }
        let selected = zip(segments, logitRows).map { segment, wanted in
            (segment.lowerBound + wanted.lowerBound)..<(segment.lowerBound + wanted.upperBound)
        }
        let outputRows = selected.reduce(0) { $0 + $1.count }
        guard outputRows > 0 else { return pieces.map { _ in [] } }
        var hidden: [Float] = []
        hidden.reserveCapacity(outputRows * width)
        for rowsOfSequence in selected { hidden += x[rowsOfSequence.lowerBound * width..<rowsOfSequence.upperBound * width] }
        Normalization.rmsNormalize(&hidden, width: width, eps: config.rmsNormEps, scale: finalNormScale)
        let all = output.apply(hidden, rows: outputRows)
        if selected.count == 1 { return [all] }
        var offset = 0
        return selected.map { rowsOfSequence in
            defer { offset += rowsOfSequence.count }
            return Array(all[offset * vocabularySize..<(offset + rowsOfSequence.count) * vocabularySize])
        }
    }
}
