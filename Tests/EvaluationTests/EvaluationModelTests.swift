import Checkpoints
import Foundation
import TestSupport
import Testing

@testable import Evaluation

/// `megalodon-eval run|perplexity --model FILE.gguf`: the tool's model loading for a GGUF file.
struct EvaluationModelTests {
    static let gguf = SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf")

    @Test(.requires(.smolLM2))
    func ggufFileIsItsOwnTokenizerAndIsHashedByItsHeader() throws {
        let opened = try EvaluationModel.open(Self.gguf)
        #expect(opened.tokenizerFile.path == Self.gguf)
        #expect(opened.tokenizer.tokenizer.addsBOSByDefault == false, "SmolLM2's GGUF says tokenizer.ggml.add_bos_token = false")
        // llama.cpp's tokenization of this text with SmolLM2's vocabulary (smollm2_scores_llamacpp.json, arc_easy doc 0).
        let pair = try EncodedPair.encode(
            LoglikelihoodRequest(
                context: "Question: Which statement best explains why photosynthesis is the foundation of most food webs?\nAnswer:",
                continuation: " Sunlight is the source of energy for nearly all ecosystems."), with: opened.tokenizer)
        #expect(pair.continuation == [5430, 2501, 314, 260, 2257, 282, 1439, 327, 3920, 511, 8133, 30])
        // The manifest's hash covers everything before the tensor data: header, metadata, tensor table.
        let file = try GGUFFile(path: Self.gguf)
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: Self.gguf))
        defer { try? handle.close() }
        let header = try #require(try handle.read(upToCount: file.dataOffset))
        #expect(opened.identity == Manifest.ModelIdentity(path: Self.gguf, sha256: SHA256.hex(Array(header))))
        #expect(opened.tokenizerHash == (try SHA256.hex(fileAt: URL(fileURLWithPath: Self.gguf))))
    }

    @Test func aFileThatIsNotGGUFIsATypedError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evalmodel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = folder.appendingPathComponent("weights.bin")
        try Data("not a model".utf8).write(to: text)
        #expect(throws: TokenizerBinding.Failure.unknownKind(path: text.path)) { try TokenizerBinding.file(for: text) }
        #expect(throws: TokenizerBinding.Failure.notFound(directory: folder.path)) { try TokenizerBinding.file(for: folder) }
        // The tokenizer is looked for first: a .bin file names none.
        #expect(throws: TokenizerBinding.Failure.unknownKind(path: text.path)) { try EvaluationModel.open(text.path) }
        // A .gguf file is its own tokenizer, so the model opener sees it; formats are recognised by
        // their bytes, not the name, and text starts like none of them.
        let fake = folder.appendingPathComponent("fake.gguf")
        try Data("not a model, only text long enough to hold every field of a GGUF header".utf8).write(to: fake)
        #expect(throws: CheckpointOpenError.unrecognisedFormat(path: fake.path)) { try EvaluationModel.open(fake.path) }
        #expect(throws: CheckpointOpenError.notFound(path: folder.appendingPathComponent("absent.gguf").path)) {
            try Manifest.ModelIdentity.of(model: folder.appendingPathComponent("absent.gguf"))
        }
    }
}
