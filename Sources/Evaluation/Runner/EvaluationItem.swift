/// One document's work in evaluation order: its requests and what they are scored against.
public struct EvaluationItem: Equatable, Sendable {
    public enum Work: Equatable, Sendable {
        /// One log-likelihood per choice (ARC, BoolQ, QuALITY, ContractNLI).
        case multipleChoice(requests: [LoglikelihoodRequest], choices: [String], gold: Int)
        /// P(choice | prompt) / P(choice | calibration context) per choice (LLaMA-protocol BoolQ).
        case calibratedChoice(requests: [LoglikelihoodRequest], calibration: [LoglikelihoodRequest], choices: [String], gold: Int)
        /// Qasper's yes/no documents: the " yes" and " no" log-likelihoods decide the prediction.
        case yesNo(requests: [LoglikelihoodRequest], references: [String])
        /// Greedy generation scored against every reference.
        case generation(GenerationRequest, references: [String])
    }

    public var task: String
    /// Position in the task's evaluation order (0-based); shards and the resume cache key on it.
    public var index: Int
    public var documentID: String
    public var work: Work
}

extension EvaluationItem.Work {
    /// The log-likelihood request lists of this document, each scored together (none for generation).
    var loglikelihoodRequestLists: [[LoglikelihoodRequest]] {
        switch self {
        case let .multipleChoice(requests, _, _), let .yesNo(requests, _): return [requests]
        case let .calibratedChoice(requests, calibration, _, _): return [requests, calibration]
        case .generation: return []
        }
    }
}

/// How a task turns item results into its reported metrics.
public enum TaskScoring: Equatable, Sendable {
    /// acc and acc_norm per item, mean and stderr; SCROLLS also reports em = acc_norm × 100.
    case multipleChoice(reportsExactMatch: Bool)
    /// lm-eval's exact_match per generation (TriviaQA).
    case exactMatch(TaskDefinition.ExactMatchOptions)
    /// The official SCROLLS metric over the whole split's predictions.
    case scrolls(ScrollsMetric.Kind)
}
