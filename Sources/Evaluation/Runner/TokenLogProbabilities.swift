import Foundation
import Models

/// Log-softmax of single logit rows, in float64 as lm-eval accumulates (its float32 log_softmax
/// differs by rounding only).
public enum TokenLogProbabilities {
    /// log p(token) under the softmax of `row`, and whether `token` is the row's argmax (first on ties,
    /// as torch.argmax on CPU).
    public static func score(_ row: ArraySlice<Float>, token: Int) -> (logProbability: Double, isArgmax: Bool) {
        var maximum = -Float.infinity
        var argmax = row.startIndex
        for index in row.indices where row[index] > maximum {
            maximum = row[index]
            argmax = index
        }
        var sum = 0.0
        for value in row { sum += Foundation.exp(Double(value - maximum)) }
        let logit = row[row.startIndex + token]
        return (Double(logit - maximum) - Foundation.log(sum), argmax - row.startIndex == token)
    }

    /// `score` of row `row` of `logits`, refusing a target outside the vocabulary.
    static func score(_ logits: Logits, row: Int, token: Int) throws -> (logProbability: Double, isArgmax: Bool) {
        guard (0..<logits.vocabularySize).contains(token) else {
            throw ScorerError.targetOutOfVocabulary(token: token, vocabularySize: logits.vocabularySize)
        }
        return score(logits.row(row), token: token)
    }
}

/// Feeds a model tokens and scores the next-token predictions as it goes, a bounded number of rows at
/// a time, so no call ever holds logits for more than `rowsPerCall` positions whatever the length.
public struct StreamingTokenScorer<Model: LanguageModel> {
    public let model: Model
    public let rowsPerCall: Int

    public init(model: Model, rowsPerCall: Int = 512) {
        self.model = model
        self.rowsPerCall = max(1, rowsPerCall)
    }

    /// Advances `state` over `tokens` without asking for logits.
    public func advance(_ tokens: ArraySlice<Int>, state: inout Model.State) throws {
        guard !tokens.isEmpty else { return }
        _ = try model.forward(Array(tokens), state: &state, positions: .none)
    }

    /// Feeds `inputs` and reports, for each position i, log p(targets[i] | everything before and
    /// inputs[...i]) and whether it was the argmax, in order.
    public func score(
        inputs: ArraySlice<Int>, targets: ArraySlice<Int>, state: inout Model.State,
        observe: (_ logProbability: Double, _ isArgmax: Bool) -> Void
    ) throws {
        precondition(inputs.count == targets.count, "one target per input position")
        var offset = 0
        while offset < inputs.count {
            let end = min(inputs.count, offset + rowsPerCall)
            let batch = Array(inputs[(inputs.startIndex + offset)..<(inputs.startIndex + end)])
            let logits = try model.forward(batch, state: &state, positions: .all)
            for row in 0..<batch.count {
                let result = try TokenLogProbabilities.score(logits, row: row, token: targets[targets.startIndex + offset + row])
                observe(result.logProbability, result.isArgmax)
            }
            offset = end
        }
    }

    /// Summed log-probability of `targets` and whether every one was the argmax.
    public func sum(
        inputs: ArraySlice<Int>, targets: ArraySlice<Int>, state: inout Model.State
    ) throws -> (logProbability: Double, isGreedy: Bool) {
        var total = 0.0, greedy = true
        try score(inputs: inputs, targets: targets, state: &state) {
            total += $0; greedy = greedy && $1
        }
        return (total, greedy)
    }
}

public enum ScorerError: Error, Equatable, CustomStringConvertible {
    case targetOutOfVocabulary(token: Int, vocabularySize: Int)
    case emptyContext

    public var description: String {
        switch self {
        case let .targetOutOfVocabulary(token, size): return "token \(token) is outside the model's vocabulary 0..<\(size)"
        case .emptyContext: return "a request has no context tokens to condition on"
        }
    }
}
