/// Why a sharded checkpoint (`*.index.json` + shard files) could not be read or written.
public enum ShardedCheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotReadIndex(index: String, reason: String)
    case invalidIndexJSON(index: String, JSONParseError)
    case invalidIndex(index: String, problem: String)
    /// A shard name that is not a plain file name in the index's folder.
    case invalidShardName(index: String, shard: String)
    case missingShard(index: String, shard: String, tensor: String)
    /// The weight map lists the tensor in a shard whose header does not have it.
    case tensorMissingFromShard(index: String, tensor: String, shard: String)
    /// The tensor is stored in two shards.
    case tensorInTwoShards(index: String, tensor: String, shards: [String])
    /// A shard holds a tensor the weight map does not list.
    case unlistedTensor(index: String, tensor: String, shard: String)
    case tensorNotFound(index: String, name: String)
    case invalidMaximumShardSize(Int)

    public var description: String {
        switch self {
        case let .cannotReadIndex(index, reason): return "\(index): cannot read the index: \(reason)"
        case let .invalidIndexJSON(index, error): return "\(index): the index is not valid JSON: \(error)"
        case let .invalidIndex(index, problem): return "\(index): invalid index: \(problem)"
        case let .invalidShardName(index, shard): return "\(index): shard name \"\(shard)\" must be a file name in the index's folder"
        case let .missingShard(index, shard, tensor): return "\(index): shard \(shard) (holding \"\(tensor)\") does not exist"
        case let .tensorMissingFromShard(index, tensor, shard):
            return "\(index): \"\(tensor)\" is mapped to \(shard), which does not contain it"
        case let .tensorInTwoShards(index, tensor, shards):
            return "\(index): \"\(tensor)\" is stored in both \(shards.joined(separator: " and "))"
        case let .unlistedTensor(index, tensor, shard): return "\(index): \(shard) holds \"\(tensor)\", which the weight map does not list"
        case let .tensorNotFound(index, name): return "\(index): no tensor named \"\(name)\""
        case let .invalidMaximumShardSize(size): return "maximum shard size must be at least 1 byte, got \(size)"
        }
    }
}
