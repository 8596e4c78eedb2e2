import Checkpoints
import Foundation
import Models

/// A model as the eval tool opens it: the engine (`ModelBundle`: a model directory or a GGUF file),
/// its tokenizer bound for the harness, and what the results manifest records about both.
public struct EvaluationModel {
    /// The directory or GGUF file given.
    public let location: URL
    public let model: any LanguageModel
    public let tokenizer: TokenizerBinding
    public let identity: Manifest.ModelIdentity
    public let tokenizerFile: URL
    public let tokenizerHash: String

    /// `tokenizerPath` overrides the tokenizer the model carries (a GGUF file's own vocabulary, or the
    /// tokenizer file inside a model directory).
    /// `arithmetic`: how quantized weights compute (integer kernels unless told otherwise);
    /// `keyValueCache`: how attention caches store keys and values (f32 unless told otherwise).
    public static func open(
        _ path: String, tokenizerPath: String? = nil, arithmetic: QuantizedArithmetic = .integer,
        keyValueCache: KeyValuePrecision = .f32
    ) throws -> EvaluationModel {
        let location = URL(fileURLWithPath: path)
        let tokenizerFile = try tokenizerPath.map { URL(fileURLWithPath: $0) } ?? TokenizerBinding.file(for: location)
        return EvaluationModel(
            location: location, model: try ModelBundle.open(path, arithmetic: arithmetic, keyValueCache: keyValueCache).model,
            tokenizer: try TokenizerBinding.load(path: tokenizerFile.path),
            identity: try Manifest.ModelIdentity.of(model: location),
            tokenizerFile: tokenizerFile, tokenizerHash: try SHA256.hex(fileAt: tokenizerFile))
    }

    /// The item scorer `megalodon-eval run` uses: lm-eval's request encoding through this model's
    /// tokenizer, scored by `LanguageModelScorer` on the concrete engine.
    public func itemScorer(maxLength: Int?) throws -> ItemScorer {
        try Self.itemScorer(model, tokenizer: tokenizer, maxLength: maxLength)
    }

    private static func itemScorer<Model: LanguageModel>(_ model: Model, tokenizer: TokenizerBinding, maxLength: Int?) throws -> ItemScorer
    {
        ItemScorer(tokenizer: tokenizer, scorer: try LanguageModelScorer(model: model, decoder: tokenizer, maxLength: maxLength))
    }
}
