import Checkpoints
import Tensors

/// A quantized checkpoint seen as the float checkpoint its codes stand for: each weight its manifest
/// lists appears as one F32 tensor under its float name (dequantized when read), its parts are hidden
/// and the manifest is dropped from the metadata; every other tensor passes through. Wrapping a GGUF
/// file also hides its raw blocks from loaders, which then read `GGUFFile.tensor(named:)` (dequantized
/// to f32). This is the reference the quantized engines are compared with, and costs the f32 memory.
public final class DequantizedTensorSource: TensorSource, @unchecked Sendable {
    public let base: TensorSource
    private let manifest: QuantizationManifest?
    public let tensorInfos: [TensorInfo]

    public init(_ base: TensorSource) throws {
        self.base = base
        let manifest = try QuantizedCheckpointLayout.manifest(of: base)
        self.manifest = manifest
        var partOwners: [String: String] = [:]
        for (name, layout) in manifest?.tensors ?? [:] {
            for part in QuantizedCheckpointLayout.parts(weightName: name, layout: layout) { partOwners[part.name] = name }
        }
        tensorInfos = base.tensorInfos.compactMap { info in
            guard let owner = partOwners[info.name], let layout = manifest?.tensors[owner] else { return info }
            // The codes stand for the whole weight; scales and biases disappear into it.
            guard info.name == QuantizedCheckpointLayout.codesName(ofWeight: owner) else { return nil }
            return TensorInfo(name: owner, dtype: .f32, shape: [layout.rows, layout.columns])
        }
    }

    public var location: String { base.location }

    public var metadata: [String: String] { base.metadata.filter { $0.key != QuantizationManifest.metadataKey } }

    public func tensor(named name: String) throws -> Tensor {
        guard let layout = manifest?.tensors[name] else { return try base.tensor(named: name) }
        let matrix = try QuantizedCheckpointLayout.matrix(weightName: name, layout: layout, from: base)
        return try Tensor(floats: Dequantizer.dequantize(matrix), shape: [layout.rows, layout.columns], dtype: .f32)
    }
}
