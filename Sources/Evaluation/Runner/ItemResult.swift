/// Everything one scored document produced: a line of samples.jsonl and an entry of the resume cache.
public struct ItemResult: Codable, Equatable, Sendable {
    public struct RequestRecord: Codable, Equatable, Sendable {
        /// The exact strings sent (for a log-likelihood, before lm-eval moves trailing context whitespace).
        public var context: String
        public var continuation: String?
        public var logLikelihood: Double?
        public var isGreedy: Bool?
        /// The raw generation, cut at the stop strings.
        public var generation: String?

        enum CodingKeys: String, CodingKey {
            case context, continuation, generation
            case logLikelihood = "loglikelihood", isGreedy = "is_greedy"
        }
    }

    public var task: String
    public var docIndex: Int
    public var docID: String
    public var requests: [RequestRecord]
    /// The chosen option or the filtered generation.
    public var prediction: String
    /// The gold option, or nil when several references count.
    public var target: String?
    public var references: [String]?
    /// Per-item metric values (acc, acc_norm, em, exact_match); corpus-level SCROLLS metrics are
    /// computed from the predictions at aggregation time.
    public var metrics: [String: Double]

    enum CodingKeys: String, CodingKey {
        case task, requests, prediction, target, references, metrics
        case docIndex = "doc_index", docID = "doc_id"
    }
}

/// A scorer that can score several continuations of one context from a shared state.
public protocol SharedContextScorer: EvaluationScorer {
    func loglikelihoods(context: [Int], continuations: [[Int]]) throws -> [(logProbability: Double, isGreedy: Bool)]
}

extension LanguageModelScorer: SharedContextScorer {}

/// Scores one item through a bound tokenizer and scorer, as lm-eval's HF backend would.
public struct ItemScorer {
    public let tokenizer: EvaluationTokenizer
    public let scorer: EvaluationScorer
    /// Results of request lists scored ahead in a batch (`precomputing`), answered without the scorer.
    private var precomputed: [[LoglikelihoodRequest]: [(logProbability: Double, isGreedy: Bool)]] = [:]

    public init(tokenizer: EvaluationTokenizer, scorer: EvaluationScorer) {
        self.tokenizer = tokenizer
        self.scorer = scorer
    }

    /// This scorer with every shared-context request list of `items` scored ahead in stacked model
    /// calls, when the scorer can batch (otherwise itself). Scoring the items then gives what it
    /// would have without batching, up to float rounding of the log-likelihoods.
    public func precomputing(_ items: [EvaluationItem]) throws -> ItemScorer {
        guard let batched = scorer as? BatchedContextScorer else { return self }
        var lists: [[LoglikelihoodRequest]] = [], groups: [SharedContextGroup] = []
        for requests in items.flatMap(\.work.loglikelihoodRequestLists) where !requests.isEmpty {
            let pairs = try requests.map { try EncodedPair.encode($0, with: tokenizer) }
            guard let context = Self.sharedContext(pairs) else { continue }
            lists.append(requests)
            groups.append(SharedContextGroup(context: context, continuations: pairs.map(\.continuation)))
        }
        var prepared = self
        for (requests, results) in zip(lists, try batched.loglikelihoods(groups: groups)) { prepared.precomputed[requests] = results }
        return prepared
    }

    /// The context every pair shares, if they do (one document's choices always do).
    private static func sharedContext(_ pairs: [EncodedPair]) -> [Int]? {
        guard let first = pairs.first, pairs.allSatisfy({ $0.context == first.context }) else { return nil }
        return first.context
    }

    public func score(_ item: EvaluationItem, scoring: TaskScoring, dataset: String?) throws -> ItemResult {
        switch item.work {
        case let .multipleChoice(requests, choices, gold):
            let lls = try loglikelihoods(requests)
            let outcome = MultipleChoiceScoring.score(logLikelihoods: lls.map(\.logProbability), choices: choices, gold: gold)
            var metrics = ["acc": outcome.acc, "acc_norm": outcome.accNorm]
            if case .multipleChoice(reportsExactMatch: true) = scoring { metrics["em"] = outcome.accNorm * 100 }
            return ItemResult(
                task: item.task, docIndex: item.index, docID: item.documentID,
                requests: records(requests, lls), prediction: choices[MultipleChoiceScoring.argmax(lls.map(\.logProbability))],
                target: choices.indices.contains(gold) ? choices[gold] : nil, references: nil, metrics: metrics)
        case let .calibratedChoice(requests, calibration, choices, gold):
            let conditional = try loglikelihoods(requests), unconditioned = try loglikelihoods(calibration)
            let scores = zip(conditional, unconditioned).map { $0.logProbability - $1.logProbability }
            let predicted = MultipleChoiceScoring.argmax(scores)
            return ItemResult(
                task: item.task, docIndex: item.index, docID: item.documentID,
                requests: records(requests, conditional) + records(calibration, unconditioned), prediction: choices[predicted],
                target: choices.indices.contains(gold) ? choices[gold] : nil, references: nil,
                metrics: ["acc": predicted == gold ? 1 : 0])
        case let .yesNo(requests, references):
            let lls = try loglikelihoods(requests)
            let prediction = ScrollsTask.yesNoPrediction(logLikelihoodYes: lls[0].logProbability, logLikelihoodNo: lls[1].logProbability)
            return ItemResult(
                task: item.task, docIndex: item.index, docID: item.documentID, requests: records(requests, lls),
                prediction: prediction, target: nil, references: references, metrics: [:])
        case let .generation(request, references):
            let context = try tokenizer.encode(request.context, addSpecialTokens: true)
            let generation = try scorer.generate(context: context, until: request.until, maxNewTokens: request.maxGenerationTokens)
            var prediction = generation
            var metrics: [String: Double] = [:]
            switch scoring {
            case .exactMatch(let options):
                prediction = ExactMatch.removeWhitespace(generation)
                metrics["exact_match"] = ExactMatch.scoreGeneration(generation, references: references, options: options)
            case .scrolls where dataset == "qasper":
                prediction = ScrollsTask.qasperPrediction(generation: generation)
            default:
                break
            }
            let record = ItemResult.RequestRecord(
                context: request.context, continuation: nil, logLikelihood: nil, isGreedy: nil, generation: generation)
            return ItemResult(
                task: item.task, docIndex: item.index, docID: item.documentID, requests: [record],
                prediction: prediction, target: nil, references: references, metrics: metrics)
        }
    }

    /// All requests of one document; when they share their context tokens (they always do for one
    /// document's choices) and the scorer can, the context is consumed once.
    private func loglikelihoods(_ requests: [LoglikelihoodRequest]) throws -> [(logProbability: Double, isGreedy: Bool)] {
        if let known = precomputed[requests] { return known }
        let pairs = try requests.map { try EncodedPair.encode($0, with: tokenizer) }
        if let shared = scorer as? SharedContextScorer, let context = Self.sharedContext(pairs) {
            return try shared.loglikelihoods(context: context, continuations: pairs.map(\.continuation))
        }
        return try pairs.map { try scorer.loglikelihood(context: $0.context, continuation: $0.continuation) }
    }

    private func records(
        _ requests: [LoglikelihoodRequest], _ lls: [(logProbability: Double, isGreedy: Bool)]
    ) -> [ItemResult.RequestRecord] {
        zip(requests, lls).map {
            ItemResult.RequestRecord(
                context: $0.context, continuation: $0.continuation, logLikelihood: $1.logProbability,
                isGreedy: $1.isGreedy, generation: nil)
        }
    }
}
