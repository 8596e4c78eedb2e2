/// How one tensor of a model-parallel checkpoint is spread over the rank files.
public enum MergeRule: Equatable, Sendable {
    /// Every rank holds the full tensor; the copies must be identical.
    case replicated
    /// Each rank holds a slice; the full tensor is the slices concatenated along `axis` in rank order.
    case concatenate(axis: Int)
}

/// The folder shapes of model-parallel releases (which files hold the configuration and the ranks).
/// Which tensor is split along which axis is knowledge of the architecture, not of the files: the
/// caller supplies it as `MergeRules` (Models answers it from the architecture wings,
/// `Architectures.modelParallelMergeRule`; `formats/names/*-model-parallel.json` documents it).
public enum ModelParallelLayout: String, Sendable {
    /// `consolidate_config.json` (`model_parallel_size`, `dtype`) with a training `config.json`, and
    /// `consolidated.pth` when the size is 1, else `consolidated.00.pth` … (official MEGALODON).
    case consolidateConfig = "consolidate_config.json"
    /// `params.json` and `consolidated.00.pth` … (Meta's original Llama release).
    case params = "params.json"
}

/// The merge rule of `tensor` (with `rank` = its number of dimensions) in a folder of `layout`, or nil
/// when its split is unknown (refused rather than guessed).
public typealias MergeRules = @Sendable (_ layout: ModelParallelLayout, _ tensor: String, _ rank: Int) -> MergeRule?
