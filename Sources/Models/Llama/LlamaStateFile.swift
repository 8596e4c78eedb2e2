import Foundation
import Tensors

/// Saving and restoring a `LlamaState` (the KV cache) as safetensors, so a long prefix is paid for once.
///
/// Tensors: `position` (I64 scalar); per layer `layers.i.k` and `layers.i.v` `[position,
/// kv_heads, head_dim]` (F32, or F16 from an f16 cache; keys after RoPE in the adjacent-pair layout).
/// Metadata `format` = `llama-state`, `version` = `1` and the model's config JSON, which must match
/// on load. A state loads into the model's `keyValuePrecision`: F16 rows widen exactly, F32 rows
/// loaded into an f16 cache are rounded as a forward pass would have rounded them.
extension LlamaModel {
    public typealias StateFileFailure = ModelStateFileFailure

    static let stateFileKind = StateFileKind(format: "llama-state", version: "1")

    /// Writes `state` to `path` atomically; refuses to replace a file unless `overwrite`.
    public func saveState(_ state: LlamaState, to path: String, overwrite: Bool = false) throws {
        try checkShape(of: state)
        let c = config
        var tensors: [(String, Tensor)] = [("position", Tensor([Int64(state.position)], shape: []))]
        let shape = [state.position, c.numKVHeads, c.headDim]
        for (index, cache) in state.layers.enumerated() {
            switch cache.precision {
            case .f32:
                tensors.append(("layers.\(index).k", Tensor(cache.keys, shape: shape)))
                tensors.append(("layers.\(index).v", Tensor(cache.values, shape: shape)))
            case .f16:
                tensors.append(("layers.\(index).k", try Self.halfTensor(cache.halfKeys, shape: shape)))
                tensors.append(("layers.\(index).v", try Self.halfTensor(cache.halfValues, shape: shape)))
            }
        }
        try Self.stateFileKind.write(tensors, configuration: config, to: path, overwrite: overwrite)
    }

    /// Reads a state saved by `saveState` from a model with this configuration.
    public func loadState(from path: String) throws -> LlamaState {
        let file = try Self.stateFileKind.open(path, configuration: config)
        func tensor(_ name: String, _ dtypes: [DType], _ shape: [Int]) throws -> Tensor {
            guard let info = file.info(named: name) else { throw StateFileFailure.badTensor(path: path, tensor: name, reason: "missing") }
            guard dtypes.contains(info.dtype), info.shape == shape else {
                let expected = dtypes.map(\.rawValue).joined(separator: " or ")
                throw StateFileFailure.badTensor(
                    path: path, tensor: name, reason: "found \(info.dtype) \(info.shape), expected \(expected) \(shape)")
            }
            return try file.tensor(named: name)
        }
        let stored = try tensor("position", [.i64], []).scalars(as: Int64.self)[0]
        guard stored >= 0, let position = Int(exactly: stored) else {
            throw StateFileFailure.badTensor(path: path, tensor: "position", reason: "negative position \(stored)")
        }
        let shape = [position, config.numKVHeads, config.headDim]
        let layers = try (0..<config.numLayers).map { index in
            var cache = ChunkKVCache(precision: keyValuePrecision)
            let keys = try tensor("layers.\(index).k", [.f32, .f16], shape), values = try tensor("layers.\(index).v", [.f32, .f16], shape)
            if keyValuePrecision == .f16, keys.dtype == .f16, values.dtype == .f16 {
                return ChunkKVCache(halfKeys: Self.halfBits(keys), halfValues: Self.halfBits(values), count: position)
            }
            let floatKeys = try keys.floats(), floatValues = try values.floats()
            floatKeys.withUnsafeBufferPointer { k in
                floatValues.withUnsafeBufferPointer { v in cache.append(keys: k, values: v, rows: position) }
            }
            return cache
        }
        guard file.tensorInfos.count == 1 + 2 * config.numLayers else {
            throw StateFileFailure.badTensor(
                path: path, tensor: "(file)", reason: "holds \(file.tensorInfos.count) tensors, expected \(1 + 2 * config.numLayers)")
        }
        return LlamaState(layers: layers, position: position)
    }

    private static func halfTensor(_ bits: [UInt16], shape: [Int]) throws -> Tensor {
        try Tensor(dtype: .f16, shape: shape, storage: bits.withUnsafeBytes { Storage(copying: $0) })
    }

    private static func halfBits(_ tensor: Tensor) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: tensor.elementCount) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: tensor.bytes)
            initialized = tensor.elementCount
        }
    }
}
