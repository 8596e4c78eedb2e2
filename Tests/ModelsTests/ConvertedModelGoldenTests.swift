import Checkpoints
import Conversion
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models

/// The converter's output is a model directory the engine loads: converting the official state
/// dicts (a .pt file, model-parallel shard sets) and megalodon-jax checkpoints gives directories
/// whose logits equal the official (and megalodon-jax) goldens.
@Suite("Converted model directories give the golden logits")
struct ConvertedModelGoldenTests {
    static let tolerance: Float = 1e-4

    static func convert(_ input: String, prefix: String? = nil, dtype: DType? = nil) throws -> URL {
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("model")
        let conversion = try Conversion(
            input: try CheckpointInput.open(input, prefix: prefix), kind: .directory, names: .canonical, dtype: dtype)
        try conversion.write(to: output.path)
        try conversion.verify(output.path)
        return output
    }

    static func fullLogitsError(_ directory: URL, golden: MegalodonGolden) throws -> Float {
        let model = try MegalodonModel(directory: directory)
        var worst: Float = 0
        for (batch, tokens) in try golden.tokenRows().enumerated() {
            var state = model.makeState()
            let logits = try model.forward(tokens, state: &state, positions: .all)
            worst = max(worst, maxAbsDifference(logits.values, try golden.batchRow("golden.logits_full", batch)))
        }
        return worst
    }

    @Test("official .pt state dict → model directory", arguments: MegalodonGolden.names)
    func pytorchStateDict(fixture: String) throws {
        let directory = try Self.convert(SharedFiles.shared("fixtures/megalodon/\(fixture).pt").path)
        let error = try Self.fullLogitsError(directory, golden: try MegalodonGolden(fixture))
        print("\(fixture).pt → model directory: max |Δlogit| = \(error)")
        #expect(error <= Self.tolerance)
    }

    @Test(
        "official model-parallel directories (mp = 2, 4) → model directory", arguments: ["pytorch/megalodon_mp2", "convert/megalodon_mp4"])
    func modelParallel(directory: String) throws {
        let output = try Self.convert(SharedFiles.tests("CheckpointsTests/Fixtures/" + directory).path)
        let error = try Self.fullLogitsError(output, golden: try MegalodonGolden("A_swiglu"))
        print("\(directory) → model directory: max |Δlogit| = \(error)")
        #expect(error <= Self.tolerance)
    }

    @Test("megalodon-jax safetensors → official names → megalodon-jax's logits", arguments: MegalodonJaxOracleTests.cases)
    func jaxCheckpoint(name: String) throws {
        let path = SharedFiles.tests("ModelsTests/Fixtures/megalodon_jax_\(name).safetensors").path
        let directory = try Self.convert(path, prefix: "weights")
        let model = try MegalodonModel(directory: directory)
        #expect(try ModelDirectory.open(directory.path).contains("layers.0.mega.cema.gamma"))
        let file = try SafetensorsFile(path: path)
        let tokens = try file.tensor(named: "tokens").scalars(as: Int64.self).map(Int.init)
        var state = model.makeState()
        let logits = try model.forward(tokens, state: &state, positions: .all).values
        let error = maxAbsDifference(logits, try file.tensor(named: "logits_full").floats())
        print("megalodon-jax \(name) → official model directory: max |Δlogit| = \(error)")
        #expect(error <= Self.tolerance)
    }
}
