import Foundation
import Models
import Tensors
import Testing

@testable import Evaluation

/// The model binding on a random-weight MEGALODON model: scores from copied states and streamed
/// chunks equal one plain forward pass over the whole sequence.
struct ModelScorerTests {
    @Test func choicesScoredFromACopiedStateEqualWholeSequencesFromScratch() throws {
        let model = try RunnerFixtures.model()
        let scorer = try LanguageModelScorer(model: model, decoder: ByteTokenizer(), maxLength: nil, rowsPerCall: 7)
        let tokenizer = ByteTokenizer()
        let context = try tokenizer.encode("Question: which of these is a planet, seen on a clear night?\nAnswer:", addSpecialTokens: true)
        let continuations = try [" Mars", " a comet that passes by", " the Moon", " x"].map {
            try tokenizer.encode($0, addSpecialTokens: false)
        }
        let shared = try scorer.loglikelihoods(context: context, continuations: continuations)
        for (continuation, result) in zip(continuations, shared) {
            let reference = try RunnerFixtures.referenceLogLikelihood(
                model: model, sequence: context + continuation, scoredFrom: context.count)
            let single = try scorer.loglikelihood(context: context, continuation: continuation)
            #expect(abs(result.logProbability - reference) <= 1e-4)
            #expect(abs(single.logProbability - reference) <= 1e-4)
            #expect(result.isGreedy == single.isGreedy)
        }
    }

    @Test func truncationKeepsTheLastMaxLengthPlusOneTokensAsLMEvalDoes() throws {
        let model = try RunnerFixtures.model()
        let scorer = try LanguageModelScorer(model: model, decoder: ByteTokenizer(), maxLength: 20)
        let context = Array(10..<50), continuation = [70, 71, 72]
        let kept = Array((context + continuation).suffix(21))
        let reference = try RunnerFixtures.referenceLogLikelihood(model: model, sequence: kept, scoredFrom: kept.count - continuation.count)
        let truncated = try scorer.loglikelihood(context: context, continuation: continuation)
        let viaShared = try scorer.loglikelihoods(context: context, continuations: [continuation])
        #expect(abs(truncated.logProbability - reference) <= 1e-4)
        #expect(abs(viaShared[0].logProbability - reference) <= 1e-4)
        let untruncated = try LanguageModelScorer(model: model, decoder: ByteTokenizer(), maxLength: nil)
            .loglikelihood(context: context, continuation: continuation)
        #expect(abs(untruncated.logProbability - truncated.logProbability) > 1e-6)
    }

    @Test func greedyGenerationFollowsTheArgmaxAndStopsAtStopStrings() throws {
        let model = try RunnerFixtures.model()
        let tokenizer = ByteTokenizer()
        let scorer = try LanguageModelScorer(model: model, decoder: tokenizer, maxLength: nil)
        let context = try tokenizer.encode("Question: name a colour\nAnswer:", addSpecialTokens: true)
        // Reference: the argmax chain written out with one forward call over the growing sequence each time.
        var sequence = context
        for _ in 0..<12 {
            var state = model.makeState()
            let logits = try model.forward(sequence, state: &state, positions: .last)
            sequence.append(TokenSampler.argmax(Array(logits.row(0))))
        }
        let produced = Array(sequence[context.count...])
        let expected = tokenizer.decode(Array(produced.prefix { $0 != 2 }))
        #expect(try scorer.generate(context: context, until: [], maxNewTokens: 12) == expected)
        // A stop string cuts the text before its first occurrence, as lm-eval's postprocessing does.
        let scalars = Array(expected.unicodeScalars)
        if scalars.count >= 3 {
            let stop = String(String.UnicodeScalarView(scalars[2...2]))
            let cut = String(expected[..<expected.range(of: stop)!.lowerBound])
            #expect(try scorer.generate(context: context, until: [stop], maxNewTokens: 12) == cut)
        }
        print("greedy generation of the random model: \(produced)")
    }

    @Test func streamedPerplexityEqualsOneForwardPass() throws {
        let model = try RunnerFixtures.model(chunk: 64)
        var generator = SplitMix64(seed: 11)
        let tokens = (0..<2500).map { _ in Int.random(in: 3..<259, using: &generator) }
        let perplexity = LongContextPerplexity(model: model, beginningOfSequence: 1, rowsPerCall: 100)
        for document in [tokens[0..<37], tokens[37..<600], tokens[...]] {
            let streamed = try perplexity.negativeLogLikelihood(of: document)
            let reference = -(try RunnerFixtures.referenceLogLikelihood(model: model, sequence: [1] + document, scoredFrom: 1))
            #expect(abs(streamed - reference) <= 1e-4 * max(1, abs(reference)), "document of \(document.count) tokens")
        }
    }

    @Test func cumulativeCurveEndsAtTheSingleSegmentPerplexity() throws {
        let model = try RunnerFixtures.model(chunk: 32)
        var generator = SplitMix64(seed: 12)
        let tokens = (0..<700).map { _ in Int.random(in: 3..<259, using: &generator) }
        let perplexity = LongContextPerplexity(model: model, beginningOfSequence: 1, rowsPerCall: 50)
        let (contexts, budget) = try LongContextPerplexity<MegalodonModel>.plan(
            contexts: [64, 128, 256, 512, 4096], available: tokens.count)
        #expect(contexts == [64, 128, 256, 512] && budget == 512)
        let curve = try perplexity.segmentCurve(tokens: tokens, contexts: contexts, budget: budget)
        let cumulative = try perplexity.cumulativeCurve(tokens: tokens, contexts: contexts)
        #expect(curve.map(\.segments) == [8, 4, 2, 1] && curve.allSatisfy { $0.targets == 512 })
        #expect(cumulative.map(\.contextLength) == contexts)
        let last = try #require(cumulative.last), single = try #require(curve.last)
        #expect(abs(last.perplexity - single.perplexity) <= 1e-9 * single.perplexity)
        // The first cumulative point is the first 64-token segment alone.
        let first64 = try perplexity.negativeLogLikelihood(of: tokens[0..<64]) / 64
        #expect(abs(cumulative[0].meanNLL - first64) <= 1e-12)
    }
}

struct CorpusTokensTests {
    @Test func aBoundedStreamIsThePrefixOfTheWholeStream() throws {
        let line = "And God called the dry land Earth; and the gathering together of the waters called he Seas.\n"
        let documents = [String(repeating: line, count: 40), "Short second document.\n", String(repeating: "Verse two.\n", count: 300)]
        let whole = try CorpusTokens.stream(documents, tokenizer: ToyTokenizer(), limit: nil)
        #expect(whole == (try documents.flatMap { try ToyTokenizer().encode($0, addSpecialTokens: false) }))
        for limit in [1, 10, 150, whole.count - 5, whole.count, whole.count + 100] {
            #expect(
                try CorpusTokens.stream(documents, tokenizer: ToyTokenizer(), limit: limit) == Array(whole.prefix(limit)), "limit \(limit)")
        }
    }
}
