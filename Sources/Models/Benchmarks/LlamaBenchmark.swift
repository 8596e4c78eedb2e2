import Foundation
import Tensors

/// Speed of the Llama engine on a real model, shaped like llama.cpp's `llama-bench` so the two
/// can be put side by side: prefill of `prefillTokens` random tokens in one call from an empty
/// state (pp), and `decodeTokens` tokens generated one call each from an empty state (tg).
public struct LlamaBenchmark: Sendable {
    public let model: LlamaModel
    public var repeats = 5
    public var prefillTokens = 512
    public var decodeTokens = 128

    public init(model: LlamaModel) { self.model = model }

    public struct Report: Sendable {
        public let prefill: Timing
        public let decode: Timing
        public let prefillTokensPerSecond: Double
        public let decodeTokensPerSecond: Double
        /// Weight bytes read per decoded token (every matrix once, in its stored dtype).
        public let weightBytesPerToken: Int
    }

    public func run(progress: (String) -> Void = { _ in }) throws -> Report {
        var generator = SplitMix64(seed: 3)
        let prompt = (0..<prefillTokens).map { _ in Int.random(in: 0..<model.config.vocabSize, using: &generator) }
        progress("prefill: \(prefillTokens) tokens × \(repeats)")
        var state = model.makeState()
        let prefill = try Timing.measure(repeats: repeats, prepare: { state = model.makeState() }) {
            _ = try model.forward(prompt, state: &state, positions: .last)
        }
        progress("decode: \(decodeTokens) tokens × \(repeats)")
        let decode = try Timing.measure(repeats: repeats, prepare: { state = model.makeState() }) {
            var token = model.config.bosTokenID ?? 0
            for _ in 0..<decodeTokens {
                let logits = try model.forward([token], state: &state, positions: .last)
                token = TokenSampler.argmax(Array(logits.row(0)))
            }
        }
        return Report(prefill: prefill, decode: decode, prefillTokensPerSecond: Double(prefillTokens) / prefill.median,
                      decodeTokensPerSecond: Double(decodeTokens) / decode.median, weightBytesPerToken: model.weightBytesPerToken)
    }
}

extension LlamaModel {
    /// How the matrices are held in memory, e.g. "F32" or "q4_1, q8_0" (quantized GGUF blocks and
    /// quantized model directories are used as stored).
    public var matrixStorage: String {
        let kinds = (blocks.flatMap { [$0.attention.query.weight, $0.feedForward.down.weight] } + [output]).map(\.kind.description)
        return kinds.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: ", ")
    }

    /// Bytes of matrix weights one decoded token streams through (the embedding row lookup aside).
    public var weightBytesPerToken: Int {
        let matrices = blocks.flatMap { block in
            [block.attention.query.weight, block.attention.key.weight, block.attention.value.weight, block.attention.output.weight,
             block.feedForward.gate.weight, block.feedForward.down.weight] + (block.feedForward.up.map { [$0.weight] } ?? [])
        } + [output]
        return matrices.reduce(0) { $0 + $1.byteCount }
    }
}
