import Foundation

/// How a results file is named in tables and plots: by its model (a run and a perplexity run of
/// one model share a row), or by model and corpus (one row or line per document, as the perplexity
/// jobs `megalodon-eval submit perplexity` runs give).
public enum ResultsLabel: String, CaseIterable, Sendable {
    case model
    case corpus

    public func label(_ result: RunResults) -> String {
        let model = URL(fileURLWithPath: result.manifest.model.path).lastPathComponent
        guard self == .corpus, let corpus = result.perplexity?.corpus, !corpus.isEmpty else { return model }
        return "\(model) · \(corpus.joined(separator: "+"))"
    }
}
