import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints
@testable import Conversion
@testable import Models

/// The real SmolLM2-135M-Instruct (the Q4_1 GGUF `scripts/fetch-models` caches, dequantized to f32
/// by the GGUF reader) through every output format and back. Runs in release builds only (model-sized).
struct ConvertSmolLM2Tests {
    static let modelPath = SharedFiles.cachedModel(Prerequisite.smolLM2Name)

    @Test(
        "GGUF → HF dir (f32, sharded) → GGUF f32 / .mzst bf16 → HF dir → GGUF bf16: every value kept (or rounded to bf16)",
        .requires(.smolLM2, .releaseBuild))
    func allFormats() throws {
        let folder = try SharedFiles.temporaryDirectory("smollm2-convert")
        defer { try? FileManager.default.removeItem(at: folder) }
        func at(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let original = try GGUFFile(path: Self.modelPath)

        let toDirectory = try ConvertFixtures.convert(Self.modelPath, to: at("hf"), maximumShardSize: 100_000_000)
        #expect(toDirectory.input.convention == .ggufLlama && toDirectory.planned.plan.count == 272)
        let config = try JSONFile.readObject(at: at("hf") + "/config.json")
        #expect(config["num_key_value_heads"]?.numberValue?.intValue == 3 && config["tie_word_embeddings"] == .bool(true))

        // The tokenizer travels as tokenizer.gguf and comes back into the GGUF key for key.
        #expect(ConvertFixtures.listing(at("hf"))?.contains("tokenizer.gguf") == true)
        try ConvertFixtures.convert(at("hf"), to: at("f32.gguf"), kind: .gguf)
        let f32 = try GGUFFile(path: at("f32.gguf"))
        try ConvertFixtures.expectIdentical(f32, original)
        for key in original.metadataKeys where key.hasPrefix("tokenizer.") {
            #expect(f32.metadata(key) == original.metadata(key), "\(key)")
        }

        try ConvertFixtures.convert(at("hf"), to: at("bf16.mzst"), dtype: .bf16)
        try ConvertFixtures.convert(at("bf16.mzst"), to: at("bf16"))
        try ConvertFixtures.convert(at("bf16"), to: at("bf16.gguf"), kind: .gguf)
        let bf16 = try GGUFFile(path: at("bf16.gguf"))
        for info in original.tensorInfos {
            // Every tensor was rounded to bf16 in the container; GGUF keeps 1-D tensors as f32.
            let rounded = try DTypeCast.cast(try original.tensor(named: info.name), to: .bf16, name: info.name, location: "")
            let expected = info.shape.count > 1 ? rounded : try DTypeCast.cast(rounded, to: .f32, name: info.name, location: "")
            #expect(try bf16.tensor(named: info.name).bytes.elementsEqual(expected.bytes), "\(info.name)")
        }
    }

    /// llama.cpp (llama-cpp-python 0.3.36) computed bit-identical logits on the GGUF this conversion
    /// writes and on its own F32 requantization of the same model (scripts/oracles/convert_gguf_llamacpp.py).
    /// The record names our file by hash, so a writer change that alters a byte sends us back to the oracle.
    @Test(
        "the GGUF llama.cpp was checked on is still the one we write, and llama.cpp's logits on it were identical",
        .requires(.smolLM2, .releaseBuild))
    func llamaCppReadsOurGGUF() throws {
        let record = try #require(
            try JSONParser.parse(
                [UInt8](Data(contentsOf: SharedFiles.tests("CheckpointsTests/Fixtures/convert/llamacpp_reads_our_gguf.json")))
            ).objectValue)
        let prompts = record["prompts"]?.arrayValue ?? []
        #expect(prompts.count == 3)
        for prompt in prompts.compactMap(\.objectValue) {
            #expect(prompt["same_tokenization"]?.boolValue == true && prompt["same_argmax_everywhere"]?.boolValue == true)
            #expect(prompt["max_abs_logit_difference"]?.numberValue?.doubleValue == 0)
        }
        let folder = try SharedFiles.temporaryDirectory("smollm2-llamacpp")
        defer { try? FileManager.default.removeItem(at: folder) }
        let directory = folder.appendingPathComponent("dir").path, gguf = folder.appendingPathComponent("ours.gguf")
        try ConvertFixtures.convert(Self.modelPath, to: directory)
        try ConvertFixtures.convert(directory, to: gguf.path, kind: .gguf)
        #expect(try SHA256.hex(fileAt: gguf) == record["our_gguf_sha256"]?.stringValue)
    }
}
