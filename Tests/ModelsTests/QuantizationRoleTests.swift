import Foundation
import Models
import Quantization
import TestSupport
import Testing

/// The roles each wing declares for the quantizer, over real tensor names.
struct QuantizationRoleTests {
    /// Names of the official MEGALODON golden checkpoint (shared fixture, `weights.` prefix dropped),
    /// read straight from the safetensors header.
    static func megalodonNames() throws -> [String] {
        let data = try Data(contentsOf: SharedFiles.shared("fixtures/megalodon/A_swiglu.safetensors"))
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + headerLength)) as? [String: Any])
        return header.keys.filter { $0.hasPrefix("weights.") }.map { String($0.dropFirst("weights.".count)) }.sorted()
    }

    @Test func megalodonQuantizesExactlyTheLinearLayers() throws {
        let names = try Self.megalodonNames()
        #expect(names.count > 20)
        // The linear layers of megalodon-spec.md §3 (mega.wv/wz/wr/wh1/wh2, nffn.fc1/fc2/fc3).
        let linear = [
            "mega.wv.weight", "mega.wz.weight", "mega.wr.weight", "mega.wh1.weight", "mega.wh2.weight",
            "nffn.fc1.weight", "nffn.fc2.weight", "nffn.fc3.weight",
        ]
        for name in names {
            let role = MegalodonArchitecture.quantizationRole(of: name)
            let expected: TensorRole =
                name == "embed.weight"
                ? .embedding
                : name == "output.output.weight"
                    ? .outputHead
                    : linear.contains(where: name.hasSuffix) ? .linearWeight : .alwaysFloat
            #expect(role == expected, "\(name)")
        }
        // 2-D parameters that must stay float regardless of shape.
        for name in ["layers.0.mega.gamma", "layers.0.mega.beta", "layers.0.mega.cema.omega", "layers.0.mega.cema.alpha"] {
            #expect(MegalodonArchitecture.quantizationRole(of: name) == .alwaysFloat, "\(name)")
        }
    }

    @Test func llamaRolesInHuggingFaceAndGGUFNames() {
        let expected: [String: TensorRole] = [
            "model.embed_tokens.weight": .embedding, "token_embd.weight": .embedding,
            "lm_head.weight": .outputHead, "output.weight": .outputHead,
            "model.layers.0.self_attn.q_proj.weight": .linearWeight, "blk.0.attn_q.weight": .linearWeight,
            "model.layers.0.mlp.down_proj.weight": .linearWeight, "blk.0.ffn_down.weight": .linearWeight,
            "model.layers.0.input_layernorm.weight": .alwaysFloat, "blk.0.attn_norm.weight": .alwaysFloat,
            "model.norm.weight": .alwaysFloat, "output_norm.weight": .alwaysFloat,
            "model.layers.0.self_attn.rotary_emb.inv_freq": .alwaysFloat, "model.layers.0.self_attn.q_proj.bias": .alwaysFloat,
        ]
        for (name, role) in expected { #expect(LlamaArchitecture.quantizationRole(of: name) == role, "\(name)") }
    }

    @Test func theRegistryAsksTheWingOfTheFamily() {
        #expect(Architectures.quantizationRole(of: "embed.weight", family: .megalodon) == .embedding)
        #expect(Architectures.quantizationRole(of: "token_embd.weight", family: .llama) == .embedding)
        // No architecture: matrices named .weight are quantized, anything else stays float.
        #expect(Architectures.quantizationRole(of: "anything.weight", family: nil) == .linearWeight)
        #expect(Architectures.quantizationRole(of: "anything.scale", family: nil) == .alwaysFloat)
    }
}
