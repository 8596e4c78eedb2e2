/// Totals and a one-line description of a checkpoint, for `inspect`-style listings.
public struct CheckpointSummary: Sendable, Equatable {
    public var kind: String
    public var tensorCount: Int
    public var byteCount: Int
    public var parameterCount: Int

    public init(kind: String, tensorCount: Int, byteCount: Int, parameterCount: Int) {
        (self.kind, self.tensorCount, self.byteCount, self.parameterCount) = (kind, tensorCount, byteCount, parameterCount)
    }

    public init(_ source: TensorSource) {
        switch source {
        case let sharded as ShardedSafetensors: kind = "sharded safetensors, \(sharded.shardNames.count) shards"
        case is SafetensorsFile: kind = "safetensors"
        case let file as ZstdContainerFile:
            let compressed = file.entries.reduce(0) { $0 + $1.compressedSize }
            kind = "zstd container, \(compressed) bytes compressed"
        case let file as GGUFFile: kind = "GGUF v\(file.version)"
        case let file as PyTorchCheckpoint: kind = "PyTorch (\(file.metadata["pytorch.format"] ?? "torch.save"))"
        case let merged as ModelParallelCheckpoint: kind = "model-parallel (\(merged.layout.rawValue)), \(merged.shards.count) ranks merged"
        case let prefixed as PrefixedSource: kind = CheckpointSummary(prefixed.base).kind + ", tensors under \"\(prefixed.prefix).\""
        default: kind = String(describing: type(of: source))
        }
        let stored = Self.storedTensors(of: source)
        tensorCount = stored.count
        byteCount = stored.reduce(0) { $0 + $1.byteCount }
        parameterCount = stored.reduce(0) { $0 + $1.shape.reduce(1, *) }
    }

    /// A tensor as the file stores it: a GGUF file's quantized tensors read as F32 through
    /// `TensorSource`, but a listing should show their block type (Q4_1, Q8_0, ...) and stored size.
    public struct StoredTensor: Sendable, Equatable {
        public let name: String
        public let type: String
        public let shape: [Int]
        public let byteCount: Int
    }

    public static func storedTensors(of source: TensorSource) -> [StoredTensor] {
        if let file = source as? GGUFFile {
            return file.ggufTensors.map { StoredTensor(name: $0.name, type: $0.type.name, shape: $0.shape, byteCount: $0.byteRange.count) }
        }
        return source.tensorInfos.map { StoredTensor(name: $0.name, type: $0.dtype.rawValue, shape: $0.shape, byteCount: $0.byteCount) }
    }
}
