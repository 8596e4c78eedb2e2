import Foundation
import Tokenizers

extension ChunkedPerplexity {
    public enum TextFailure: Error, Equatable, CustomStringConvertible {
        case noTokenizer(model: String)

        public var description: String {
            switch self {
            case let .noTokenizer(model):
                return "\(model) carries no tokenizer (tokenizer.json, tokenizer.model or GGUF vocabulary) to read the text with"
            }
        }
    }

    /// The tokens `text` is scored on with `tokenizer`, and the scoring set up for that tokenizer (BOS
    /// in place of each chunk's first token when the tokenizer adds one, as llama-perplexity does).
    public func prepared(text: String, tokenizer: any Tokenizer) -> (scoring: ChunkedPerplexity, tokens: [Int]) {
        var scoring = self
        scoring.beginningOfSequence = tokenizer.addsBOSByDefault ? tokenizer.bosTokenID.map(Int.init) : nil
        return (scoring, tokenizer.encode(text, addBOS: tokenizer.addsBOSByDefault, parseSpecial: false).map(Int.init))
    }
}
