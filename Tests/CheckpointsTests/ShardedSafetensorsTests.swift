import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// Sharded checkpoints against huggingface_hub's splitter and index writer (fixtures from the oracle).
struct ShardedSafetensorsTests {
    static let cases = SafetensorsFixtures.cases("sharded").compactMap { $0["directory"]?.stringValue }

    static func entry(_ directory: String) throws -> JSONObject {
        try #require(SafetensorsFixtures.cases("sharded").first { $0["directory"]?.stringValue == directory })
    }

    /// Same layout and bytes; when a file's metadata has several keys the reference writes them in
    /// its HashMap's random order, so that one file is compared entry by entry instead.
    func expectSameFile(_ ours: String, _ reference: String) throws {
        let (mine, theirs) = (try SafetensorsFile(path: ours), try SafetensorsFile(path: reference))
        if theirs.metadataEntries.count <= 1 {
            #expect(try Data(contentsOf: URL(fileURLWithPath: ours)) == Data(contentsOf: URL(fileURLWithPath: reference)), "\(reference)")
        } else {
            #expect(mine.header.entries == theirs.header.entries && mine.metadata == theirs.metadata, "\(reference)")
            for info in theirs.tensorInfos {
                #expect(Array(try mine.tensor(named: info.name).bytes) == Array(try theirs.tensor(named: info.name).bytes))
            }
        }
    }

    @Test(arguments: cases)
    func writesWhatHuggingfaceHubWrites(directory: String) throws {
        let entry = try Self.entry(directory)
        let expected = SafetensorsFixtures.tensors(of: entry)
        let byName = Dictionary(uniqueKeysWithValues: expected.map { ($0.name, $0) })
        let maximum = try #require(entry["max_shard_size"]?.numberValue?.intValue)
        let metadata = (entry["metadata"]?.objectValue?.members ?? []).compactMap { member in
            member.value.stringValue.map { (member.key, $0) }
        }
        let output = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: output) }
        let plan = try ShardedSafetensorsWriter.write(
            toDirectory: output.path, tensors: expected.map(\.info), metadata: metadata,
            maximumShardSize: maximum, overwrite: false
        ) { try #require(byName[$0.name]).tensor }
        let files = entry["files"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).sorted() == files)
        let referencePlan = entry["filename_to_tensors"]?.objectValue?.members.map { $0.value.arrayValue?.compactMap(\.stringValue) ?? [] }
        #expect(plan.shards.map { $0.map(\.name) } == referencePlan)
        for file in files {
            let ours = output.appendingPathComponent(file).path
            let reference = SafetensorsFixtures.url("\(directory)/\(file)").path
            if file.hasSuffix(".json") {
                #expect(try Data(contentsOf: URL(fileURLWithPath: ours)) == Data(contentsOf: URL(fileURLWithPath: reference)))
            } else {
                try expectSameFile(ours, reference)
            }
        }
        // Round trip: the folder reads back as one source holding exactly the original tensors.
        let source = try ModelDirectory.open(output.path)
        #expect(source.tensorNames == (plan.shards.count > 1 ? plan.shards.flatMap { $0.map(\.name) } : source.tensorNames))
        #expect(Set(source.tensorNames) == Set(expected.map(\.name)))
        for tensor in expected { #expect(Array(try source.tensor(named: tensor.name).bytes) == tensor.bytes) }
    }

    @Test func readsTheReferenceShardsAsOneSource() throws {
        let source = try ModelDirectory.open(SafetensorsFixtures.url("sharded/limit_100_with_metadata").path)
        let sharded = try #require(source as? ShardedSafetensors)
        #expect(sharded.shardNames.count > 1)
        #expect(sharded.metadata["note"] == "extra")
        let total = sharded.tensorInfos.reduce(0) { $0 + $1.byteCount }
        #expect(sharded.metadata["total_size"] == String(total))
        let summary = CheckpointSummary(source)
        #expect(
            summary
                == CheckpointSummary(
                    kind: "sharded safetensors, \(sharded.shardNames.count) shards", tensorCount: 7, byteCount: total,
                    parameterCount: sharded.tensorInfos.reduce(0) { $0 + $1.elementCount }))
    }

    func writeShards(_ folder: URL, _ shards: [String: [String]]) throws {
        for (file, names) in shards {
            try SafetensorsWriter.write(
                to: folder.appendingPathComponent(file).path, tensors: names.map { TensorInfo(name: $0, dtype: .u8, shape: [1]) },
                metadata: nil, overwrite: true
            ) { _ in Tensor([UInt8(1)], shape: [1]) }
        }
    }

    func writeIndex(_ folder: URL, _ map: String) throws -> String {
        let path = folder.appendingPathComponent("model.safetensors.index.json").path
        try Data(#"{"metadata":{"total_size":2},"weight_map":\#(map)}"#.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func reportsInconsistentIndexes() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try writeShards(folder, ["a.safetensors": ["x"], "b.safetensors": ["y", "x"]])
        var index = try writeIndex(folder, #"{"x":"a.safetensors","y":"c.safetensors"}"#)
        #expect(throws: ShardedCheckpointError.missingShard(index: index, shard: "c.safetensors", tensor: "y")) {
            try ShardedSafetensors(indexPath: index)
        }
        index = try writeIndex(folder, #"{"x":"a.safetensors","y":"b.safetensors"}"#)
        #expect(throws: ShardedCheckpointError.tensorInTwoShards(index: index, tensor: "x", shards: ["a.safetensors", "b.safetensors"])) {
            try ShardedSafetensors(indexPath: index)
        }
        try writeShards(folder, ["b.safetensors": ["y"]])
        index = try writeIndex(folder, #"{"x":"a.safetensors","y":"b.safetensors","z":"b.safetensors"}"#)
        #expect(throws: ShardedCheckpointError.tensorMissingFromShard(index: index, tensor: "z", shard: "b.safetensors")) {
            try ShardedSafetensors(indexPath: index)
        }
        index = try writeIndex(folder, #"{"x":"a.safetensors","w":"b.safetensors"}"#)
        #expect(throws: ShardedCheckpointError.unlistedTensor(index: index, tensor: "y", shard: "b.safetensors")) {
            try ShardedSafetensors(indexPath: index)
        }
        index = try writeIndex(folder, #"{"x":"../a.safetensors"}"#)
        #expect(throws: ShardedCheckpointError.invalidShardName(index: index, shard: "../a.safetensors")) {
            try ShardedSafetensors(indexPath: index)
        }
        index = try writeIndex(folder, #"{"x":"a.safetensors","x":"b.safetensors"}"#)
        #expect(throws: ShardedCheckpointError.self) { try ShardedSafetensors(indexPath: index) }
        index = try writeIndex(folder, #"{"x":"a.safetensors","y":"b.safetensors"}"#)
        let source = try ModelDirectory.open(folder.path)
        #expect(source.tensorNames == ["x", "y"])
        #expect(throws: ShardedCheckpointError.tensorNotFound(index: index, name: "q")) { try source.tensor(named: "q") }
    }

    @Test func splitsLikeHuggingfaceHub() throws {
        let sizes = [2, 2, 10, 2]
        let infos = sizes.enumerated().map { TensorInfo(name: "t\($0.offset)", dtype: .u8, shape: [$0.element]) }
        let plan = try ShardPlan(tensors: infos, maximumShardSize: 5)
        // The oversized tensor's shard is placed before the shard still being filled.
        #expect(plan.shards.map { $0.map(\.name) } == [["t2"], ["t0", "t1"], ["t3"]])
        #expect(plan.fileName(ofShard: 1) == "model-00002-of-00003.safetensors")
        #expect(plan.totalSize == 16)
        #expect(throws: ShardedCheckpointError.invalidMaximumShardSize(0)) { try ShardPlan(tensors: infos, maximumShardSize: 0) }
    }

    @Test func opensFilesAndFoldersByContent() throws {
        let single = SafetensorsFixtures.url("valid/all_dtypes.safetensors").path
        #expect(try CheckpointFormat.detect(path: single) == .safetensors)
        #expect(try ModelDirectory.open(single) is SafetensorsFile)
        #expect(try ModelDirectory.open(SafetensorsFixtures.url("sharded/single_shard").path) is SafetensorsFile)
        #expect(
            try CheckpointFormat.detect(path: SafetensorsFixtures.url("sharded/limit_200/model.safetensors.index.json").path)
                == .safetensorsIndex)
        #expect(throws: CheckpointOpenError.ambiguousDirectory(path: SafetensorsFixtures.url("valid").path, candidates: Self.validNames)) {
            try ModelDirectory.open(SafetensorsFixtures.url("valid").path)
        }
        #expect(throws: SafetensorsError.self) {
            try ModelDirectory.open(SafetensorsFixtures.url("crafted/ref_header_too_large.safetensors").path)
        }
        #expect(throws: CheckpointOpenError.self) { try ModelDirectory.open(SafetensorsFixtures.url("manifest.json").path) }
        #expect(throws: CheckpointOpenError.notFound(path: "/nonexistent")) { try ModelDirectory.open("/nonexistent") }
    }

    static var validNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: SafetensorsFixtures.url("valid").path)) ?? []).sorted()
    }
}
