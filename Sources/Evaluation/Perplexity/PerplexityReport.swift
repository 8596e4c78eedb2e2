import Foundation

/// Long-context perplexity of one model on one corpus (the paper's Figure 5 and its companions).
public struct PerplexityReport: Codable, Equatable, Sendable {
    /// PPL(L): the budget cut into consecutive L-token segments, each scored from a fresh state.
    public struct SegmentPoint: Codable, Equatable, Sendable {
        public var contextLength: Int
        public var segments: Int
        public var targets: Int
        public var meanNLL: Double
        public var perplexity: Double

        enum CodingKeys: String, CodingKey {
            case segments, targets, perplexity
            case contextLength = "context_length", meanNLL = "mean_nll"
        }
    }

    /// One pass over the first tokens: the mean NLL of the first L targets, for each L.
    public struct CumulativePoint: Codable, Equatable, Sendable {
        public var contextLength: Int
        public var meanNLL: Double
        public var perplexity: Double

        enum CodingKeys: String, CodingKey { case perplexity, contextLength = "context_length", meanNLL = "mean_nll" }
    }

    /// lm-eval's `loglikelihood_rolling` (disjoint windows of `maxLength`), per document summed.
    public struct Rolling: Codable, Equatable, Sendable {
        public var maxLength: Int
        public var documents: Int
        public var tokens: Int
        public var logLikelihood: Double
        public var tokenPerplexity: Double
        public var wordPerplexity: Double
        public var bytePerplexity: Double
        public var bitsPerByte: Double

        enum CodingKeys: String, CodingKey {
            case documents, tokens
            case maxLength = "max_length", logLikelihood = "loglikelihood", tokenPerplexity = "token_perplexity"
            case wordPerplexity = "word_perplexity", bytePerplexity = "byte_perplexity", bitsPerByte = "bits_per_byte"
        }
    }

    /// Names of the text files, in stream order.
    public var corpus: [String]
    /// Tokens of the stream read (the whole corpus, or its first --max-tokens), and the budget every
    /// segment length covers.
    public var corpusTokens: Int
    public var budget: Int
    public var segments: [SegmentPoint]
    public var cumulative: [CumulativePoint]
    public var rolling: Rolling?

    public init(
        corpus: [String], corpusTokens: Int, budget: Int, segments: [SegmentPoint], cumulative: [CumulativePoint], rolling: Rolling?
    ) {
        self.corpus = corpus
        self.corpusTokens = corpusTokens
        self.budget = budget
        self.segments = segments
        self.cumulative = cumulative
        self.rolling = rolling
    }

    enum CodingKeys: String, CodingKey {
        case corpus, budget, segments, cumulative, rolling
        case corpusTokens = "corpus_tokens"
    }

    /// The curve tables and plots show: the segment curve, or the one-pass cumulative curve when no
    /// segments were scored (`--no-segments`, e.g. a 7B model where every extra pass costs an hour).
    public var shownCurve: (points: [(contextLength: Int, perplexity: Double)], onePass: Bool) {
        segments.isEmpty
            ? (cumulative.map { ($0.contextLength, $0.perplexity) }, true)
            : (segments.map { ($0.contextLength, $0.perplexity) }, false)
    }
}
