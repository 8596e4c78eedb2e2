/// What a tensor is to its model, as far as quantization cares. Only the architecture knows its
/// tensors, so its wing answers (`ModelArchitecture.quantizationRole(of:)`, asked through
/// `Architectures`); the policy maps roles to decisions.
public enum TensorRole: String, Equatable, Sendable {
    /// A weight matrix of a linear layer: quantized with the policy's scheme.
    case linearWeight
    /// The output head (the logits projection): quantized with the policy's scheme, as the other matrices.
    case outputHead
    /// A token embedding table: follows the policy's `embeddings` (kept in float unless given).
    case embedding
    /// A parameter kept in float whatever its shape: norms, biases, MEGALODON's CEMA and Q/K affine.
    case alwaysFloat
}

/// Decides, per tensor name, shape and role, whether a tensor is quantized and with which scheme.
///
/// Defaults that keep quality: 2-D weight matrices of linear layers (and the output head) are
/// quantized; embedding tables follow `embeddings` (kept in float unless a scheme is given);
/// everything else stays float — tensors that are not 2-D, and whatever their shape the parameters
/// their architecture declares always-float (`TensorRole.alwaysFloat`). `--only` patterns restrict
/// quantization to the names they match; `--keep` patterns keep matches in float and win over
/// `--only`. A matrix whose row length the scheme cannot hold (ggml types need a multiple of 32) is
/// kept in float too, with that reason.
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

    /// The decision for the tensor `name` of `shape`, which its architecture calls `role`.
    public func decide(name: String, shape: [Int], role: TensorRole) -> Decision {
        if role == .alwaysFloat { return .keep(.alwaysFloat) }
        guard shape.count == 2 else { return .keep(.notAMatrix) }
        if keep.contains(where: { $0.matches(name) }) { return .keep(.keptByPattern) }
        if !only.isEmpty && !only.contains(where: { $0.matches(name) }) { return .keep(.notSelected) }
        let chosen: QuantizationScheme
        if role == .embedding {
            guard let embeddings else { return .keep(.embeddingKept) }
            chosen = embeddings
        } else {
            chosen = scheme
        }
        if let block = chosen.ggmlBlockValues, shape[1] % block != 0 { return .keep(.rowsNotWholeBlocks) }
        if shape[0] == 0 || shape[1] == 0 { return .keep(.empty) }
        return .quantize(chosen)
    }
}
