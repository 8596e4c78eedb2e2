import Foundation
import Models
import TestSupport
import Testing

@testable import Evaluation

/// Generation items: the greedy text, cut at the stop strings, filtered and scored as the task
/// configures. Expectations come from a plain greedy decoder written here (whole sequence re-run at
/// every step, no state reuse) and from hand-worked exact-match values, not from the scorer itself.
struct GenerationRunnerTests {
    static let questions = [
        #"{"question": "What colour is the sky", "question_id": "t0", "answer": {"value": "Blue", "aliases": ["Blue", "blue sky"]}}"#,
        #"{"question": "Who wrote Emma", "question_id": "t1", "answer": {"value": "Jane Austen", "aliases": ["Jane Austen", "Austen"]}}"#,
        #"{"question": "Largest planet", "question_id": "t2", "answer": {"value": "Jupiter", "aliases": ["Jupiter"]}}"#,
    ]

    static func triviaQA(limit: Int? = nil) throws -> LoadedTask {
        let data = try RunnerFixtures.dataDirectory()
        try RunnerFixtures.write(questions, to: data.appendingPathComponent("triviaqa/validation.jsonl"))
        return try RunnerFixtures.loader(data: data).load("triviaqa", numFewshot: 1, limit: limit)
    }

    /// Greedy decoding spelled out: BOS + bytes (ByteTokenizer's ids: byte + 3), the whole sequence run
    /// afresh for each new token, first index of the largest logit, stop at EOS (id 2) or once the
    /// decoded text holds a stop string, then cut at the earliest stop string (lm-eval's
    /// postprocess: split on each stop in turn and keep the head).
    static func plainGreedy(_ model: MegalodonModel, context: String, stops: [String], maxTokens: Int) throws -> String {
        let prompt = [1] + context.utf8.map { Int($0) + 3 }
        var generated: [Int] = []
        func text() -> String { String(decoding: generated.filter { $0 >= 3 }.map { UInt8($0 - 3) }, as: UTF8.self) }
        while generated.count < maxTokens {
            var state = model.makeState()
            let sequence = prompt + generated
            let logits = try model.forward(sequence, state: &state, positions: .all)
            let row = Array(logits.row(sequence.count - 1))
            var best = 0
            for index in row.indices where row[index] > row[best] { best = index }
            if best == 2 { break }
            generated.append(best)
            if stops.contains(where: { text().contains($0) }) { break }
        }
        var result = text()
        for stop in stops { if let range = result.range(of: stop) { result = String(result[..<range.lowerBound]) } }
        return result
    }

    @Test func triviaQAGenerationIsTheGreedyTextCutAtTheStopStrings() throws {
        let task = try Self.triviaQA()
        let model = try RunnerFixtures.model()
        let scorer = try LanguageModelScorer(model: model, decoder: ByteTokenizer(), maxLength: nil)
        let output = try EvaluationRunner(itemScorer: ItemScorer(tokenizer: ByteTokenizer(), scorer: scorer)).run([task])
        #expect(output.samples.count == 3)
        for (sample, item) in zip(output.samples, task.items) {
            guard case let .generation(request, _) = item.work else { Issue.record("not a generation item"); continue }
            // TriviaQA's stop strings (evals/triviaqa.json) and the tokenizer's EOS text.
            #expect(request.until == ["\n", ".", ","] && request.maxGenerationTokens == 256)
            let expected = try Self.plainGreedy(model, context: request.context, stops: ["\n", ".", ",", "</s>"], maxTokens: 256)
            #expect(sample.requests.count == 1 && sample.requests[0].context == request.context)
            #expect(sample.requests[0].generation == expected, "doc \(sample.docIndex)")
        }
    }

    /// Answers the runner with fixed generations so the filters and exact match can be worked by hand.
    struct ScriptedScorer: EvaluationScorer {
        let answers: [String: String]
        func loglikelihood(context: [Int], continuation: [Int]) throws -> (logProbability: Double, isGreedy: Bool) { (0, false) }
        func generate(context: [Int], until: [String], maxNewTokens: Int) throws -> String {
            let text = ByteTokenizer().decode(context)
            return answers.first { text.hasSuffix("Question: \($0.key)?\nAnswer:") }?.value ?? "unscripted"
        }
    }

    @Test func exactMatchIgnoresCaseAndPunctuationAfterRemovingLeadingWhitespace() throws {
        let task = try Self.triviaQA()
        let scorer = ScriptedScorer(answers: [
            "What colour is the sky": "  BLUE SKY!",  // → "BLUE SKY!"; without case and punctuation "blue sky" = alias 2: 1
            "Who wrote Emma": " Jane-Austen",  // → "JaneAusten" once "-" goes; aliases become "Jane Austen", "Austen": 0
            "Largest planet": " jupiter?",  // → "jupiter" = "Jupiter" ignoring case: 1
        ])
        let output = try EvaluationRunner(itemScorer: ItemScorer(tokenizer: ByteTokenizer(), scorer: scorer)).run([task])
        #expect(output.samples.map(\.prediction) == ["BLUE SKY!", "Jane-Austen", "jupiter?"])
        #expect(output.samples.map { $0.metrics["exact_match"] } == [1, 0, 1])
        #expect(output.samples.map(\.references) == [["Blue", "blue sky"], ["Jane Austen", "Austen"], ["Jupiter"]])
        let summary = try #require(output.tasks["triviaqa"])
        #expect(summary.items == 3 && summary.metrics.keys.sorted() == ["exact_match"])
        #expect(summary.metrics["exact_match"]?.value == 2.0 / 3.0)
        // Sample standard error of a mean of (1, 0, 1): sqrt(((1/3)²·2 + (2/3)²) / 2 / 3) = 1/3.
        #expect(abs((summary.metrics["exact_match"]?.stderr ?? 0) - 1.0 / 3.0) <= 1e-12)
    }
}
