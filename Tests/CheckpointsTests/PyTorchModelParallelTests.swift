import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// Model-parallel directories: the oracle split the official golden state dict (and a small Llama
/// state dict) into two ranks along the reference axes; merging by the documented tables
/// (formats/names; the wings' code is checked against them in ModelsTests) must give the originals
/// back exactly.
@Suite struct PyTorchModelParallelTests {
    static func fixture(_ name: String) -> String { SharedFiles.tests("CheckpointsTests/Fixtures/pytorch/\(name)").path }

    static func open(_ directory: String) throws -> ModelParallelCheckpoint {
        try ModelParallelCheckpoint(directory: directory, mergeRules: try DocumentedMergeRules.both())
    }

    @Test func megalodonTwoRankMergeReproducesTheGoldenWeights() throws {
        let merged = try Self.open(Self.fixture("megalodon_mp2"))
        #expect(merged.layout == .consolidateConfig)
        #expect(merged.shards.count == 2)
        #expect(merged.metadata["model_parallel_size"] == "2")
        #expect(merged.metadata["dtype"] == "fp32")
        #expect(merged.metadata["model.model_dim"] == "64")
        #expect(merged.metadata["model.swiglu"] == "true")
        #expect(merged.metadata["model.norm_eps"] == "1e-05")
        #expect(merged.metadata["tokenizer.path"] == "tokenizer.model")
        let golden = try ReferenceSafetensors(url: SharedFiles.shared("fixtures/megalodon/A_swiglu.safetensors"))
        let weights = golden.entries.filter { $0.key.hasPrefix("weights.") }
        #expect(merged.tensorInfos.count == weights.count)
        for info in merged.tensorInfos {
            guard let expected = golden.entries["weights." + info.name] else {
                Issue.record("\(info.name) is not in the golden weights")
                continue
            }
            #expect(info.shape == expected.shape, "\(info.name)")
            let tensor = try merged.tensor(named: info.name)
            #expect(tensor.shape == expected.shape, "\(info.name)")
            #expect(tensor.data == expected.bytes, "\(info.name)")
        }
        // A rank holds half of a column-split tensor.
        #expect(merged.shards[0].info(named: "embed.weight")?.shape == [97, 32])
        #expect(merged.shards[1].info(named: "layers.0.mega.wv.weight")?.shape == [64, 64])
    }

    @Test func metaLlamaTwoRankMergeReproducesTheUnsplitStateDict() throws {
        let merged = try Self.open(Self.fixture("llama_mp2"))
        #expect(merged.layout == .params)
        let expected = try PyTorchCheckpoint(path: Self.fixture("llama_merged_expected.pth"))
        #expect(merged.tensorNames == expected.tensorNames)
        for name in expected.tensorNames {
            let tensor = try merged.tensor(named: name)
            let want = try expected.tensor(named: name)
            #expect(tensor.shape == want.shape, "\(name)")
            #expect(tensor.data == want.data, "\(name)")
        }
    }

    @Test func aModelParallelFolderNeedsMergeRules() {
        let folder = Self.fixture("megalodon_mp2")
        #expect(throws: ModelParallelError.noMergeRules(path: folder)) { try ModelDirectory.open(folder) }
    }

    @Test func inconsistentDirectoriesAreTypedErrors() throws {
        let badShape = Self.fixture("mp2_bad_shape")
        #expect(
            throws: ModelParallelError.shapeMismatch(
                path: badShape, tensor: "layers.0.mega.wz.weight",
                detail: "rank 1 has shape [2, 5], rank 0 [2, 6] (concatenate(axis: 0))")
        ) {
            try Self.open(badShape)
        }
        let badReplica = Self.fixture("mp2_bad_replica")
        let merged = try Self.open(badReplica)
        #expect(throws: ModelParallelError.replicatedDiffers(path: badReplica, tensor: "rope.freqs", rank: 1)) {
            try merged.tensor(named: "rope.freqs")
        }
        #expect(try merged.tensor(named: "layers.0.mega.wz.weight").shape == [4, 6])
    }

    @Test func missingShardsForeignKeysAndMismatchedKeySetsAreTypedErrors() throws {
        let manager = FileManager.default
        let folder = try SharedFiles.temporaryDirectory("mp")
        defer { try? manager.removeItem(at: folder) }
        let source = URL(fileURLWithPath: Self.fixture("megalodon_mp2"))
        for name in ["consolidate_config.json", "consolidated.00.pth"] {
            try manager.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let missing = folder.appendingPathComponent("consolidated.01.pth").path
        #expect(throws: ModelParallelError.missingShard(path: missing)) { try Self.open(folder.path) }

        // Rank 1 from another model: the key sets differ.
        try manager.copyItem(atPath: Self.fixture("llama_mp2/consolidated.01.pth"), toPath: missing)
        #expect(throws: ModelParallelError.keySetsDiffer(path: missing, detail: "lacks 'embed.weight', which rank 0 has (rank 1)")) {
            try Self.open(folder.path)
        }

        // Llama tensors described as MEGALODON: no known split, refused rather than guessed.
        try manager.removeItem(atPath: folder.appendingPathComponent("consolidated.00.pth").path)
        try manager.copyItem(
            atPath: Self.fixture("llama_mp2/consolidated.00.pth"), toPath: folder.appendingPathComponent("consolidated.00.pth").path)
        #expect(throws: ModelParallelError.unknownKey(path: folder.path, tensor: "tok_embeddings.weight")) {
            try Self.open(folder.path)
        }
        #expect(throws: ModelParallelError.notACheckpointDirectory(path: source.deletingLastPathComponent().path)) {
            try Self.open(source.deletingLastPathComponent().path)
        }
    }

    @Test func consolidateConfigIsValidated() throws {
        let manager = FileManager.default
        let folder = try SharedFiles.temporaryDirectory("mp-config")
        defer { try? manager.removeItem(at: folder) }
        let config = folder.appendingPathComponent("consolidate_config.json")
        try manager.copyItem(
            atPath: Self.fixture("megalodon_mp2/consolidated.00.pth"), toPath: folder.appendingPathComponent("consolidated.pth").path)
        // Size 1 reads consolidated.pth alone.
        try Data(#"{"model_parallel_size": 1, "dtype": "bf16"}"#.utf8).write(to: config)
        let single = try Self.open(folder.path)
        #expect(single.tensorInfos.count == 62)
        #expect(single.metadata["dtype"] == "bf16")
        #expect(try single.tensor(named: "embed.weight").shape == [97, 32])
        for bad in [
            #"{"model_parallel_size": 0}"#, #"{"model_parallel_size": true}"#, #"{"model_parallel_size": 100000000}"#,
            #"{"dtype": "bf16"}"#, "[1]",
        ] {
            try Data(bad.utf8).write(to: config)
            #expect(throws: ModelParallelError.self, "\(bad)") { try Self.open(folder.path) }
        }
    }
}

/// Merging a window of rows at a time (so that only windows of the ranks' mapped pages are resident)
/// gives the same tensor as merging whole slices, for windows that do not divide the rows or bytes.
@Suite struct ModelParallelWindowTests {
    static func pieces(_ shapes: [[Int]]) throws -> [Tensor] {
        var next: Float = 0
        return try shapes.map { shape in
            let count = shape.reduce(1, *)
            defer { next += Float(count) }
            return try Tensor(floats: (0..<count).map { next + Float($0) }, shape: shape, dtype: .f32)
        }
    }

    /// The plain merge: for every index of the leading axes, each piece's block in turn.
    static func reference(_ pieces: [Tensor], outer: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for row in 0..<outer {
            for piece in pieces {
                let block = piece.byteCount / outer
                bytes += piece.bytes[row * block..<(row + 1) * block]
            }
        }
        return bytes
    }

    @Test(arguments: [1, 12, 100, 1 << 20])
    func windowedMergeEqualsTheWholeMerge(windowBytes: Int) throws {
        let columnsSplit = try Self.pieces([[7, 3], [7, 5], [7, 3]])
        let merged = try ModelParallelCheckpoint.concatenate(
            columnsSplit, axis: 1, into: TensorInfo(name: "w", dtype: .f32, shape: [7, 11]), windowBytes: windowBytes)
        #expect(Array(merged.bytes) == Self.reference(columnsSplit, outer: 7))

        let rowsSplit = try Self.pieces([[5, 4], [3, 4]])
        let stacked = try ModelParallelCheckpoint.concatenate(
            rowsSplit, axis: 0, into: TensorInfo(name: "w", dtype: .f32, shape: [8, 4]), windowBytes: windowBytes)
        #expect(Array(stacked.bytes) == Self.reference(rowsSplit, outer: 1))
    }

    @Test func windowsCoverEveryUnitOnce() {
        var seen: [Range<Int>] = []
        let pieces = (try? Self.pieces([[10, 2], [10, 2]])) ?? []
        ModelParallelCheckpoint.inWindows(of: pieces, units: 10, unitBytes: [8, 8], windowBytes: 40) { seen.append($0) }
        #expect(seen == [0..<2, 2..<4, 4..<6, 6..<8, 8..<10])
        seen = []
        ModelParallelCheckpoint.inWindows(of: pieces, units: 80, unitBytes: [1, 1], windowBytes: 60) { seen.append($0) }
        #expect(seen == [0..<30, 30..<60, 60..<80])
    }
}
