import Foundation
import Testing
import TestSupport
@testable import Quantization

struct QuantizationPolicyTests {
    /// Names and shapes of the official MEGALODON golden checkpoint (shared fixture, `weights.` prefix
    /// dropped), read straight from the safetensors header.
    static func megalodonTensors() throws -> [(name: String, shape: [Int])] {
        let data = try Data(contentsOf: SharedFiles.shared("fixtures/megalodon/A_swiglu.safetensors"))
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + headerLength)) as? [String: Any])
        return header.compactMap { key, value in
            guard key.hasPrefix("weights."), let entry = value as? [String: Any], let shape = entry["shape"] as? [Int] else { return nil }
            return (String(key.dropFirst("weights.".count)), shape)
        }.sorted { $0.name < $1.name }
    }

    @Test func megalodonDefaultsQuantizeExactlyTheLinearLayers() throws {
        let policy = QuantizationPolicy(scheme: .q8_0)
        let tensors = try Self.megalodonTensors()
        #expect(tensors.count > 20)
        // The linear layers of megalodon-spec.md §3 (mega.wv/wz/wr/wh1/wh2, nffn.fc1/fc2/fc3, output head).
        let linear = ["mega.wv.weight", "mega.wz.weight", "mega.wr.weight", "mega.wh1.weight", "mega.wh2.weight",
                      "nffn.fc1.weight", "nffn.fc2.weight", "nffn.fc3.weight"]
        for (name, shape) in tensors {
            let decision = policy.decide(name: name, shape: shape)
            let isLinear = linear.contains { name.hasSuffix($0) } || name == "output.output.weight"
            if isLinear {
                #expect(decision == .quantize(.q8_0), "\(name) \(shape)")
            } else if name == "embed.weight" {
                #expect(decision == .keep(.embeddingKept))
            } else {
                guard case .keep = decision else {
                    Issue.record("\(name) \(shape) must stay float, got \(decision)")
                    continue
                }
            }
        }
        // 2-D parameters that must stay float regardless of shape.
        #expect(policy.decide(name: "layers.0.mega.gamma", shape: [2, 1024]) == .keep(.alwaysFloat))
        #expect(policy.decide(name: "layers.0.mega.beta", shape: [2, 1024]) == .keep(.alwaysFloat))
        #expect(policy.decide(name: "layers.0.mega.cema.omega", shape: [4096, 1]) == .keep(.alwaysFloat))
        #expect(policy.decide(name: "model.layers.0.input_layernorm.weight", shape: [4096]) == .keep(.alwaysFloat))
        #expect(policy.decide(name: "blk.0.attn_norm.weight", shape: [4096]) == .keep(.alwaysFloat))
    }

    @Test func embeddingsFollowTheirOwnScheme() throws {
        let policy = QuantizationPolicy(scheme: .q4_0, embeddings: .q8_0)
        #expect(policy.decide(name: "embed.weight", shape: [32000, 4096]) == .quantize(.q8_0))
        #expect(policy.decide(name: "model.embed_tokens.weight", shape: [49152, 576]) == .quantize(.q8_0))
        #expect(policy.decide(name: "token_embd.weight", shape: [49152, 576]) == .quantize(.q8_0))
        #expect(policy.decide(name: "lm_head.weight", shape: [49152, 576]) == .quantize(.q4_0))
    }

    @Test func keepAndOnlyPatterns() throws {
        let policy = QuantizationPolicy(scheme: .q4_1, keep: [try NamePattern("layers.0.*")],
                                        only: [try NamePattern("*.mega.w?.weight"), try NamePattern("*.nffn.fc[13].weight")])
        #expect(policy.decide(name: "layers.0.mega.wv.weight", shape: [64, 64]) == .keep(.keptByPattern))
        #expect(policy.decide(name: "layers.1.mega.wv.weight", shape: [64, 64]) == .quantize(.q4_1))
        #expect(policy.decide(name: "layers.1.mega.wh1.weight", shape: [64, 64]) == .keep(.notSelected))
        #expect(policy.decide(name: "layers.1.nffn.fc3.weight", shape: [64, 64]) == .quantize(.q4_1))
        #expect(policy.decide(name: "layers.1.nffn.fc2.weight", shape: [64, 64]) == .keep(.notSelected))
        #expect(policy.decide(name: "layers.1.mega.wv.weight", shape: [64, 40]) == .keep(.rowsNotWholeBlocks))
    }

    @Test func globSyntax() throws {
        #expect(try NamePattern("*").matches("anything.at.all"))
        #expect(try NamePattern("a*b*c").matches("a.x.b.y.c"))
        #expect(try !NamePattern("a*b*c").matches("a.x.b.y.cd"))
        #expect(try NamePattern("layers.?.x").matches("layers.7.x"))
        #expect(try !NamePattern("layers.?.x").matches("layers.17.x"))
        #expect(try NamePattern("[!0-4]").matches("7"))
        #expect(try !NamePattern("[!0-4]").matches("3"))
        #expect(try NamePattern("**.weight").matches(".weight"))
        #expect(throws: QuantizationError.invalidPattern("layers.[0")) { try NamePattern("layers.[0") }
        #expect(throws: QuantizationError.invalidPattern("[9-0]")) { try NamePattern("[9-0]") }
    }
}
