/// What a runner must bind to a model so these tasks can be scored. Kept free of any model type so
/// the tasks, requests and metrics can be tested on their own.
public protocol EvaluationTokenizer {
    /// Token ids of `text`; `addSpecialTokens` adds what the tokenizer adds by default (BOS for Llama).
    func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int]
    /// lm-eval's `prefix_token_id`: BOS if the model has one, else EOS.
    var prefixTokenID: Int { get }
}

/// The scoring side: log-probabilities and greedy generation over token ids.
public protocol EvaluationScorer {
    /// Sum of log p(continuation | context) over the continuation tokens, and whether every
    /// continuation token was the argmax (lm-eval's `is_greedy`).
    func loglikelihood(context: [Int], continuation: [Int]) throws -> (logProbability: Double, isGreedy: Bool)
    /// Greedy text after `context`, stopping at the first of `until` or after `maxNewTokens` tokens.
    func generate(context: [Int], until: [String], maxNewTokens: Int) throws -> String
}
