import Checkpoints
import Models

/// A checkpoint made in memory (generated weights) rather than opened from a path.
extension CheckpointInput {
    public init(generated source: TensorSource, configuration: ModelConfiguration?) {
        self.init(source: source, convention: NameConvention.detect(source.tensorNames), configuration: configuration, tokenizerFiles: [])
    }
}
