import Foundation
import Models

extension QuantizationReport.PerplexityComparison {
    public enum Failure: Error, CustomStringConvertible {
        case unreadableText(String)

        public var description: String {
            switch self {
            case let .unreadableText(path): return "cannot read \(path)"
            }
        }
    }

    /// `--eval-text`: perplexity of `original` and `quantized` on the same tokens of the UTF-8 file
    /// at `path` (the original's tokenizer, else the quantized model's), cut into chunks of
    /// `context` tokens scored like llama.cpp's llama-perplexity. `progress` gets the model's label
    /// ("original", "quantized"), the chunks done and the chunks in all.
    public static func measure(
        original: ModelBundle, quantized: ModelBundle, originalPath: String, text path: String, context: Int, chunks: Int?,
        progress: (_ label: String, _ done: Int, _ total: Int) -> Void = { _, _, _ in }
    ) throws -> Self {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure.unreadableText(path) }
        guard let tokenizer = original.tokenizer ?? quantized.tokenizer else {
            throw ChunkedPerplexity.TextFailure.noTokenizer(model: originalPath)
        }
        let (scoring, tokens) = ChunkedPerplexity(context: context, chunks: chunks).prepared(
            text: String(decoding: data, as: UTF8.self), tokenizer: tokenizer)
        let total = min(tokens.count / context, chunks ?? .max)
        var results: [ChunkedPerplexity.Result] = []
        for (label, bundle) in [("original", original), ("quantized", quantized)] {
            progress(label, 0, total)
            results.append(try scoring.score(bundle.model, tokens: tokens) { chunk, _ in progress(label, chunk, total) })
        }
        return .init(
            text: URL(fileURLWithPath: path).lastPathComponent, context: context, chunks: total,
            scoredTokens: results[1].scoredTokens, original: results[0].perplexity, quantized: results[1].perplexity)
    }
}
