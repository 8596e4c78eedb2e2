import Foundation
import Tensors

/// Saving and restoring a `MegalodonState` as safetensors, so a long prefix is paid for once.
///
/// Tensors: `position` (I64 scalar); per layer `layers.i.attn.k` `[rows, heads, z_head_dim]` (after
/// RoPE) and `layers.i.attn.v` `[rows, heads, v_head_dim]` (F32), `layers.i.norm.count` (I64),
/// `layers.i.norm.mean`/`.var` `[groups]` (F64, the precision we keep them in), `layers.i.ema.h_real`
/// /`.h_imag` `[model_dim, cema_ndim]` (F32); `final_norm.count`/`.mean`/`.var`. Metadata `format`
/// = `megalodon-state`, `version` = `1` and the model's `config` JSON, which must match on load.
extension MegalodonModel {
    public typealias StateFileFailure = ModelStateFileFailure

    static let stateFileKind = StateFileKind(format: "megalodon-state", version: "1")

    /// Writes `state` to `path` atomically; refuses to replace a file unless `overwrite`.
    public func saveState(_ state: MegalodonState, to path: String, overwrite: Bool = false) throws {
        try checkShape(of: state)
        let c = config
        var tensors: [(String, Tensor)] = [("position", Tensor([Int64(state.position)], shape: []))]
        func norm(_ prefix: String, _ norm: TimestepNormState) {
            tensors.append((prefix + "count", Tensor([Int64(norm.count)], shape: [])))
            tensors.append((prefix + "mean", Tensor(norm.mean, shape: [c.normNumGroups])))
            tensors.append((prefix + "var", Tensor(norm.variance, shape: [c.normNumGroups])))
        }
        for (index, layer) in state.layers.enumerated() {
            let prefix = "layers.\(index)."
            let rows = layer.attention.count
            tensors.append((prefix + "attn.k", Tensor(layer.attention.keys, shape: [rows, c.numHeads, c.zHeadDim])))
            tensors.append((prefix + "attn.v", Tensor(layer.attention.values, shape: [rows, c.numHeads, c.valueHeadDim])))
            norm(prefix + "norm.", layer.timestepNorm)
            tensors.append((prefix + "ema.h_real", Tensor(layer.ema.real, shape: [c.modelDim, c.cemaNdim])))
            tensors.append((prefix + "ema.h_imag", Tensor(layer.ema.imaginary, shape: [c.modelDim, c.cemaNdim])))
        }
        norm("final_norm.", state.finalNorm)
        try Self.stateFileKind.write(tensors, configuration: config, to: path, overwrite: overwrite)
    }

    /// Reads a state saved by `saveState` from a model with this configuration.
    public func loadState(from path: String) throws -> MegalodonState {
        let file = try Self.stateFileKind.open(path, configuration: config)
        let c = config
        func values<Scalar: TensorScalar>(_ name: String, _ shape: [Int]?, as _: Scalar.Type) throws -> (values: [Scalar], shape: [Int]) {
            guard let info = file.info(named: name) else { throw StateFileFailure.badTensor(path: path, tensor: name, reason: "missing") }
            if info.dtype != Scalar.dtype || (shape.map { $0 != info.shape } ?? false) {
                throw StateFileFailure.badTensor(
                    path: path, tensor: name,
                    reason: "found \(info.dtype) \(info.shape), expected \(Scalar.dtype) \(shape.map { "\($0)" } ?? "")")
            }
            return (try file.tensor(named: name).scalars(as: Scalar.self), info.shape)
        }
        func count(_ name: String) throws -> Int {
            let value = try values(name, [], as: Int64.self).values[0]
            guard value >= 0 else { throw StateFileFailure.badTensor(path: path, tensor: name, reason: "negative count \(value)") }
            return Int(value)
        }
        func norm(_ prefix: String) throws -> TimestepNormState {
            TimestepNormState(
                count: try count(prefix + "count"), mean: try values(prefix + "mean", [c.normNumGroups], as: Double.self).values,
                variance: try values(prefix + "var", [c.normNumGroups], as: Double.self).values)
        }
        let position = try count("position")
        let rows = position % c.chunkSize
        var layers: [MegalodonLayerState] = []
        for index in 0..<c.numLayers {
            let prefix = "layers.\(index)."
            let keys = try values(prefix + "attn.k", [rows, c.numHeads, c.zHeadDim], as: Float.self).values
            let cached = try values(prefix + "attn.v", [rows, c.numHeads, c.valueHeadDim], as: Float.self).values
            layers.append(
                MegalodonLayerState(
                    timestepNorm: try norm(prefix + "norm."),
                    ema: ComplexEMAState(
                        real: try values(prefix + "ema.h_real", [c.modelDim, c.cemaNdim], as: Float.self).values,
                        imaginary: try values(prefix + "ema.h_imag", [c.modelDim, c.cemaNdim], as: Float.self).values),
                    attention: ChunkKVCache(keys: keys, values: cached, count: rows)))
        }
        let expectedNames = 1 + 7 * c.numLayers + 3
        guard file.tensorInfos.count == expectedNames else {
            throw StateFileFailure.badTensor(
                path: path, tensor: "(file)", reason: "holds \(file.tensorInfos.count) tensors, expected \(expectedNames)")
        }
        return MegalodonState(layers: layers, finalNorm: try norm("final_norm."), position: position)
    }
}
