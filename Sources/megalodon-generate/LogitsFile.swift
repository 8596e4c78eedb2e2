import Checkpoints
import Models
import Tensors

/// `--logits-out`: the prompt's logits as a safetensors file with one F32 tensor `logits`
/// `[prompt positions, vocabulary]`, written atomically.
enum LogitsFile {
    static func write(_ logits: Logits, to path: String, replacing: Bool) throws {
        let tensor = Tensor(logits.values, shape: [logits.rowCount, logits.vocabularySize])
        try SafetensorsWriter.write(
            to: path, tensors: [TensorInfo(name: "logits", dtype: .f32, shape: tensor.shape)],
            metadata: nil, overwrite: replacing
        ) { _ in tensor }
    }
}
