import Foundation

/// Which rules a run follows: lm-eval 0.4.13's task configs (`evals/<task>.json`) or the
/// LLaMA/MEGALODON papers' protocol (`evals/llama/<task>.json`: TriviaQA with the "Answer these
/// questions:" prefix, 5-shot and SQuAD-normalised matching; BoolQ calibrated by "Answer:"; ARC as
/// lm-eval with acc_norm as the paper's column).
public enum ScoringProtocol: String, CaseIterable, Sendable {
    case lmEval = "lm-eval"
    case llama

    /// The folder of this protocol's task definitions inside the evals folder.
    public func definitionsDirectory(in evals: URL) -> URL {
        self == .lmEval ? evals : evals.appendingPathComponent(rawValue)
    }

    /// results.json's protocol card: the protocol, then per task its note, the shots used and the
    /// metric a paper's table reports.
    public func card(for tasks: [LoadedTask], numFewshot: Int?) -> [String: String] {
        var card = ["protocol": rawValue]
        for task in tasks {
            let definition = task.definition
            let note = definition.protocolNote ?? "as \(definition.reference)"
            let metric = definition.paperMetric ?? definition.metrics.joined(separator: ", ")
            card[definition.name] = "\(note); \(numFewshot ?? definition.numFewshot)-shot; reported metric: \(metric)"
        }
        return card
    }
}
