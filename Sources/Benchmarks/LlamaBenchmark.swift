import Foundation
import Models
import Tensors

/// Speed of the Llama engine on a real model, shaped like llama.cpp's `llama-bench` so the two
/// can be put side by side: prefill of `prefillTokens` random tokens in one call (pp), and
/// `decodeTokens` tokens generated one call each (tg), each after `depth` random tokens already
/// cached (llama-bench's `-d`; untimed), from an empty state by default.
public struct LlamaBenchmark: Sendable {
    public let model: LlamaModel
    public var repeats = 5
    public var prefillTokens = 512
    public var decodeTokens = 128
    public var depth = 0

    public init(model: LlamaModel) { self.model = model }

    /// The Llama engine of the model at `path` (a GGUF file or a model directory).
    public static func open(_ path: String, arithmetic: QuantizedArithmetic, keyValueCache: KeyValuePrecision = .f32) throws -> LlamaModel {
        guard let engine = try ModelBundle.open(path, arithmetic: arithmetic, keyValueCache: keyValueCache).model as? LlamaModel else {
            throw NotLlama(path: path)
        }
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
        let random = { (count: Int) in (0..<count).map { _ in Int.random(in: 0..<model.config.vocabSize, using: &generator) } }
        let context = random(depth), prompt = random(prefillTokens)
        let after = depth > 0 ? " after \(depth) cached" : ""
        progress("prefill: \(prefillTokens) tokens\(after) × \(repeats)")
        let prefill = try timed(after: context) { state in _ = try model.forward(prompt, state: &state, positions: .last) }
        progress("decode: \(decodeTokens) tokens\(after) × \(repeats)")
        let decode = try timed(after: context) { state in
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

    /// `repeats` timings of `body`, each on a fresh state that has consumed `context` untimed. The
    /// state is made per run, not copied: a copied cache would be duplicated inside the timed call.
    private func timed(after context: [Int], _ body: (inout LlamaState) throws -> Void) throws -> Timing {
        var samples: [Double] = []
        for _ in 0..<max(1, repeats) {
            var state = model.makeState()
            if !context.isEmpty { _ = try model.forward(context, state: &state, positions: .none) }
            samples.append(try Timing.seconds { try body(&state) }.seconds)
        }
        return Timing(samples: samples)
    }
}
