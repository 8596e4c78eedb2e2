/// A `loglikelihood` request: score `continuation` after `context` (both plain text).
public struct LoglikelihoodRequest: Hashable, Sendable {
    public var context: String
    public var continuation: String
    public init(context: String, continuation: String) { self.context = context; self.continuation = continuation }
}

/// A `generate_until` request: greedy decoding from `context`, cut at the first of `until`
/// (the runner adds the model's EOS string, as lm-eval does) or after `maxGenerationTokens`.
public struct GenerationRequest: Equatable, Sendable {
    public var context: String
    public var until: [String]
    public var maxGenerationTokens: Int
    public init(context: String, until: [String], maxGenerationTokens: Int) {
        self.context = context
        self.until = until
        self.maxGenerationTokens = maxGenerationTokens
    }
}

/// Everything one eval document asks of the model, and what its answer is scored against.
public enum DocumentRequests: Equatable, Sendable {
    /// One loglikelihood per choice; `choices` are the raw options (their lengths feed `acc_norm`).
    case multipleChoice(requests: [LoglikelihoodRequest], choices: [String], gold: Int)
    /// Multiple choice scored against a calibration: each choice's log-likelihood after the prompt
    /// minus its log-likelihood after the calibration context (`calibration`, one request per choice).
    case calibratedChoice(requests: [LoglikelihoodRequest], calibration: [LoglikelihoodRequest], choices: [String], gold: Int)
    /// One generation scored against every reference.
    case generation(GenerationRequest, references: [String])
}
