import Checkpoints
import Foundation

/// Perplexity scored the way llama.cpp's `llama-perplexity` does, so the two can be compared:
/// the tokens are cut into whole chunks of `context` tokens, each chunk is evaluated from a fresh
/// state (its first token replaced by BOS when the tokenizer adds one), and only the second half
/// of each chunk is scored: position `i` in `context/2 ..< context-1` predicts token `i + 1`.
/// Log-probabilities follow llama.cpp's rounding (max in f32, the sum of `expf` in f64).
public struct ChunkedPerplexity: Sendable {
    public var context: Int
    /// Chunks to score (nil: every whole chunk).
    public var chunks: Int?
    /// Put in place of each chunk's first token (llama.cpp does this when the vocabulary adds BOS).
    public var beginningOfSequence: Int?

    public init(context: Int = 512, chunks: Int? = nil, beginningOfSequence: Int? = nil) {
        self.context = context
        self.chunks = chunks
        self.beginningOfSequence = beginningOfSequence
    }

    public struct Result: Sendable, Equatable {
        public var negativeLogLikelihood: Double
        public var scoredTokens: Int
        public var perplexity: Double { exp(negativeLogLikelihood / Double(max(1, scoredTokens))) }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case tooFewTokens(have: Int, context: Int)

        public var description: String {
            switch self {
            case let .tooFewTokens(have, context): return "\(have) tokens do not fill one chunk of \(context) (need at least \(context))"
            }
        }
    }

    public func score<Model: LanguageModel>(_ model: Model, tokens: [Int], progress: (Int, Result) -> Void = { _, _ in }) throws -> Result {
        guard context >= 4, tokens.count >= context else { throw Failure.tooFewTokens(have: tokens.count, context: context) }
        let available = tokens.count / context
        let count = min(available, chunks ?? available)
        let first = context / 2
        var result = Result(negativeLogLikelihood: 0, scoredTokens: 0)
        for chunk in 0..<count {
            var window = Array(tokens[chunk * context..<(chunk + 1) * context])
            if let beginningOfSequence { window[0] = beginningOfSequence }
            var state = model.makeState()
            let logits = try model.forward(window, state: &state, positions: .all)
            for position in first..<(context - 1) {
                let target = tokens[chunk * context + position + 1]
                result.negativeLogLikelihood -= Self.logProbability(of: target, in: logits.row(position))
                result.scoredTokens += 1
            }
            progress(chunk + 1, result)
        }
        return result
    }

    /// `log softmax(row)[token]` with llama.cpp's precision choices.
    static func logProbability(of token: Int, in row: ArraySlice<Float>) -> Double {
        let peak = row.max() ?? 0
        var total = 0.0
        for value in row { total += Double(expf(value - peak)) }
        return Double(row[row.startIndex + token] - peak) - log(total)
    }
}
