import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints
@testable import Conversion
@testable import Models

/// Bad inputs give a typed error naming the file (and tensor), and nothing is written: the output
/// folder is not created, and no final or temporary file is left behind.
@Suite("Conversion errors leave nothing behind")
struct ConvertErrorTests {
    /// Converts `input` into a fresh folder and returns the error; expects that nothing was written.
    func failure(_ input: String, prefix: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Error {
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("out").path
        var caught: Error?
        do { try ConvertFixtures.convert(input, to: output, prefix: prefix) } catch { caught = error }
        #expect(ConvertFixtures.listing(output) == nil, "output folder was left behind", sourceLocation: sourceLocation)
        return try #require(caught, "conversion of \(input) succeeded", sourceLocation: sourceLocation)
    }

    func copyOfFixture(_ path: String) throws -> URL {
        let copy = try SharedFiles.temporaryDirectory().appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent)
        try FileManager.default.copyItem(atPath: ConvertFixtures.fixture(path), toPath: copy.path)
        return copy
    }

    @Test("a missing model-parallel shard")
    func missingShard() throws {
        let folder = try copyOfFixture("pytorch/megalodon_mp2")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("consolidated.01.pth"))
        let error = try failure(folder.path)
        #expect(error as? ModelParallelError == .missingShard(path: folder.path + "/consolidated.01.pth"))
    }

    @Test("shards whose shapes disagree off the concatenation axis")
    func shapeDisagreement() throws {
        let error = try failure(ConvertFixtures.fixture("pytorch/mp2_bad_shape"))
        guard case let .shapeMismatch(_, tensor, _)? = error as? ModelParallelError else { Issue.record("got \(error)"); return }
        #expect(tensor == "layers.0.mega.wz.weight")
    }

    @Test("a replicated tensor that differs between ranks (found while writing)")
    func replicaDiffers() throws {
        let error = try failure(ConvertFixtures.fixture("pytorch/mp2_bad_replica"))
        guard case let .replicatedDiffers(_, tensor, rank)? = error as? ModelParallelError else { Issue.record("got \(error)"); return }
        #expect(tensor == "rope.freqs" && rank == 1)
    }

    @Test("a truncated PyTorch file")
    func truncatedPyTorch() throws {
        let copy = try SharedFiles.temporaryDirectory().appendingPathComponent("A_swiglu.pt")
        let data = try Data(contentsOf: URL(fileURLWithPath: ConvertFixtures.goldenAPt))
        try data.prefix(data.count / 2).write(to: copy)
        let error = try failure(copy.path)
        #expect("\(error)".contains(copy.path))
    }

    @Test("a truncated safetensors file and one with an unknown dtype", arguments: ["ref_truncated", "unknown_dtype"])
    func badSafetensors(name: String) throws {
        let error = try failure(ConvertFixtures.fixture("safetensors/crafted/\(name).safetensors"))
        #expect(error is SafetensorsError)
    }

    @Test("corrupt bytes in a checkpoint header")
    func corruptHeader() throws {
        let copy = try SharedFiles.temporaryDirectory().appendingPathComponent("model.safetensors")
        var data = try Data(contentsOf: URL(fileURLWithPath: ConvertFixtures.goldenA))
        data.replaceSubrange(40..<48, with: Array("\u{1}\u{2}\"]}}{[".utf8))
        try data.write(to: copy)
        #expect(try failure(copy.path) is SafetensorsError)
    }

    @Test("an index that names a shard which does not exist")
    func inconsistentIndex() throws {
        let folder = try copyOfFixture("safetensors/sharded/limit_200")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model-00002-of-00003.safetensors"))
        guard case .missingShard? = try failure(folder.path) as? ShardedCheckpointError else {
            Issue.record("expected missingShard"); return
        }
    }

    @Test("MEGALODON weights with no configuration anywhere")
    func missingConfiguration() throws {
        let error = try failure(ConvertFixtures.goldenA, prefix: "weights")
        guard case .missingConfiguration? = error as? ConversionError else { Issue.record("got \(error)"); return }
    }

    @Test(
        "malicious pickles are refused and nothing is written",
        arguments: ["os_system_archive.pt", "os_system_p2.pkl", "os_system_p4.pkl", "builtins_eval_p2.pkl", "builtins_exec_p4.pkl"])
    func maliciousPickle(name: String) throws {
        let error = try failure(ConvertFixtures.fixture("pytorch/malicious/" + name))
        #expect(error is PyTorchError)
    }

    @Test("an existing output is kept without overwrite and replaced with it; stale shards are removed")
    func overwrite() throws {
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("model").path
        try ConvertFixtures.convert(ConvertFixtures.goldenAPt, to: output, maximumShardSize: 100_000)
        let sharded = ConvertFixtures.listing(output)
        #expect(throws: AtomicOutputError.self) { try ConvertFixtures.convert(ConvertFixtures.goldenAPt, to: output) }
        #expect(ConvertFixtures.listing(output) == sharded)
        try ConvertFixtures.convert(ConvertFixtures.goldenAPt, to: output, overwrite: true)
        #expect(ConvertFixtures.listing(output) == ["config.json", "model.safetensors"])
    }

    @Test("an error in the middle of writing leaves no final and no temporary file")
    func interrupted() throws {
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("model").path
        let failing = FailingSource(base: try PrefixedSource(SafetensorsFile(path: ConvertFixtures.goldenA), prefix: "weights"), failAt: 20)
        var writer = ModelDirectoryWriter(directory: output)
        writer.maximumShardSize = 100_000
        #expect(throws: FailingSource.Interrupted.self) { try writer.write(failing, configJSON: nil, tokenizerFiles: []) }
        #expect(ConvertFixtures.listing(output) == nil)
    }
}

/// Throws on the n-th tensor read, standing in for a failing disk or a cancelled conversion.
final class FailingSource: TensorSource, @unchecked Sendable {
    struct Interrupted: Error {}
    let base: TensorSource
    let failAt: Int
    private var reads = 0

    init(base: TensorSource, failAt: Int) { (self.base, self.failAt) = (base, failAt) }

    var location: String { base.location }
    var tensorInfos: [TensorInfo] { base.tensorInfos }
    var metadata: [String: String] { base.metadata }
    func tensor(named name: String) throws -> Tensor {
        reads += 1
        if reads == failAt { throw Interrupted() }
        return try base.tensor(named: name)
    }
}
