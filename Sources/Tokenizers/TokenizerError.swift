/// Why a tokenizer could not be built. Cases name the source file and the field at fault.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    case missingField(source: String, field: String)
    case invalidField(source: String, field: String, reason: String)
    case unsupportedModel(source: String, model: String)
    case unsupportedPreTokenizer(source: String, name: String)
    case malformedFile(source: String, reason: String)
    /// The ids leave more than `HuggingFaceTokenizer.maximumUnnamedIDs(named:)` gaps below the highest one.
    case vocabularyTooSparse(source: String, highestID: Int, named: Int)
    /// Loading the file would need about `estimatedBytes` (json-c's tree, then the tables built from it,
    /// as far as they were counted), past `JSONMemoryEstimate.budget(forFileSize:)`.
    case jsonTooLarge(source: String, estimatedBytes: Int, budgetBytes: Int)
    /// A SentencePiece model holds more than `maximum` pieces (`SentencePieceModelFile.maximumPieceCount`).
    case tooManyPieces(source: String, maximum: Int)

    public var description: String {
        switch self {
        case let .missingField(source, field): return "\(source): tokenizer field '\(field)' is missing"
        case let .invalidField(source, field, reason): return "\(source): tokenizer field '\(field)' is invalid: \(reason)"
        case let .unsupportedModel(source, model): return "\(source): tokenizer model '\(model)' is not supported"
        case let .unsupportedPreTokenizer(source, name): return "\(source): pre-tokenizer '\(name)' is not supported"
        case let .malformedFile(source, reason): return "\(source): \(reason)"
        case let .vocabularyTooSparse(source, highestID, named):
            return
                "\(source): token ids reach \(highestID) but only \(named) tokens are named (at most \(HuggingFaceTokenizer.maximumUnnamedIDs(named: named)) ids below the highest may be unnamed)"
        case let .jsonTooLarge(source, estimatedBytes, budgetBytes):
            return
                "\(source): loading this JSON would take about \(estimatedBytes) bytes of memory, more than the \(budgetBytes) allowed for its size (48 × the file + 16 MiB); it holds too many small values (e.g. empty objects or arrays, or distinct merges) to be a tokenizer file"
        case let .tooManyPieces(source, maximum):
            return
                "\(source): the SentencePiece model holds more than \(maximum) pieces; real vocabularies hold at most a few hundred thousand, and each piece costs memory however short it is"
        }
    }
}
