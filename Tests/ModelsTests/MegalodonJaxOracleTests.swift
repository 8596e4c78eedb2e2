import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models

/// Parity with megalodon-jax 0.2.2 (itself within 4e-6 of the official code) on configurations
/// the official goldens do not cover; fixtures made by scripts/oracles/megalodon_jax_fixtures.py.
/// Weights are stored under megalodon-jax names, so these also load through the jax name map.
@Suite("MEGALODON vs megalodon-jax")
struct MegalodonJaxOracleTests {
    static let cases = ["heads1_noswiglu", "heads4_allflags", "heads2_noaffine"]

    @Test("full forward and the recorded streaming plan match megalodon-jax", arguments: cases)
    func parity(name: String) throws {
        let file = try SafetensorsFile(path: SharedFiles.tests("ModelsTests/Fixtures/megalodon_jax_\(name).safetensors").path)
        let config = try MegalodonConfig.decode(Data(try #require(file.metadata["config"]).utf8))
        let model = try MegalodonModel(config: config, weights: PrefixedSource(file, prefix: "weights"))
        let tokens = try file.tensor(named: "tokens").scalars(as: Int64.self).map(Int.init)
        let plan = try file.tensor(named: "plan").scalars(as: Int64.self).map(Int.init)
        #expect(tokens.count % config.chunkSize != 0)

        var state = model.makeState()
        let full = try model.forward(tokens, state: &state, positions: .all).values
        let streamed = try model.logitsFeeding(tokens, inSegments: plan)
        let fullError = maxAbsDifference(full, try file.tensor(named: "logits_full").floats())
        let streamError = maxAbsDifference(streamed, try file.tensor(named: "logits_stream").floats())
        print("megalodon-jax \(name): max |Δlogit| full \(fullError), plan \(plan): \(streamError)")
        #expect(fullError <= 1e-4)
        #expect(streamError <= 1e-4)
    }
}
