extension LlamaModel {
    /// How the matrices are held in memory, e.g. "F32" or "q4_1, q8_0" (quantized GGUF blocks and
    /// quantized model directories are used as stored).
    public var matrixStorage: String {
        let kinds = (blocks.flatMap { [$0.attention.query.weight, $0.feedForward.down.weight] } + [output]).map(\.kind.description)
        return kinds.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: ", ")
    }

    /// Bytes of matrix weights one decoded token streams through (the embedding row lookup aside).
    public var weightBytesPerToken: Int {
        let matrices =
            blocks.flatMap { block in
                [
                    block.attention.query.weight, block.attention.key.weight, block.attention.value.weight, block.attention.output.weight,
                    block.feedForward.gate.weight, block.feedForward.down.weight,
                ] + (block.feedForward.up.map { [$0.weight] } ?? [])
            } + [output]
        return matrices.reduce(0) { $0 + $1.byteCount }
    }
}
