import Foundation
import Models
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

    /// The Llama engine of the model at `path` (a GGUF file or a model directory).
    public static func open(_ path: String, arithmetic: QuantizedArithmetic) throws -> LlamaModel {
        guard let engine = try ModelBundle.open(path, arithmetic: arithmetic).model as? LlamaModel else { throw NotLlama(path: path) }
        return engine
    }

    public struct NotLlama: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path) is not a Llama model" }
    }

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
        return Report(
            prefill: prefill, decode: decode, prefillTokensPerSecond: Double(prefillTokens) / prefill.median,
            decodeTokensPerSecond: Double(decodeTokens) / decode.median, weightBytesPerToken: model.weightBytesPerToken)
    }
}
