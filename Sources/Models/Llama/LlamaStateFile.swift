import Foundation
import Tensors

/// Saving and restoring a `LlamaState` (the KV cache) as safetensors, so a long prefix is paid for once.
///
/// Tensors: `position` (I64 scalar); per layer `layers.i.k` and `layers.i.v` `[position,
/// kv_heads, head_dim]` (F32, keys after RoPE in the adjacent-pair layout). Metadata `format` =
/// `llama-state`, `version` = `1` and the model's config JSON, which must match on load.
extension LlamaModel {
    public enum StateFileFailure: Error, Equatable, CustomStringConvertible {
        case notAStateFile(path: String)
        case otherModel(path: String)
        case badTensor(path: String, tensor: String, reason: String)

        public var description: String {
            switch self {
            case let .notAStateFile(path): return "\(path): not a Llama state file (metadata format/version missing)"
            case let .otherModel(path): return "\(path): the state was saved by a model with a different configuration"
            case let .badTensor(path, tensor, reason): return "\(path): \(tensor): \(reason)"
            }
        }
    }

    static let stateFormat = "llama-state", stateVersion = "1"

    /// Writes `state` to `path` atomically; refuses to replace a file unless `overwrite`.
    public func saveState(_ state: LlamaState, to path: String, overwrite: Bool = false) throws {
        try checkShape(of: state)
        let c = config
        var tensors: [(String, Tensor)] = [("position", Tensor([Int64(state.position)], shape: []))]
        for (index, cache) in state.layers.enumerated() {
            tensors.append(("layers.\(index).k", Tensor(cache.keys, shape: [cache.count, c.numKVHeads, c.headDim])))
            tensors.append(("layers.\(index).v", Tensor(cache.values, shape: [cache.count, c.numKVHeads, c.headDim])))
        }
        let byName = Dictionary(uniqueKeysWithValues: tensors)
        let metadata: SafetensorsMetadata = [("config", try configurationFingerprint(config)), ("format", Self.stateFormat), ("version", Self.stateVersion)]
        try SafetensorsWriter.write(to: path, tensors: tensors.map { TensorInfo(name: $0.0, dtype: $0.1.dtype, shape: $0.1.shape) },
                                    metadata: metadata, overwrite: overwrite) { info in
            guard let tensor = byName[info.name] else { throw StateFileFailure.badTensor(path: path, tensor: info.name, reason: "not produced") }
            return tensor
        }
    }

    /// Reads a state saved by `saveState` from a model with this configuration.
    public func loadState(from path: String) throws -> LlamaState {
        let file = try SafetensorsFile(path: path)
        guard file.metadata["format"] == Self.stateFormat, file.metadata["version"] == Self.stateVersion else {
            throw StateFileFailure.notAStateFile(path: path)
        }
        guard file.metadata["config"] == (try configurationFingerprint(config)) else { throw StateFileFailure.otherModel(path: path) }
        func tensor(_ name: String, _ dtype: DType, _ shape: [Int]) throws -> Tensor {
            guard let info = file.info(named: name) else { throw StateFileFailure.badTensor(path: path, tensor: name, reason: "missing") }
            guard info.dtype == dtype, info.shape == shape else {
                throw StateFileFailure.badTensor(path: path, tensor: name, reason: "found \(info.dtype) \(info.shape), expected \(dtype) \(shape)")
            }
            return try file.tensor(named: name)
        }
        let stored = try tensor("position", .i64, []).scalars(as: Int64.self)[0]
        guard stored >= 0, let position = Int(exactly: stored) else {
            throw StateFileFailure.badTensor(path: path, tensor: "position", reason: "negative position \(stored)")
        }
        let shape = [position, config.numKVHeads, config.headDim]
        let layers = try (0..<config.numLayers).map { index in
            ChunkKVCache(keys: try tensor("layers.\(index).k", .f32, shape).scalars(as: Float.self),
                         values: try tensor("layers.\(index).v", .f32, shape).scalars(as: Float.self), count: position)
        }
        guard file.tensorInfos.count == 1 + 2 * config.numLayers else {
            throw StateFileFailure.badTensor(path: path, tensor: "(file)", reason: "holds \(file.tensorInfos.count) tensors, expected \(1 + 2 * config.numLayers)")
        }
        return LlamaState(layers: layers, position: position)
    }
}
