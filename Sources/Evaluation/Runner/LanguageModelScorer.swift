import Checkpoints
import Models

/// What generation needs from a tokenizer besides encoding: turning ids back into text and the
/// end-of-sequence token.
public protocol EvaluationTextDecoder {
    func decode(_ ids: [Int]) -> String
    var endOfSequenceTokenID: Int? { get }
    /// The EOS token's text, which lm-eval adds to every task's stop strings.
    var endOfSequenceText: String? { get }
}

/// Binds a `LanguageModel` to the harness: log-likelihoods of continuations and greedy generation,
/// with lm-eval's left truncation to `maxLength` tokens, or none (`maxLength == nil`), which suits a
/// model whose memory does not grow with the context, such as MEGALODON.
public final class LanguageModelScorer<Model: LanguageModel>: EvaluationScorer {
    public let model: Model
    public let decoder: EvaluationTextDecoder
    public let maxLength: Int?
    let stream: StreamingTokenScorer<Model>

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case continuationLongerThanContext(continuation: Int, maxLength: Int)
        case maxLengthTooSmall(Int)

        public var description: String {
            switch self {
            case let .continuationLongerThanContext(continuation, maxLength):
                return "a continuation of \(continuation) tokens does not fit the model context of \(maxLength) tokens"
            case let .maxLengthTooSmall(length): return "the model context must be at least 1 token, got \(length)"
            }
        }
    }

    public init(model: Model, decoder: EvaluationTextDecoder, maxLength: Int?, rowsPerCall: Int = 512) throws {
        if let maxLength, maxLength < 1 { throw Failure.maxLengthTooSmall(maxLength) }
        self.model = model
        self.decoder = decoder
        self.maxLength = maxLength
        self.stream = StreamingTokenScorer(model: model, rowsPerCall: rowsPerCall)
    }

    /// lm-eval's `_loglikelihood_tokens` for one request: the input is `(context + continuation)`
    /// left-truncated to `maxLength + 1` tokens minus the last; the last `continuation.count`
    /// predictions are scored.
    public func loglikelihood(context: [Int], continuation: [Int]) throws -> (logProbability: Double, isGreedy: Bool) {
        guard !context.isEmpty else { throw ScorerError.emptyContext }
        let whole = context + continuation
        let kept = maxLength.map { whole.suffix($0 + 1) } ?? whole[...]
        guard kept.count > continuation.count else {
            throw Failure.continuationLongerThanContext(continuation: continuation.count, maxLength: maxLength ?? 0)
        }
        let inputs = kept.dropLast(), targets = kept.dropFirst()
        let unscored = inputs.count - continuation.count
        var state = model.makeState()
        try stream.advance(inputs.prefix(unscored), state: &state)
        return try stream.sum(inputs: inputs.dropFirst(unscored), targets: targets.dropFirst(unscored), state: &state)
    }

    /// Every continuation of one context, with the context consumed once: its tokens but the last go
    /// into one state, and each continuation is scored from a copy of it. When truncation would cut
    /// the pairs differently, each is scored on its own, as lm-eval would.
    public func loglikelihoods(context: [Int], continuations: [[Int]]) throws -> [(logProbability: Double, isGreedy: Bool)] {
        guard let last = context.last else { throw ScorerError.emptyContext }
        if let maxLength, continuations.contains(where: { context.count + $0.count > maxLength + 1 }) {
            return try continuations.map { try loglikelihood(context: context, continuation: $0) }
        }
        var shared = model.makeState()
        try stream.advance(context.dropLast()[...], state: &shared)
        return try continuations.map { continuation in
            var state = shared
            return try stream.sum(inputs: ([last] + continuation.dropLast())[...], targets: continuation[...], state: &state)
        }
    }

    /// lm-eval's greedy `generate_until`: the context left-truncated to `maxLength - maxNewTokens`,
    /// the task's stop strings plus the EOS text, generation ending at EOS, at a stop string or after
    /// `maxNewTokens` tokens; the text is cut before the first stop string.
    public func generate(context: [Int], until: [String], maxNewTokens: Int) throws -> String {
        let prompt =
            try maxLength.map {
                try GenerationHandling.generationContext(context, maxLength: $0, maxGenerationTokens: maxNewTokens)
            } ?? context
        guard !prompt.isEmpty else { throw ScorerError.emptyContext }
        let stops = GenerationHandling.stopSequences(until: until, eos: decoder.endOfSequenceText)
        var generated: [Int] = []
        var text = ""
        var greedy = TokenSampler(options: SamplingOptions(), seed: 0)
        try TokenGeneration.run(model, prompt: prompt, maxNewTokens: maxNewTokens, sampler: &greedy) { token in
            if token == decoder.endOfSequenceTokenID { return true }
            generated.append(token)
            text = decoder.decode(generated)
            return stops.contains { !$0.isEmpty && text.contains($0) }
        }
        return GenerationHandling.cut(text, at: stops)
    }
}
