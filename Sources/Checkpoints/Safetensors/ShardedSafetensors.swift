import Foundation
import Tensors

/// A sharded safetensors checkpoint read through its index
/// (`{"metadata": {"total_size": N, ...}, "weight_map": {tensor: shard file}}`) as one source.
///
/// Opening reads the index and each shard's header (memory-mapped; needed for the tensor list and to
/// prove the index and shards agree); tensor bytes are touched only when a tensor is requested.
/// Shards are opened by content, so Hugging Face's sharded PyTorch checkpoints
/// (`pytorch_model.bin.index.json` + `pytorch_model-0000N-of-0000M.bin`) read the same way.
public final class ShardedSafetensors: TensorSource {
    public let location: String
    public let tensorInfos: [TensorInfo]
    /// The index's `metadata`, values rendered as text (`total_size` as its integer).
    public let metadata: [String: String]
    /// Shard file names in the order the weight map first mentions them.
    public let shardNames: [String]
    /// Each tensor's shard file name.
    public let shardByTensor: [String: String]
    private let shards: [String: TensorSource]

    public convenience init(indexPath: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: indexPath)) } catch {
            throw ShardedCheckpointError.cannotReadIndex(index: indexPath, reason: error.localizedDescription)
        }
        let json: JSONValue
        do { json = try JSONParser.parse([UInt8](data)) } catch { throw ShardedCheckpointError.invalidIndexJSON(index: indexPath, error) }
        try self.init(indexPath: indexPath, index: json)
    }

    init(indexPath: String, index json: JSONValue) throws {
        location = indexPath
        let folder = URL(fileURLWithPath: indexPath).deletingLastPathComponent()
        guard let index = json.objectValue, let weightMap = index["weight_map"]?.objectValue else {
            throw ShardedCheckpointError.invalidIndex(index: indexPath, problem: "expected an object with a \"weight_map\" object")
        }
        var metadata: [String: String] = [:]
        if let object = index["metadata"]?.objectValue {
            for (key, value) in object.members { metadata[key] = value.stringValue ?? value.serialized() }
        }
        self.metadata = metadata
        var shardNames: [String] = []
        var shardByTensor: [String: String] = [:]
        for (tensor, value) in weightMap.members {
            guard let shard = value.stringValue else {
                throw ShardedCheckpointError.invalidIndex(
                    index: indexPath, problem: "weight_map[\"\(tensor)\"] must be a file name, found \(value.kindName)")
            }
            guard !shard.isEmpty, !shard.contains("/"), shard != ".", shard != ".." else {
                throw ShardedCheckpointError.invalidShardName(index: indexPath, shard: shard)
            }
            if !shardNames.contains(shard) { shardNames.append(shard) }
            shardByTensor[tensor] = shard
        }
        var shards: [String: TensorSource] = [:]
        var holder: [String: String] = [:]
        for shard in shardNames {
            let path = folder.appendingPathComponent(shard).path
            guard FileManager.default.fileExists(atPath: path) else {
                let tensor = weightMap.members.first { $0.value.stringValue == shard }?.key ?? ""
                throw ShardedCheckpointError.missingShard(index: indexPath, shard: shard, tensor: tensor)
            }
            let file = try CheckpointFormat.detect(path: path).open(path)
            for name in file.tensorNames {
                if let other = holder[name] {
                    throw ShardedCheckpointError.tensorInTwoShards(index: indexPath, tensor: name, shards: [other, shard])
                }
                holder[name] = shard
            }
            shards[shard] = file
        }
        for (name, shard) in holder where shardByTensor[name] == nil {
            throw ShardedCheckpointError.unlistedTensor(index: indexPath, tensor: name, shard: shard)
        }
        tensorInfos = try weightMap.members.map { member in
            guard let shard = member.value.stringValue, let info = shards[shard]?.info(named: member.key) else {
                throw ShardedCheckpointError.tensorMissingFromShard(
                    index: indexPath, tensor: member.key, shard: member.value.stringValue ?? "")
            }
            return info
        }
        self.shardNames = shardNames
        self.shardByTensor = shardByTensor
        self.shards = shards
    }

    /// The opened shard holding `name`, if any.
    public func shard(holding name: String) -> TensorSource? { shardByTensor[name].flatMap { shards[$0] } }

    public func tensor(named name: String) throws -> Tensor {
        guard let shard = shard(holding: name) else { throw ShardedCheckpointError.tensorNotFound(index: location, name: name) }
        return try shard.tensor(named: name)
    }
}
