import Checkpoints
import Foundation
import Models

/// Perplexity against context length for a streaming model, in the way the official MEGALODON
/// eval.py scores a sequence: BOS first, then every token predicted once, one pass per sequence,
/// PPL = exp(Σ NLL / Σ targets). Logits exist for at most `rowsPerCall` positions at a time, so memory
/// does not grow with L beyond what the model's own state needs.
public struct LongContextPerplexity<Model: LanguageModel> {
    public let stream: StreamingTokenScorer<Model>
    public let beginningOfSequence: Int

    public init(model: Model, beginningOfSequence: Int, rowsPerCall: Int = 256) {
        stream = StreamingTokenScorer(model: model, rowsPerCall: rowsPerCall)
        self.beginningOfSequence = beginningOfSequence
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case corpusTooShort(tokens: Int, shortestContext: Int)
        case badContext(Int)

        public var description: String {
            switch self {
            case let .corpusTooShort(tokens, shortest):
                return "the corpus has \(tokens) tokens, fewer than the shortest context \(shortest)"
            case let .badContext(length): return "context lengths must be at least 1, got \(length)"
            }
        }
    }

    /// The contexts that fit in `available` tokens, and the common budget: the largest multiple of
    /// the longest fitting context not above `available`, so every L scores the same tokens.
    public static func plan(contexts: [Int], available: Int) throws -> (contexts: [Int], budget: Int) {
        if let bad = contexts.first(where: { $0 < 1 }) { throw Failure.badContext(bad) }
        let fitting = Array(Set(contexts.filter { $0 <= available })).sorted()
        guard let longest = fitting.last else {
            throw Failure.corpusTooShort(tokens: available, shortestContext: contexts.min() ?? 0)
        }
        return (fitting, available / longest * longest)
    }

    /// Summed NLL of one sequence scored from a fresh state: inputs BOS + tokens[..<last], targets tokens.
    public func negativeLogLikelihood(of tokens: ArraySlice<Int>, observe: (Double) -> Void = { _ in }) throws -> Double {
        guard !tokens.isEmpty else { return 0 }
        var state = stream.model.makeState()
        var total = 0.0
        let record = { (logProbability: Double, _: Bool) in
            total -= logProbability
            observe(-logProbability)
        }
        // BOS, then the sequence itself as input: slices, never a copy of an L-token array.
        try stream.score(inputs: [beginningOfSequence][...], targets: tokens.prefix(1), state: &state, observe: record)
        try stream.score(inputs: tokens.dropLast(), targets: tokens.dropFirst(), state: &state, observe: record)
        return total
    }

    /// PPL(L) for each context over `tokens[..<budget]` cut into budget / L segments.
    public func segmentCurve(
        tokens: [Int], contexts: [Int], budget: Int,
        progress: (Int) -> Void = { _ in }
    ) throws -> [PerplexityReport.SegmentPoint] {
        try contexts.map { length in
            let count = budget / length
            var total = 0.0
            for segment in 0..<count {
                total += try negativeLogLikelihood(of: tokens[(segment * length)..<((segment + 1) * length)])
                progress(length)
            }
            let targets = count * length
            return .init(
                contextLength: length, segments: count, targets: targets,
                meanNLL: total / Double(targets), perplexity: exp(total / Double(targets)))
        }
    }

    /// One pass over the first max(contexts) tokens; the point for L is the mean NLL of the first L targets.
    public func cumulativeCurve(
        tokens: [Int], contexts: [Int], progress: (Int) -> Void = { _ in }
    ) throws -> [PerplexityReport.CumulativePoint] {
        let lengths = Array(Set(contexts)).sorted()
        guard let longest = lengths.last, longest <= tokens.count else {
            throw Failure.corpusTooShort(tokens: tokens.count, shortestContext: lengths.last ?? 0)
        }
        var points: [PerplexityReport.CumulativePoint] = []
        var total = 0.0, seen = 0
        var next = 0
        _ = try negativeLogLikelihood(of: tokens[..<longest]) { nll in
            total += nll
            seen += 1
            if seen % 256 == 0 { progress(256) }
            if next < lengths.count, seen == lengths[next] {
                points.append(.init(contextLength: seen, meanNLL: total / Double(seen), perplexity: exp(total / Double(seen))))
                next += 1
            }
        }
        progress(seen % 256)
        return points
    }
}

/// lm-eval's rolling perplexity over whole documents with word and byte normalisation.
public enum RollingPerplexity {
    public static func measure(
        documents: [String], tokenizer: EvaluationTokenizer, scorer: EvaluationScorer,
        maxLength: Int
    ) throws -> PerplexityReport.Rolling {
        var perDocument: [Perplexity.Document] = []
        var tokens = 0
        for text in documents {
            let logLikelihood = try RequestScoring.rollingLoglikelihood(text, tokenizer: tokenizer, scorer: scorer, maxLength: maxLength)
            tokens += try tokenizer.encode(text, addSpecialTokens: true).count
            perDocument.append(Perplexity.document(text: text, logLikelihood: logLikelihood))
        }
        let total = perDocument.reduce(0) { $0 + $1.logLikelihood }
        return .init(
            maxLength: maxLength, documents: documents.count, tokens: tokens, logLikelihood: total,
            tokenPerplexity: exp(-total / Double(max(tokens, 1))),
            wordPerplexity: Perplexity.wordPerplexity(perDocument), bytePerplexity: Perplexity.bytePerplexity(perDocument),
            bitsPerByte: Perplexity.bitsPerByte(perDocument))
    }
}
