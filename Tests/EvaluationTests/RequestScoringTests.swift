import Testing

@testable import Evaluation

/// A scorer that records what it is asked and gives each continuation token log-probability -1.
final class RecordingScorer: EvaluationScorer {
    var calls: [(context: [Int], continuation: [Int])] = []

    func loglikelihood(context: [Int], continuation: [Int]) throws -> (logProbability: Double, isGreedy: Bool) {
        calls.append((context, continuation))
        return (-Double(continuation.count), false)
    }

    func generate(context: [Int], until: [String], maxNewTokens: Int) throws -> String { "" }
}

struct RequestScoringTests {
    @Test func loglikelihoodScoresTheEncodedPair() throws {
        let scorer = RecordingScorer()
        let request = LoglikelihoodRequest(context: "Question: x\nAnswer: ", continuation: "yes")
        let result = try RequestScoring.loglikelihood(request, tokenizer: ToyTokenizer(), scorer: scorer)
        let pair = try EncodedPair.encode(request, with: ToyTokenizer())
        #expect(scorer.calls.count == 1)
        #expect(scorer.calls[0].context == pair.context && scorer.calls[0].continuation == pair.continuation)
        #expect(result.logProbability == -Double(pair.continuation.count))
    }

    @Test func rollingScoresEveryTokenOnceInDisjointWindows() throws {
        let scorer = RecordingScorer()
        let text = "one two three four five six seven"
        let total = try RequestScoring.rollingLoglikelihood(text, tokenizer: ToyTokenizer(), scorer: scorer, maxLength: 3)
        let tokens = try ToyTokenizer().encode(text, addSpecialTokens: true)
        #expect(total == -Double(tokens.count))
        #expect(scorer.calls.flatMap(\.continuation) == tokens)
        let windows = try RollingWindows.windows(tokens: tokens, prefixToken: 1, maxLength: 3)
        #expect(scorer.calls.map(\.context) == windows.map(\.context))
        #expect(throws: RollingWindows.WindowError.maxLengthTooSmall(0)) {
            try RollingWindows.windows(tokens: tokens, prefixToken: 1, maxLength: 0)
        }
    }

    @Test func tokenSpanningTheJoinIsATypedError() throws {
        // "Answer:ye" + "s" tokenises as one piece, as "Answer:ye" does: nothing is left past the context.
        let request = LoglikelihoodRequest(context: "Answer:ye", continuation: "s")
        #expect(throws: EncodedPair.EncodingError.self) { try EncodedPair.encode(request, with: ToyTokenizer()) }
    }
}
