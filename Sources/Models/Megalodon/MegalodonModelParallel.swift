import Checkpoints

/// How official MEGALODON model-parallel releases split each tensor over the ranks
/// (megalodon-spec.md §3), read from `megalodon/modules/model_parallel/layers.py` (identical to
/// megalodon-jax `convert._merge_axis`); documented in formats/names/megalodon-model-parallel.json.
extension MegalodonArchitecture {
    public static let modelParallelLayout: ModelParallelLayout? = .consolidateConfig

    public static func modelParallelMergeRule(for name: String, rank: Int) -> MergeRule? {
        if name == "embed.weight" || name == "output.output.weight" { return .concatenate(axis: 1) }
        if name == "rope.freqs" || name.hasSuffix(".prior_count") { return .replicated }
        // Built at full model_dim on every rank.
        if name.contains(".rmsnorm.weight") || name.contains(".nffn.norm.") || name.hasSuffix(".nffn.alpha") { return .replicated }
        if name.contains(".cema.") { return .concatenate(axis: 0) }
        if [".wh2.weight", ".fc2.weight", ".mega.gamma", ".mega.beta"].contains(where: name.hasSuffix) { return .concatenate(axis: 1) }
        // TimestepNorm splits features and groups; the column-parallel projections split output rows.
        let rowSplit = [
            ".wz.weight", ".wz.bias", ".wv.weight", ".wv.bias", ".wr.weight", ".wr.bias", ".wh1.weight", ".wh1.bias",
            ".fc1.weight", ".fc3.weight",
        ]
        if name.contains(".timenorm.") || name.hasPrefix("output.final_norm.") || rowSplit.contains(where: name.hasSuffix) {
            return .concatenate(axis: 0)
        }
        return nil
    }
}
