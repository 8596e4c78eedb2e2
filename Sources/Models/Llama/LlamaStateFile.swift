import Foundation
import Tensors

/// Saving and restoring a `LlamaState` (the KV cache) as safetensors, so a long prefix is paid for once.
///
/// Tensors: `position` (I64 scalar); per layer `layers.i.k` and `layers.i.v` `[position,
/// kv_heads, head_dim]` (F32, keys after RoPE in the adjacent-pair layout). Metadata `format` =
/// `llama-state`, `version` = `1` and the model's config JSON, which must match on load.
extension LlamaModel {
    public typealias StateFileFailure = ModelStateFileFailure

    static let stateFileKind = StateFileKind(format: "llama-state", version: "1")

    /// Writes `state` to `path` atomically; refuses to replace a file unless `overwrite`.
    public func saveState(_ state: LlamaState, to path: String, overwrite: Bool = false) throws {
        try checkShape(of: state)
        let c = config
        var tensors: [(String, Tensor)] = [("position", Tensor([Int64(state.position)], shape: []))]
        for (index, cache) in state.layers.enumerated() {
            tensors.append(("layers.\(index).k", Tensor(cache.keys, shape: [cache.count, c.numKVHeads, c.headDim])))
            tensors.append(("layers.\(index).v", Tensor(cache.values, shape: [cache.count, c.numKVHeads, c.headDim])))
        }
        try Self.stateFileKind.write(tensors, configuration: config, to: path, overwrite: overwrite)
    }

    /// Reads a state saved by `saveState` from a model with this configuration.
    public func loadState(from path: String) throws -> LlamaState {
        let file = try Self.stateFileKind.open(path, configuration: config)
        func tensor(_ name: String, _ dtype: DType, _ shape: [Int]) throws -> Tensor {
            guard let info = file.info(named: name) else { throw StateFileFailure.badTensor(path: path, tensor: name, reason: "missing") }
            guard info.dtype == dtype, info.shape == shape else {
                throw StateFileFailure.badTensor(
                    path: path, tensor: name, reason: "found \(info.dtype) \(info.shape), expected \(dtype) \(shape)")
            }
            return try file.tensor(named: name)
        }
        let stored = try tensor("position", .i64, []).scalars(as: Int64.self)[0]
        guard stored >= 0, let position = Int(exactly: stored) else {
            throw StateFileFailure.badTensor(path: path, tensor: "position", reason: "negative position \(stored)")
        }
        let shape = [position, config.numKVHeads, config.headDim]
        let layers = try (0..<config.numLayers).map { index in
            ChunkKVCache(
                keys: try tensor("layers.\(index).k", .f32, shape).scalars(as: Float.self),
                values: try tensor("layers.\(index).v", .f32, shape).scalars(as: Float.self), count: position)
        }
        guard file.tensorInfos.count == 1 + 2 * config.numLayers else {
            throw StateFileFailure.badTensor(
                path: path, tensor: "(file)", reason: "holds \(file.tensorInfos.count) tensors, expected \(1 + 2 * config.numLayers)")
        }
        return LlamaState(layers: layers, position: position)
    }
}
