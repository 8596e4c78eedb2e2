/// Decides, per tensor name and shape, whether a tensor is quantized and with which scheme.
///
/// Defaults that keep quality: 2-D weight matrices of linear layers are quantized; embedding tables
/// follow `embeddings` (kept in float unless a scheme is given); everything else stays float — 1-D
/// tensors (norm weights, biases), tensors of rank 3+, and, whatever their shape, norm parameters,
/// biases, MEGALODON's CEMA parameters (`cema.*`) and its Q/K affine `mega.gamma` / `mega.beta`.
/// `--only` patterns restrict quantization to the names they match; `--keep` patterns keep matches in
/// float and win over `--only`. A matrix whose row length the scheme cannot hold (ggml types need a
/// multiple of 32) is kept in float too, with that reason.
public struct QuantizationPolicy: Sendable {
    public enum Decision: Equatable, Sendable {
        case quantize(QuantizationScheme)
        case keep(Reason)
    }

    public enum Reason: String, Equatable, Sendable {
        case notAMatrix = "not a 2-D matrix"
        case notFloat = "not floating point"
        case alwaysFloat = "norm, bias, CEMA or Q/K affine parameter (always float)"
        case embeddingKept = "embedding table (kept in float)"
        case keptByPattern = "matched --keep"
        case notSelected = "not matched by --only"
        case rowsNotWholeBlocks = "row length is not a multiple of the scheme's block of 32"
        case empty = "empty matrix"
    }

    public var scheme: QuantizationScheme
    /// Scheme for embedding tables, or nil to keep them in float.
    public var embeddings: QuantizationScheme?
    public var keep: [NamePattern]
    public var only: [NamePattern]

    public init(scheme: QuantizationScheme, embeddings: QuantizationScheme? = nil, keep: [NamePattern] = [], only: [NamePattern] = []) {
        self.scheme = scheme
        self.embeddings = embeddings
        self.keep = keep
        self.only = only
    }

    public func decide(name: String, shape: [Int]) -> Decision {
        if Self.isAlwaysFloat(name) { return .keep(.alwaysFloat) }
        guard shape.count == 2 else { return .keep(.notAMatrix) }
        if keep.contains(where: { $0.matches(name) }) { return .keep(.keptByPattern) }
        if !only.isEmpty && !only.contains(where: { $0.matches(name) }) { return .keep(.notSelected) }
        let chosen: QuantizationScheme
        if Self.isEmbedding(name) {
            guard let embeddings else { return .keep(.embeddingKept) }
            chosen = embeddings
        } else {
            chosen = scheme
        }
        if let block = chosen.ggmlBlockValues, shape[1] % block != 0 { return .keep(.rowsNotWholeBlocks) }
        if shape[0] == 0 || shape[1] == 0 { return .keep(.empty) }
        return .quantize(chosen)
    }

    /// The last name components that mark parameters kept in float whatever their shape.
    static let floatLeafNames: Set<String> = ["bias", "gamma", "beta", "alpha", "delta", "theta", "omega",
                                              "prior_count", "prior_mean", "prior_logv", "freqs", "inv_freq"]

    static func isAlwaysFloat(_ name: String) -> Bool {
        let parts = name.lowercased().split(separator: ".").map(String.init)
        if parts.contains("cema") { return true }
        if parts.contains(where: { $0.contains("norm") || $0 == "ln" || $0.hasPrefix("ln_") }) { return true }
        if let leaf = parts.last, floatLeafNames.contains(leaf) { return true }
        // mega.gamma / mega.beta are matched by their leaf above; `<x>.alpha` of the FFN rescale too.
        return false
    }

    /// Token embedding tables in the naming conventions we read (MEGALODON, Hugging Face, Meta, GGUF).
    static func isEmbedding(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["embed.weight", "embed_tokens.weight", "tok_embeddings.weight", "token_embd.weight", "wte.weight",
                "word_embeddings.weight"].contains { lower == $0 || lower.hasSuffix("." + $0) }
    }
}
