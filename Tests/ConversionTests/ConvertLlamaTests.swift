import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints
@testable import Conversion
@testable import Models

/// Llama conventions against the reference formulas (scripts/oracles/convert_fixtures.py):
/// transformers' Meta→HF q/k permutation and llama.cpp's HF→GGUF one.
@Suite("Converting Llama checkpoints")
struct ConvertLlamaTests {
    let huggingFaceExpected: SafetensorsFile
    let ggufExpected: SafetensorsFile

    init() throws {
        huggingFaceExpected = try SafetensorsFile(path: ConvertFixtures.fixture("convert/llama_hf_expected.safetensors"))
        ggufExpected = try SafetensorsFile(path: ConvertFixtures.fixture("convert/llama_gguf_expected.safetensors"))
    }

    @Test("Meta consolidated.NN.pth + params.json → Hugging Face names with transformers' q/k permutation")
    func metaToHuggingFace() throws {
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("llama").path
        let conversion = try ConvertFixtures.convert(ConvertFixtures.fixture("pytorch/llama_mp2"), to: output)
        #expect(conversion.input.convention == .metaLlama)
        try ConvertFixtures.expectIdentical(try ModelDirectory.open(output), huggingFaceExpected)
        let config = ModelConfiguration(family: .llama, fields: try JSONFile.readObject(at: output + "/config.json"), origin: "")
        #expect(try config.int("vocab_size") == 10 && config.int("intermediate_size") == 12 && config.int("hidden_size") == 8)
        #expect(try config.int("num_attention_heads") == 2 && !config.bool("tie_word_embeddings", default: true))
        #expect(config.fields["architecture"] == .string("llama"))
    }

    @Test("Hugging Face → GGUF names with llama.cpp's q/k permutation, and back")
    func huggingFaceToGGUFNames() throws {
        let folder = try SharedFiles.temporaryDirectory()
        let huggingFace = folder.appendingPathComponent("hf").path
        try ConvertFixtures.convert(ConvertFixtures.fixture("pytorch/llama_mp2"), to: huggingFace)
        let toGGUF = try ConversionPlanner.plan(try CheckpointInput.open(huggingFace), names: .gguf)
        try ConvertFixtures.expectIdentical(toGGUF.source, ggufExpected)

        // A checkpoint under GGUF names (with the HF config) converts back to the HF tensors.
        let ggufNamed = folder.appendingPathComponent("gguf-named")
        try FileManager.default.createDirectory(at: ggufNamed, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: ConvertFixtures.fixture("convert/llama_gguf_expected.safetensors"),
            toPath: ggufNamed.appendingPathComponent("model.safetensors").path)
        try FileManager.default.copyItem(atPath: huggingFace + "/config.json", toPath: ggufNamed.appendingPathComponent("config.json").path)
        let back = folder.appendingPathComponent("back").path
        try ConvertFixtures.convert(ggufNamed.path, to: back)
        try ConvertFixtures.expectIdentical(try ModelDirectory.open(back), huggingFaceExpected)
    }

    @Test("a Hugging Face folder's tokenizer files are copied into the model directory; the config gains \"architecture\"")
    func tokenizerFilesCopied() throws {
        let folder = try SharedFiles.temporaryDirectory()
        let huggingFace = folder.appendingPathComponent("hf").path
        try ConvertFixtures.convert(ConvertFixtures.fixture("pytorch/llama_mp2"), to: huggingFace)
        let tokenizer = Data(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#.utf8)
        try tokenizer.write(to: URL(fileURLWithPath: huggingFace + "/tokenizer.json"))
        try Data(#"{"eos_token": "a"}"#.utf8).write(to: URL(fileURLWithPath: huggingFace + "/tokenizer_config.json"))
        let copy = folder.appendingPathComponent("copy").path
        let conversion = try ConvertFixtures.convert(huggingFace, to: copy, dtype: .bf16)
        #expect(conversion.input.convention == .huggingFaceLlama)
        #expect(ConvertFixtures.listing(copy) == ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"])
        #expect(FileManager.default.contents(atPath: copy + "/tokenizer.json") == tokenizer)
        #expect(try JSONFile.readObject(at: copy + "/config.json")["architecture"] == .string("llama"))
    }

    @Test("Hugging Face's sharded PyTorch layout (pytorch_model.bin.index.json) converts like sharded safetensors")
    func shardedPyTorchBin() throws {
        let input = ConvertFixtures.fixture("convert/hf_bin_sharded")
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("hf").path
        let conversion = try ConvertFixtures.convert(input, to: output)
        #expect(conversion.input.convention == .huggingFaceLlama)
        try ConvertFixtures.expectIdentical(try ModelDirectory.open(output), huggingFaceExpected)
        // A missing .bin shard is named.
        let broken = try SharedFiles.temporaryDirectory().appendingPathComponent("broken")
        try FileManager.default.copyItem(atPath: input, toPath: broken.path)
        try FileManager.default.removeItem(at: broken.appendingPathComponent("pytorch_model-00002-of-00002.bin"))
        #expect(throws: ShardedCheckpointError.self) { try CheckpointInput.open(broken.path) }
    }

    @Test("Meta → GGUF names needs no permutation: the two re-orderings cancel in the plan")
    func metaToGGUFNames() throws {
        let plan = try ConversionPlanner.plan(try CheckpointInput.open(ConvertFixtures.fixture("pytorch/llama_mp2")), names: .gguf)
        let query = try #require(plan.source.plan.first { $0.info.name == "blk.0.attn_q.weight" })
        #expect(query.recipe == .stored("layers.0.attention.wq.weight"))
        try ConvertFixtures.expectIdentical(plan.source, ggufExpected)
    }

    @Test("the RoPE row orders are inverse permutations for any head size")
    func ropeInverse() {
        for headRows in stride(from: 2, through: 64, by: 2) {
            let there = (0..<headRows).map { RoPELayout.halfSplit.sourceRow(of: $0, headRows: headRows) }
            let back = (0..<headRows).map { there[RoPELayout.interleaved.sourceRow(of: $0, headRows: headRows)] }
            #expect(back == Array(0..<headRows))
            #expect(Set(there).count == headRows)
        }
    }
}
