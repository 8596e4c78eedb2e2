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
        default: kind = String(describing: type(of: source))
        }
        tensorCount = source.tensorInfos.count
        byteCount = source.tensorInfos.reduce(0) { $0 + $1.byteCount }
        parameterCount = source.tensorInfos.reduce(0) { $0 + $1.elementCount }
    }
}
