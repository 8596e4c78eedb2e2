import Checkpoints
import Foundation
import Tensors

/// A checkpoint of random weights for any `MegalodonConfig` (megalodon-jax names, so no prior
/// buffers or RoPE table to get right), made tensor by tensor when asked for: benchmarks and
/// long-stream tests need a model of a given shape, not trained values. Deterministic per seed.
public final class RandomMegalodonWeights: TensorSource, @unchecked Sendable {
    public let config: MegalodonConfig
    public let seed: UInt64
    /// Storage type of the matrices (F32, F16 or BF16); vectors are always F32.
    public let matrixDType: DType
    public let tensorInfos: [TensorInfo]

    public init(config: MegalodonConfig, seed: UInt64 = 0, matrixDType: DType = .f32) {
        self.config = config
        self.seed = seed
        self.matrixDType = matrixDType
        tensorInfos = MegalodonModel.schema(config, .jax).entries.map {
            TensorInfo(name: $0.name, dtype: $0.isMatrix ? matrixDType : .f32, shape: $0.shape)
        }
    }

    public var location: String { "random MEGALODON weights (seed \(seed))" }
    public var metadata: [String: String] { [:] }

    public enum Failure: Error, CustomStringConvertible {
        case unknownTensor(String)
        public var description: String { "random MEGALODON weights: no tensor named \(self)" }
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let info = tensorInfos.first(where: { $0.name == name }) else { throw Failure.unknownTensor(name) }
        var generator = SplitMix64(seed: seed ^ Self.stableHash(name))
        let count = info.elementCount
        // Matrices scaled like a trained layer (unit-variance outputs); other parameters near their
        // "+1"-offset zero with some spread so every path is exercised.
        let spread: Float =
            info.shape.count == 2 && !name.contains("gamma") && !name.contains("beta")
            ? 1 / Float(info.shape[1]).squareRoot() : 0.2
        let values = (0..<count).map { _ in generator.nextGaussian() * spread }
        return try Tensor(floats: values, shape: info.shape, dtype: info.dtype)
    }

    /// FNV-1a, so a tensor's values do not depend on Swift's per-process hash seed.
    private static func stableHash(_ name: String) -> UInt64 {
        name.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
