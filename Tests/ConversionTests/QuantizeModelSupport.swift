import Checkpoints
import Foundation
import Models
import Tensors
import TestSupport

@testable import Conversion
@testable import Quantization

/// Small random checkpoints and a way to run the built `megalodon-quantize` for the model-level tests.
enum QuantizeModelFixtures {
    /// A random Hugging Face Llama folder (config.json + model.safetensors): hidden 64, 2 layers,
    /// 2 query heads and 1 key/value head, FFN 96, vocabulary 64, untied output head.
    static func llamaFolder(in folder: URL, seed: UInt64 = 5) throws -> String {
        let path = folder.appendingPathComponent("llama-hf").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let config =
            #"{"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 64, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "max_position_embeddings": 256, "tie_word_embeddings": false}"#
        try Data(config.utf8).write(to: URL(fileURLWithPath: path + "/config.json"))
        var shapes: [(String, [Int])] = [
            ("model.embed_tokens.weight", [64, 64]), ("model.norm.weight", [64]), ("lm_head.weight", [64, 64]),
        ]
        for layer in 0..<2 {
            let prefix = "model.layers.\(layer)."
            shapes += [
                (prefix + "input_layernorm.weight", [64]), (prefix + "post_attention_layernorm.weight", [64]),
                (prefix + "self_attn.q_proj.weight", [64, 64]), (prefix + "self_attn.k_proj.weight", [32, 64]),
                (prefix + "self_attn.v_proj.weight", [32, 64]), (prefix + "self_attn.o_proj.weight", [64, 64]),
                (prefix + "mlp.gate_proj.weight", [96, 64]), (prefix + "mlp.up_proj.weight", [96, 64]),
                (prefix + "mlp.down_proj.weight", [64, 96]),
            ]
        }
        var generator = SeededGenerator(seed: seed)
        let tensors = try shapes.map { name, shape in
            (name, try Tensor(floats: generator.normals(shape.reduce(1, *), scale: 0.05), shape: shape, dtype: .f32))
        }
        let infos = tensors.map { TensorInfo(name: $0.0, dtype: .f32, shape: $0.1.shape) }
        try SafetensorsWriter.write(to: path + "/model.safetensors", tensors: infos, metadata: nil, overwrite: false) { info in
            tensors.first { $0.0 == info.name }!.1
        }
        return path
    }

    /// The official MEGALODON reference checkpoint with its pickled config (2 layers, width 64).
    static let megalodonCheckpoint = SharedFiles.shared("fixtures/megalodon/A_swiglu.pt").path

    /// The `megalodon-quantize` executable built beside the test bundle, if any.
    static var tool: URL? { SharedFiles.builtTool("megalodon-quantize") }

    /// Runs the tool; returns its exit status, stdout and stderr.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        guard let tool else { throw QuantizationError.missingTensor("megalodon-quantize executable") }
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments + ["--threads", "1"]
        let (out, err) = (Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }
}
