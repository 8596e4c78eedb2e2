import Checkpoints

/// How Meta's original Llama release (`params.json` + `consolidated.NN.pth`) splits each tensor over
/// the ranks, as llama.cpp's `convert_legacy_llama.py` merges it: 1-D tensors replicated;
/// `tok_embeddings.*`, `*.attention.wo.weight` and `*.feed_forward.w2.weight` split by columns;
/// everything else by rows. Documented in formats/names/meta-llama-consolidated.json.
extension LlamaArchitecture {
    public static let modelParallelLayout: ModelParallelLayout? = .params

    public static func modelParallelMergeRule(for name: String, rank: Int) -> MergeRule? {
        if rank <= 1 { return .replicated }
        let byColumns =
            name.hasPrefix("tok_embeddings.") || name.hasSuffix(".attention.wo.weight") || name.hasSuffix(".feed_forward.w2.weight")
        return .concatenate(axis: byColumns ? 1 : 0)
    }
}
