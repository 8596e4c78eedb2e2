import Tensors

/// How tensors are split into shards, by huggingface_hub's rule
/// (`split_state_dict_into_shards_factory`): walk the tensors in order, start a new shard when the
/// next tensor would push the current one past the maximum; a tensor larger than the maximum gets a
/// shard of its own, placed right away (before the shard still being filled).
public struct ShardPlan: Sendable, Equatable {
    public var shards: [[TensorInfo]]
    /// Sum of tensor byte sizes (the index's `total_size`).
    public var totalSize: Int

    public init(tensors: [TensorInfo], maximumShardSize: Int) throws {
        guard maximumShardSize >= 1 else { throw ShardedCheckpointError.invalidMaximumShardSize(maximumShardSize) }
        var shards: [[TensorInfo]] = []
        var current: [TensorInfo] = []
        var currentSize = 0
        var total = 0
        for tensor in tensors {
            let size = tensor.byteCount
            total += size
            if size > maximumShardSize {
                shards.append([tensor])
                continue
            }
            if currentSize + size > maximumShardSize {
                shards.append(current)
                current = []
                currentSize = 0
            }
            current.append(tensor)
            currentSize += size
        }
        if !current.isEmpty || shards.isEmpty { shards.append(current) }
        self.shards = shards
        totalSize = total
    }

    /// `model.safetensors` for one shard, else `model-00001-of-00003.safetensors`, ...
    public func fileName(ofShard index: Int, prefix: String = "model") -> String {
        guard shards.count > 1 else { return "\(prefix).safetensors" }
        return "\(prefix)-\(Self.fiveDigits(index + 1))-of-\(Self.fiveDigits(shards.count)).safetensors"
    }

    private static func fiveDigits(_ value: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }
}
