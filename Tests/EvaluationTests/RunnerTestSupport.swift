import Foundation
import Models
import TestSupport

@testable import Evaluation

/// Bytes as tokens (id = byte + 3; 1 = BOS, 2 = EOS): a real, invertible tokenizer small enough for a
/// random-weight model with a 259-token vocabulary.
struct ByteTokenizer: EvaluationTokenizer, EvaluationTextDecoder {
    var prefixTokenID: Int { 1 }
    var endOfSequenceTokenID: Int? { 2 }
    var endOfSequenceText: String? { "</s>" }

    func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        (addSpecialTokens ? [1] : []) + text.utf8.map { Int($0) + 3 }
    }

    func decode(_ ids: [Int]) -> String {
        String(decoding: ids.filter { $0 >= 3 }.map { UInt8($0 - 3) }, as: UTF8.self)
    }
}

enum RunnerFixtures {
    /// The shared tiny model with a vocabulary covering the byte-level test tokenizer.
    static func config(chunk: Int = 16) -> MegalodonConfig { TinyMegalodon.config(chunk: chunk, vocabulary: 259) }

    static func model(chunk: Int = 16, seed: UInt64 = 5) throws -> MegalodonModel {
        let config = config(chunk: chunk)
        return try MegalodonModel(config: config, weights: RandomMegalodonWeights(config: config, seed: seed))
    }

    /// Σ log p(targets) from one forward call over the whole sequence, log-softmax written out plainly.
    static func referenceLogLikelihood(model: MegalodonModel, sequence: [Int], scoredFrom start: Int) throws -> Double {
        var state = model.makeState()
        let logits = try model.forward(Array(sequence.dropLast()), state: &state, positions: .all)
        var total = 0.0
        for position in (start - 1)..<(sequence.count - 1) {
            let row = logits.row(position).map(Double.init)
            let top = row.max() ?? 0
            let logSum = log(row.reduce(0) { $0 + exp($1 - top) }) + top
            total += row[sequence[position + 1]] - logSum
        }
        return total
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A data folder with a few ARC and BoolQ documents in the real schemas.
    static func dataDirectory(arcLines: [String]? = nil) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("evalrun-\(UUID().uuidString)")
        let arc =
            arcLines
            ?? (0..<7).map { i in
                #"{"id": "q\#(i)", "question": "Which thing number \#(i) is bigger?", "choices": {"text": ["a cat", "the sun", "an ant", "a stone"], "label": ["A", "B", "C", "D"]}, "answerKey": "\#(["A", "B", "C", "D"][i % 4])"}"#
            }
        let boolq = (0..<5).map { i in
            #"{"idx": \#(i), "passage": "The sky is blue on day \#(i).", "question": "is the sky blue", "label": \#(i % 2)}"#
        }
        try write(arc, to: root.appendingPathComponent("arc_easy/test.jsonl"))
        try write(boolq, to: root.appendingPathComponent("boolq/validation.jsonl"))
        return root
    }

    static func write(_ lines: [String], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    static func loader(data: URL, skipBad: Bool = false) -> TaskLoader {
        TaskLoader(definitionsDirectory: repositoryRoot.appendingPathComponent("evals"), dataDirectory: data, skipBad: skipBad)
    }
}

/// Fails on the n-th request it is asked to score, like a run killed part-way.
final class FailingScorer: SharedContextScorer {
    struct Interrupted: Error {}
    let inner: LanguageModelScorer<MegalodonModel>
    var remaining: Int
    private(set) var calls = 0

    init(inner: LanguageModelScorer<MegalodonModel>, failAfter: Int) {
        self.inner = inner
        remaining = failAfter
    }

    private func tick() throws {
        calls += 1
        if remaining == 0 { throw Interrupted() }
        remaining -= 1
    }

    func loglikelihood(context: [Int], continuation: [Int]) throws -> (logProbability: Double, isGreedy: Bool) {
        try tick()
        return try inner.loglikelihood(context: context, continuation: continuation)
    }

    func loglikelihoods(context: [Int], continuations: [[Int]]) throws -> [(logProbability: Double, isGreedy: Bool)] {
        try tick()
        return try inner.loglikelihoods(context: context, continuations: continuations)
    }

    func generate(context: [Int], until: [String], maxNewTokens: Int) throws -> String {
        try tick()
        return try inner.generate(context: context, until: until, maxNewTokens: maxNewTokens)
    }
}
