import Checkpoints
import Foundation
import TestSupport
import Testing

@testable import Models

/// formats/names/*.json are the single documented source of every rename; the Swift tables the
/// wings use must say exactly the same.
@Suite("Name tables equal formats/names")
struct NameTableTests {
    static func names(in file: String) throws -> JSONObject {
        let path = SharedFiles.packageRoot.appendingPathComponent("formats/names/\(file)").path
        return try #require(try JSONFile.readObject(at: path)["names"]?.objectValue)
    }

    @Test("megalodon-jax.json: official → megalodon-jax")
    func megalodonJax() throws {
        let names = try Self.names(in: "megalodon-jax.json")
        #expect(names.count == MegalodonNames.jaxRenames.count)
        for (official, jax) in MegalodonNames.jaxRenames { #expect(names[official]?.stringValue == jax, "\(official)") }
    }

    @Test("meta-llama-consolidated.json: Meta → Hugging Face (rope.freqs dropped)")
    func metaLlama() throws {
        let names = try Self.names(in: "meta-llama-consolidated.json")
        let renamed = names.members.filter { $0.value != .null }
        #expect(renamed.count == MetaLlamaNames.renamePairs.count)
        for (meta, huggingFace) in MetaLlamaNames.renamePairs { #expect(names[meta]?.stringValue == huggingFace, "\(meta)") }
        #expect(names["rope.freqs"] == .null)
    }

    @Test("gguf-llama.json: GGUF → Hugging Face, and the engine reads GGUF names through it")
    func ggufLlama() throws {
        let names = try Self.names(in: "gguf-llama.json")
        #expect(names.count == GGUFLlamaNames.pairs.count)
        for (gguf, huggingFace) in GGUFLlamaNames.pairs { #expect(names[gguf]?.stringValue == huggingFace, "\(gguf)") }
        #expect(LlamaNaming.gguf.name(.query(3)) == "blk.3.attn_q.weight")
        #expect(LlamaNaming.huggingFace.name(.down(0)) == "model.layers.0.mlp.down_proj.weight")
    }

    @Test("the MEGALODON engine's megalodon-jax keys come from the same table")
    func megalodonEngineKeys() {
        #expect(MegalodonNaming.jax.key("layers.2.mega.rmsnorm.weight") == "model.layers.2.attn.rmsnorm.gamma")
        #expect(MegalodonNaming.jax.key("output.final_norm.bias") == "model.norm.bias")
        #expect(MegalodonNaming.jax.key("layers.0.mega.cema.gamma_real") == "model.layers.0.attn.cema.gamma_real")
        #expect(MegalodonNaming.official.key("layers.0.nffn.fc1.weight") == "layers.0.nffn.fc1.weight")
    }
}
