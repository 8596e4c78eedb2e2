import Checkpoints
import Foundation
import Models
import TestSupport
import Testing

/// The merge tables in formats/names/*.json are the documented form of the wings'
/// `modelParallelMergeRule`; this evaluates the JSON rules over real key sets and checks they agree
/// with the code.
@Suite struct ModelParallelRuleTests {
    @Test func megalodonMapAgreesWithTheWing() throws {
        let map = try DocumentedMergeRules.load("megalodon-model-parallel.json")
        let golden = try PyTorchCheckpoint(path: SharedFiles.shared("fixtures/megalodon/B_pg19flags.pt").path, prefix: "state_dict")
        for info in golden.tensorInfos {
            let rank = info.shape.count
            #expect(
                map.rule(for: info.name, rank: rank) == MegalodonArchitecture.modelParallelMergeRule(for: info.name, rank: rank),
                "\(info.name)")
            #expect(map.rule(for: info.name, rank: rank) != nil, "\(info.name)")
        }
        #expect(map.rule(for: "layers.0.mystery.weight", rank: 2) == nil)
    }

    @Test func metaLlamaMapAgreesWithTheWing() throws {
        let map = try DocumentedMergeRules.load("meta-llama-consolidated.json")
        let expected = try PyTorchCheckpoint(path: SharedFiles.tests("CheckpointsTests/Fixtures/pytorch/llama_merged_expected.pth").path)
        for info in expected.tensorInfos {
            let rank = info.shape.count
            #expect(
                map.rule(for: info.name, rank: rank) == LlamaArchitecture.modelParallelMergeRule(for: info.name, rank: rank), "\(info.name)"
            )
        }
    }

    @Test func splitRulesFollowTheReferences() {
        #expect(MegalodonArchitecture.modelParallelMergeRule(for: "layers.3.mega.wh2.weight", rank: 2) == .concatenate(axis: 1))
        #expect(MegalodonArchitecture.modelParallelMergeRule(for: "layers.3.mega.timenorm.prior_mean", rank: 1) == .concatenate(axis: 0))
        #expect(MegalodonArchitecture.modelParallelMergeRule(for: "output.final_norm.prior_count", rank: 0) == .replicated)
        #expect(MegalodonArchitecture.modelParallelMergeRule(for: "layers.3.nffn.alpha", rank: 1) == .replicated)
        #expect(MegalodonArchitecture.modelParallelMergeRule(for: "layers.0.mystery.weight", rank: 2) == nil)
        #expect(LlamaArchitecture.modelParallelMergeRule(for: "layers.0.attention.wo.weight", rank: 2) == .concatenate(axis: 1))
        #expect(LlamaArchitecture.modelParallelMergeRule(for: "layers.0.attention.wq.weight", rank: 2) == .concatenate(axis: 0))
        #expect(LlamaArchitecture.modelParallelMergeRule(for: "layers.0.ffn_norm.weight", rank: 1) == .replicated)
    }

    @Test func theRegistryPicksTheWingByFolderShape() throws {
        #expect(Architectures.modelParallelMergeRule(.consolidateConfig, tensor: "embed.weight", rank: 2) == .concatenate(axis: 1))
        #expect(Architectures.modelParallelMergeRule(.params, tensor: "tok_embeddings.weight", rank: 2) == .concatenate(axis: 1))
        let merged = try Architectures.openCheckpoint(SharedFiles.tests("CheckpointsTests/Fixtures/pytorch/megalodon_mp2").path)
        #expect((merged as? ModelParallelCheckpoint)?.layout == .consolidateConfig)
    }
}
