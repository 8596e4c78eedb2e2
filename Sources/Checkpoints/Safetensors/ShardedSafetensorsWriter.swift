import Foundation
import Tensors

/// Writes a checkpoint as huggingface_hub's `save_torch_state_dict` does: shards planned by
/// `ShardPlan`, each shard with metadata `{"format": "pt"}` (plus the caller's metadata when there
/// is a single file), and for several shards `model.safetensors.index.json` =
/// `json.dump({"metadata": {"total_size": N, **metadata}, "weight_map": {...}}, indent=2)`.
/// All files are committed together by `AtomicOutput`, the index last.
public enum ShardedSafetensorsWriter {
    public static let indexFileName = "model.safetensors.index.json"

    /// Returns the plan that was written.
    @discardableResult
    public static func write(
        toDirectory directory: String, tensors: [TensorInfo], metadata: SafetensorsMetadata = [],
        maximumShardSize: Int, overwrite: Bool, produce: (TensorInfo) throws -> Tensor
    ) throws -> ShardPlan {
        try AtomicOutput.writing(overwrite: overwrite) { output in
            try write(
                into: output, directory: directory, tensors: tensors, metadata: metadata, maximumShardSize: maximumShardSize,
                produce: produce)
        }
    }

    /// Adds the shards (and index) to an output being written, so that other files (config,
    /// tokenizer) commit together with them.
    @discardableResult
    public static func write(
        into output: AtomicOutput, directory: String, tensors: [TensorInfo], metadata: SafetensorsMetadata = [],
        maximumShardSize: Int, produce: (TensorInfo) throws -> Tensor
    ) throws -> ShardPlan {
        let plan = try ShardPlan(tensors: tensors, maximumShardSize: maximumShardSize)
        var fileMetadata: SafetensorsMetadata = [("format", "pt")]
        if plan.shards.count == 1 {
            for (key, value) in metadata {
                if let position = fileMetadata.firstIndex(where: { $0.key == key }) {
                    fileMetadata[position].value = value
                } else {
                    fileMetadata.append((key, value))
                }
            }
        }
        let folder = URL(fileURLWithPath: directory)
        for (position, shard) in plan.shards.enumerated() {
            let path = folder.appendingPathComponent(plan.fileName(ofShard: position)).path
            try output.write(to: path) { file in
                try SafetensorsWriter.write(into: file, tensors: shard, metadata: fileMetadata, produce: produce)
            }
        }
        if plan.shards.count > 1 {
            let index = indexJSON(plan: plan, metadata: metadata)
            try output.write(to: folder.appendingPathComponent(indexFileName).path) { try $0.write(Array(index.utf8)) }
        }
        return plan
    }

    static func indexJSON(plan: ShardPlan, metadata: SafetensorsMetadata) -> String {
        var indexMetadata = JSONObject()
        indexMetadata.append(key: "total_size", value: .number(JSONNumber(lexeme: String(plan.totalSize))))
        var weightMap = JSONObject()
        for (position, shard) in plan.shards.enumerated() {
            for tensor in shard { weightMap.append(key: tensor.name, value: .string(plan.fileName(ofShard: position))) }
        }
        var index = JSONObject()
        var merged = JSONObject()
        // Python's {**split.metadata, **metadata}: caller keys override total_size in place.
        for (key, value) in indexMetadata.members {
            merged.append(key: key, value: metadata.first { $0.key == key }.map { .string($0.value) } ?? value)
        }
        for (key, value) in metadata where merged[key] == nil { merged.append(key: key, value: .string(value)) }
        index.append(key: "metadata", value: .object(merged))
        index.append(key: "weight_map", value: .object(weightMap))
        return JSONValue.object(index).serialized(.pythonIndented(2))
    }
}
