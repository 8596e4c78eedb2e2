import Foundation
import TestSupport
import Testing

@testable import Evaluation

/// Per-item scores of our evaluation path (`EvaluationModel.open` + the item scorer `megalodon-eval
/// run` uses) against a reference implementation's on the same requests: every log-likelihood within
/// 1e-2, the same is_greedy, prediction, acc and acc_norm. A reference is a fixture in one schema
/// ({"reference", "model": {file, sha256}, "tasks": {key: {"num_fewshot", "items": [{doc_id,
/// loglikelihoods, is_greedy, acc, acc_norm?, continuation_tokens?}]}}}; a few-shot key is
/// "<task>_<n>shot") plus the model our side loads; adding one is one line in `references`.
/// Release-only in practice: it runs a 135M-parameter model over a few hundred documents.
struct ScoreParityTests {
    struct Reference: CustomTestStringConvertible, Sendable {
        var fixture: String
        /// What our side opens, as `megalodon-eval run --model` would.
        var model: String
        var testDescription: String { fixture }
    }

    static let references = [
        // llama.cpp on the F32 requantization of the released Q4_1 file, i.e. the values our engine
        // dequantizes this file to (scripts/oracles/eval_scores_llamacpp.py checks that bit for bit).
        Reference(fixture: "smollm2_scores_llamacpp.json", model: SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf")),
        // lm-eval 0.4.13's own Hugging Face backend (torch, float32) on a directory megalodon-convert
        // dequantized from the same file (scripts/oracles/eval_scores_hf.py): the same values again.
        Reference(fixture: "smollm2_scores_hf.json", model: SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf")),
    ]

    static let tolerance = 1e-2
    static let dataRoot = SharedFiles.shared("data")

    @Test(.requires(.smolLM2, .sharedData("data/arc_easy")), arguments: references)
    func scoresMatchReference(_ reference: Reference) throws {
        let fixture = try loadFixture(reference.fixture)
        let tasks = try #require(fixture["tasks"] as? [String: Any])
        // Both references computed in float on the dequantized weights, so ours runs the stored blocks
        // with float arithmetic too (the default integer kernels round activations to 8 bits, as
        // llama.cpp's own quantized path does).
        let model = try EvaluationModel.open(reference.model, arithmetic: .float)
        let scorer = try model.itemScorer(maxLength: 4096)
        let loader = TaskLoader(
            definitionsDirectory: RunnerFixtures.repositoryRoot.appendingPathComponent("evals"), dataDirectory: Self.dataRoot)
        for key in tasks.keys.sorted() {
            let setting = try #require(tasks[key] as? [String: Any])
            let shots = try #require(setting["num_fewshot"] as? Int)
            let records = try #require(setting["items"] as? [[String: Any]])
            let task = shots == 0 ? key : String(key.dropLast("_\(shots)shot".count))
            let ids = try records.map { try #require($0["doc_id"] as? Int) }
            let loaded = try loader.load(task, numFewshot: shots, limit: (ids.max() ?? 0) + 1)
            var agreement = Agreement()
            for (record, id) in zip(records, ids) {
                let result = try scorer.score(loaded.items[id], scoring: loaded.scoring, dataset: loaded.definition.dataset)
                try agreement.compare(result, with: record, tokenizer: model.tokenizer, label: "\(key) doc \(id)")
            }
            #expect(agreement.items == records.count && agreement.items > 0)
            print("\(reference.fixture) \(key): \(agreement.summary)")
        }
    }

    /// Running comparison of one task's items.
    struct Agreement {
        var items = 0, sameGreedy = 0, samePrediction = 0, sameAcc = 0, sameAccNorm = 0, accNormItems = 0, sameTokens = 0
        var maxDelta = 0.0

        mutating func compare(_ result: ItemResult, with record: [String: Any], tokenizer: TokenizerBinding, label: String) throws {
            let expected = try #require(record["loglikelihoods"] as? [Double])
            let greedy = try #require(record["is_greedy"] as? [Bool])
            let ours = result.requests.compactMap(\.logLikelihood)
            try #require(ours.count == expected.count, "\(label): \(ours.count) choices, reference \(expected.count)")
            let delta = zip(ours, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(delta <= ScoreParityTests.tolerance, "\(label): |Δ loglikelihood| \(delta)")
            maxDelta = max(maxDelta, delta)
            items += 1
            Self.check(result.requests.compactMap(\.isGreedy) == greedy, &sameGreedy, "\(label): is_greedy")
            Self.check(
                MultipleChoiceScoring.argmax(ours) == MultipleChoiceScoring.argmax(expected), &samePrediction, "\(label): prediction")
            Self.check(result.metrics["acc"] == (record["acc"] as? Int).map(Double.init), &sameAcc, "\(label): acc")
            if let accNorm = record["acc_norm"] as? Int {
                accNormItems += 1
                Self.check(result.metrics["acc_norm"] == Double(accNorm), &sameAccNorm, "\(label): acc_norm")
            }
            if let tokens = record["continuation_tokens"] as? [[Int]] {
                let requests = result.requests.map { LoglikelihoodRequest(context: $0.context, continuation: $0.continuation ?? "") }
                let encoded = try requests.map { try EncodedPair.encode($0, with: tokenizer).continuation }
                Self.check(encoded == tokens, &sameTokens, "\(label): continuation tokens")
            }
        }

        private static func check(_ condition: Bool, _ counter: inout Int, _ label: String) {
            #expect(condition, "\(label) differs")
            if condition { counter += 1 }
        }

        var summary: String {
            "\(items) items, max |Δ loglikelihood| \(String(format: "%.2e", maxDelta)); same is_greedy \(sameGreedy)/\(items), "
                + "prediction \(samePrediction)/\(items), acc \(sameAcc)/\(items), acc_norm \(sameAccNorm)/\(accNormItems), "
                + "continuation tokens \(sameTokens)/\(items)"
        }
    }
}
