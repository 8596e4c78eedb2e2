/// How one tensor of a model-parallel checkpoint is spread over the rank files.
public enum MergeRule: Equatable, Sendable {
    /// Every rank holds the full tensor; the copies must be identical.
    case replicated
    /// Each rank holds a slice; the full tensor is the slices concatenated along `axis` in rank order.
    case concatenate(axis: Int)
}

/// The checkpoint families whose rank files are merged, each with its own split rules.
public enum ModelParallelLayout: String, Sendable {
    /// Official MEGALODON (`consolidate_config.json` + `consolidated.NN.pth`), megalodon-spec.md §3,
    /// read from `megalodon/modules/model_parallel/layers.py` (identical to megalodon-jax `convert._merge_axis`).
    case megalodon
    /// Meta's original Llama release (`params.json` + `consolidated.NN.pth`), as llama.cpp's
    /// `convert_legacy_llama.py` merges it: 1-D tensors replicated; `tok_embeddings.*`,
    /// `*.attention.wo.weight` and `*.feed_forward.w2.weight` split by columns; everything else by rows.
    case metaLlama

    /// The rule for `name` (with `rank` = the tensor's number of dimensions), or nil for a MEGALODON key
    /// whose split is unknown (refused rather than guessed).
    public func rule(for name: String, rank: Int) -> MergeRule? {
        switch self {
        case .megalodon: return Self.megalodonRule(name)
        case .metaLlama:
            if rank <= 1 { return .replicated }
            let byColumns = name.hasPrefix("tok_embeddings.") || name.hasSuffix(".attention.wo.weight") || name.hasSuffix(".feed_forward.w2.weight")
            return .concatenate(axis: byColumns ? 1 : 0)
        }
    }

    private static func megalodonRule(_ name: String) -> MergeRule? {
        if name == "embed.weight" || name == "output.output.weight" { return .concatenate(axis: 1) }
        if name == "rope.freqs" || name.hasSuffix(".prior_count") { return .replicated }
        // Built at full model_dim on every rank.
        if name.contains(".rmsnorm.weight") || name.contains(".nffn.norm.") || name.hasSuffix(".nffn.alpha") { return .replicated }
        if name.contains(".cema.") { return .concatenate(axis: 0) }
        if [".wh2.weight", ".fc2.weight", ".mega.gamma", ".mega.beta"].contains(where: name.hasSuffix) { return .concatenate(axis: 1) }
        // TimestepNorm splits features and groups; the column-parallel projections split output rows.
        let rowSplit = [".wz.weight", ".wz.bias", ".wv.weight", ".wv.bias", ".wr.weight", ".wr.bias", ".wh1.weight", ".wh1.bias",
                        ".fc1.weight", ".fc3.weight"]
        if name.contains(".timenorm.") || name.hasPrefix("output.final_norm.") || rowSplit.contains(where: name.hasSuffix) {
            return .concatenate(axis: 0)
        }
        return nil
    }
}
