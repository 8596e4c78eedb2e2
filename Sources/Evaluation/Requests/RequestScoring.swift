/// Runs requests through a bound tokenizer and scorer the way lm-eval's HF backend does; the runner
/// supplies the model, this supplies the harness's tokenisation and windowing.
public enum RequestScoring {
    /// Summed log-likelihood of one request's continuation.
    public static func loglikelihood(
        _ request: LoglikelihoodRequest, tokenizer: EvaluationTokenizer,
        scorer: EvaluationScorer
    ) throws -> (logProbability: Double, isGreedy: Bool) {
        let pair = try EncodedPair.encode(request, with: tokenizer)
        return try scorer.loglikelihood(context: pair.context, continuation: pair.continuation)
    }

    /// `loglikelihood_rolling`: the whole text, tokenised with the tokenizer's default special tokens
    /// (as lm-eval's `tok_encode(string)`; for a BOS-adding tokenizer the first window also scores
    /// that BOS), cut into disjoint windows of `maxLength`, log-likelihoods summed.
    public static func rollingLoglikelihood(
        _ text: String, tokenizer: EvaluationTokenizer, scorer: EvaluationScorer,
        maxLength: Int
    ) throws -> Double {
        let tokens = try tokenizer.encode(text, addSpecialTokens: true)
        var total = 0.0
        for window in try RollingWindows.windows(tokens: tokens, prefixToken: tokenizer.prefixTokenID, maxLength: maxLength) {
            total += try scorer.loglikelihood(context: window.context, continuation: window.predicted).logProbability
        }
        return total
    }
}
