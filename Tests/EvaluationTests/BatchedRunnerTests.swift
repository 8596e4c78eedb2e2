import Checkpoints
import Foundation
import Models
import Tensors
import TestSupport
import Testing

@testable import Evaluation

/// A random Llama in GGUF tensor names over the byte tokenizer's 259 tokens.
final class RandomLlamaWeights: TensorSource, @unchecked Sendable {
    static let config = LlamaConfig(
        vocabSize: 259, hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKVHeads: 2,
        rmsNormEps: 1e-5, bosTokenID: 1, eosTokenIDs: [2])
    private var tensors: [String: Tensor] = [:]

    init(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let c = Self.config
        func random(_ shape: [Int], around center: Float = 0) -> Tensor {
            Tensor((0..<shape.reduce(1, *)).map { _ in center + Float.random(in: -0.4...0.4, using: &generator) }, shape: shape)
        }
        tensors["token_embd.weight"] = random([c.vocabSize, c.hiddenSize])
        for n in 0..<c.numLayers {
            let shapes: [(String, [Int], Float)] = [
                ("attn_norm", [c.hiddenSize], 1), ("attn_q", [c.queryWidth, c.hiddenSize], 0),
                ("attn_k", [c.keyValueWidth, c.hiddenSize], 0),
                ("attn_v", [c.keyValueWidth, c.hiddenSize], 0), ("attn_output", [c.hiddenSize, c.queryWidth], 0),
                ("ffn_norm", [c.hiddenSize], 1),
                ("ffn_gate", [c.intermediateSize, c.hiddenSize], 0), ("ffn_up", [c.intermediateSize, c.hiddenSize], 0),
                ("ffn_down", [c.hiddenSize, c.intermediateSize], 0),
            ]
            for (name, shape, center) in shapes { tensors["blk.\(n).\(name).weight"] = random(shape, around: center) }
        }
        tensors["output_norm.weight"] = random([c.hiddenSize], around: 1)
        tensors["output.weight"] = random([c.vocabSize, c.hiddenSize])
    }

    var location: String { "random Llama" }
    var metadata: [String: String] { [:] }
    var tensorInfos: [TensorInfo] {
        tensors.sorted { $0.key < $1.key }.map { TensorInfo(name: $0.key, dtype: $0.value.dtype, shape: $0.value.shape) }
    }

    struct Missing: Error { let name: String }

    func tensor(named name: String) throws -> Tensor {
        guard let tensor = tensors[name] else { throw Missing(name: name) }
        return tensor
    }

    static func model(seed: UInt64 = 3) throws -> LlamaModel {
        try LlamaModel(config: config, weights: RandomLlamaWeights(seed: seed))
    }
}

/// Batched runs (stacked model calls over groups of items) against the unbatched run.
struct BatchedRunnerTests {
    static func runner(batchSize: Int, maxLength: Int? = nil) throws -> EvaluationRunner {
        let scorer = try LanguageModelScorer(model: try RandomLlamaWeights.model(), decoder: ByteTokenizer(), maxLength: maxLength)
        return EvaluationRunner(itemScorer: ItemScorer(tokenizer: ByteTokenizer(), scorer: scorer), batchSize: batchSize)
    }

    static func tasks(_ data: URL) throws -> [LoadedTask] {
        let loader = RunnerFixtures.loader(data: data)
        return [try loader.load("arc_easy", numFewshot: 1, limit: nil), try loader.load("boolq", numFewshot: 1, limit: nil)]
    }

    /// The LLaMA protocol's BoolQ: two request lists per item (conditional and calibration).
    static func calibratedTasks(_ data: URL) throws -> [LoadedTask] {
        let evals = RunnerFixtures.repositoryRoot.appendingPathComponent("evals")
        let loader = TaskLoader(
            definitionsDirectory: ScoringProtocol.llama.definitionsDirectory(in: evals), dataDirectory: data, skipBad: false)
        return [try loader.load("boolq", numFewshot: 0, limit: nil)]
    }

    /// Same items in the same order with the same predictions and metrics; log-likelihoods within 1e-4.
    static func expectSameOutput(_ batched: EvaluationRunner.Output, _ reference: EvaluationRunner.Output) -> Double {
        #expect(batched.samples.count == reference.samples.count)
        var worst = 0.0
        for (ours, theirs) in zip(batched.samples, reference.samples) {
            #expect(ours.task == theirs.task && ours.docIndex == theirs.docIndex && ours.docID == theirs.docID)
            #expect(ours.prediction == theirs.prediction && ours.metrics == theirs.metrics && ours.target == theirs.target)
            #expect(ours.requests.count == theirs.requests.count)
            for (a, b) in zip(ours.requests, theirs.requests) {
                #expect(a.context == b.context && a.continuation == b.continuation && a.isGreedy == b.isGreedy)
                // A missing or NaN log-likelihood must fail, not vanish in `max` (which drops NaN).
                let delta = abs((a.logLikelihood ?? .nan) - (b.logLikelihood ?? .nan))
                #expect(
                    delta.isFinite,
                    "\(ours.task) doc \(ours.docIndex): \(String(describing: a.logLikelihood)) vs \(String(describing: b.logLikelihood))")
                worst = max(worst, delta.isFinite ? delta : .infinity)
            }
        }
        #expect(worst <= 1e-4)
        #expect(batched.tasks.keys.sorted() == reference.tasks.keys.sorted())
        for (name, summary) in reference.tasks { #expect(batched.tasks[name] == summary, "\(name)") }
        return worst
    }

    @Test func aLlamaScorerBatchesAndAMegalodonScorerDoesNot() throws {
        let llama: EvaluationScorer = try LanguageModelScorer(
            model: try RandomLlamaWeights.model(), decoder: ByteTokenizer(), maxLength: nil)
        let megalodon: EvaluationScorer = try LanguageModelScorer(
            model: try RunnerFixtures.model(), decoder: ByteTokenizer(), maxLength: nil)
        #expect(llama is BatchedContextScorer)
        #expect(!(megalodon is BatchedContextScorer))
    }

    @Test(arguments: [2, 5, 16])
    func batchedRunsEqualTheUnbatchedRun(batchSize: Int) throws {
        let data = try RunnerFixtures.dataDirectory()
        var worst = 0.0
        for tasks in [try Self.tasks(data), try Self.calibratedTasks(data)] {
            let reference = try Self.runner(batchSize: 1).run(tasks)
            #expect(reference.samples.count == (tasks.count == 2 ? 12 : 5))
            worst = max(worst, Self.expectSameOutput(try Self.runner(batchSize: batchSize).run(tasks), reference))
        }
        print("batch size \(batchSize): max |Δ ll| \(worst)")
    }

    /// Truncation to a short context sends some groups back to one-by-one scoring inside a batch.
    @Test func truncatedGroupsInsideABatchScoreAsUnbatched() throws {
        let tasks = try Self.tasks(try RunnerFixtures.dataDirectory())
        let reference = try Self.runner(batchSize: 1, maxLength: 40).run(tasks)
        _ = Self.expectSameOutput(try Self.runner(batchSize: 6, maxLength: 40).run(tasks), reference)
    }

    @Test func batchedRunsResumeAndShard() throws {
        let data = try RunnerFixtures.dataDirectory()
        let tasks = try Self.tasks(data)
        let whole = try Self.runner(batchSize: 4).run(tasks)
        // A cache holding some items (as a killed run leaves it): they are reused exactly, the rest scored in batches.
        let cache = try ResumeCache(directory: data.appendingPathComponent("out"), key: "k")
        for index in [0, 2, 3, 9] { try cache.record(whole.samples[index]) }
        let resumed = try Self.runner(batchSize: 4).run(
            tasks, cache: try ResumeCache(directory: data.appendingPathComponent("out"), key: "k"))
        _ = Self.expectSameOutput(resumed, whole)
        // Bit-identical, not just close: a batch with a cached item is still computed whole, so the
        // resumed run stacks exactly the sequences the uninterrupted run stacked.
        #expect(resumed.samples == whole.samples)
        #expect(resumed.tasks == whole.tasks)
        for index in 0..<3 {
            let shard = try Shard(index: index, count: 3)
            let part = try Self.runner(batchSize: 4).run(tasks, shard: shard)
            let expected = whole.samples.filter { $0.docIndex % 3 == index }
            #expect(part.samples.map(\.docIndex) == expected.map(\.docIndex))
            for (a, b) in zip(part.samples, expected) {
                #expect(a.prediction == b.prediction && a.metrics == b.metrics)
                for (x, y) in zip(a.requests, b.requests) { #expect(abs((x.logLikelihood ?? .nan) - (y.logLikelihood ?? .nan)) <= 1e-4) }
            }
        }
    }
}
