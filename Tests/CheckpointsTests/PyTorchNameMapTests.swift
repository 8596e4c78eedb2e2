import Foundation
import Testing
import TestSupport
@testable import Checkpoints

/// The merge tables in formats/names/*.json are the documented form of ModelParallelLayout; this
/// evaluates the JSON rules over real key sets and checks they agree with the code.
@Suite struct PyTorchNameMapTests {
    struct NameMap: Decodable {
        struct Rule: Decodable {
            let match: String
            let value: String
            let merge: String
        }
        let rules: [Rule]

        func rule(for name: String, rank: Int) -> MergeRule? {
            for rule in rules {
                let fits: Bool
                switch rule.match {
                case "exact": fits = name == rule.value
                case "prefix": fits = name.hasPrefix(rule.value)
                case "suffix": fits = name.hasSuffix(rule.value)
                case "contains": fits = name.contains(rule.value)
                case "rank_at_most": fits = rank <= Int(rule.value) ?? -1
                case "any": fits = true
                default: fits = false
                }
                guard fits else { continue }
                if rule.merge == "replicated" { return .replicated }
                return Int(rule.merge.split(separator: " ").last ?? "").map { .concatenate(axis: $0) }
            }
            return nil
        }
    }

    static func map(_ file: String) throws -> NameMap {
        let url = SharedFiles.packageRoot.appendingPathComponent("formats/names/\(file)")
        return try JSONDecoder().decode(NameMap.self, from: Data(contentsOf: url))
    }

    @Test func megalodonMapAgreesWithTheCode() throws {
        let map = try Self.map("megalodon-model-parallel.json")
        let golden = try PyTorchCheckpoint(path: SharedFiles.shared("fixtures/megalodon/B_pg19flags.pt").path, prefix: "state_dict")
        for info in golden.tensorInfos {
            #expect(map.rule(for: info.name, rank: info.shape.count) == ModelParallelLayout.megalodon.rule(for: info.name, rank: info.shape.count), "\(info.name)")
            #expect(map.rule(for: info.name, rank: info.shape.count) != nil, "\(info.name)")
        }
        #expect(map.rule(for: "layers.0.mystery.weight", rank: 2) == nil)
    }

    @Test func metaLlamaMapAgreesWithTheCode() throws {
        let map = try Self.map("meta-llama-consolidated.json")
        let expected = try PyTorchCheckpoint(path: SharedFiles.tests("CheckpointsTests/Fixtures/pytorch/llama_merged_expected.pth").path)
        for info in expected.tensorInfos {
            #expect(map.rule(for: info.name, rank: info.shape.count) == ModelParallelLayout.metaLlama.rule(for: info.name, rank: info.shape.count), "\(info.name)")
        }
    }
}
