import Checkpoints
import Foundation
import Testing

@testable import Models

@Suite("MEGALODON config")
struct MegalodonConfigTests {
    /// Parameter counts of the official `Mega` module instantiated with vocabulary 32000, as
    /// recorded in the design spec (§1.2) and megalodon-jax docs/paper-deviations.md.
    @Test("presets have the official parameter counts", arguments: [("mega7.3B", 7_385_817_088), ("mega7.1B", 7_117_381_632)])
    func presetParameterCounts(preset: String, parameters: Int) throws {
        let config = try MegalodonConfig.preset(preset)
        let entries = MegalodonModel.schema(config, .official).entries
        let learned = entries.filter { !$0.name.contains("prior_") && $0.name != "rope.freqs" }
        #expect(learned.reduce(0) { $0 + $1.shape.reduce(1, *) } == parameters)
    }

    @Test("every named preset validates")
    func allPresets() throws {
        for name in MegalodonConfig.presetNames { _ = try MegalodonConfig.preset(name) }
        #expect(throws: MegalodonConfig.Failure.unknownPreset("mega9B", known: MegalodonConfig.presetNames)) {
            try MegalodonConfig.preset("mega9B")
        }
    }

    @Test("config.json round-trips with the architecture tag and official keys")
    func roundTrip() throws {
        var config = try MegalodonConfig.preset("mega1.3B_pg19")
        config.ropeBase = 1e5
        let data = try JSONEncoder().encode(config)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["architecture"] as? String == "megalodon")
        #expect(object["ffn_hidden_dim"] as? Int == 3584)
        #expect(try MegalodonConfig.decode(data) == config)
    }

    @Test("missing fields take the official defaults")
    func defaults() throws {
        let config = try MegalodonConfig.decode(Data(#"{"architecture": "megalodon", "vocab_size": 100}"#.utf8))
        #expect(config.modelDim == 1024 && config.numHeads == 1 && config.chunkSize == 2048 && config.ropeBase == nil)
        #expect(config.outputVocabularySize == 100 && config.effectiveRopeBase == 10000)
    }

    @Test(
        "inconsistent configs are refused with the field named",
        arguments: [
            (#"{"vocab_size": 10, "num_heads": 3}"#, "z_dim"),
            (#"{"vocab_size": 10, "norm_num_groups": 33}"#, "model_dim"),
            (#"{"vocab_size": 10, "z_dim": 4, "num_heads": 4}"#, "z_dim"),
            (#"{"vocab_size": -1}"#, "vocab_size"),
            (#"{"vocab_size": 10, "share_emb": true, "output_size": 12}"#, "output_size"),
            (#"{"vocab_size": 10, "norm_eps": 0}"#, "norm_eps"),
        ])
    func invalid(json: String, field: String) {
        do {
            _ = try MegalodonConfig.decode(Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch let MegalodonConfig.Failure.invalid(name, _) {
            #expect(name == field)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("another architecture or malformed JSON is refused")
    func wrongFiles() {
        #expect(throws: MegalodonConfig.Failure.wrongArchitecture(found: "llama")) {
            try MegalodonConfig.decode(Data(#"{"architecture": "llama", "vocab_size": 10}"#.utf8))
        }
        #expect(throws: MegalodonConfig.Failure.self) { try MegalodonConfig.decode(Data("{\"model_dim\": \"wide\"}".utf8)) }
    }
}
