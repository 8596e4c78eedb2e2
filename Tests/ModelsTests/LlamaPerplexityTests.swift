import Checkpoints
import Foundation
import TestSupport
import Testing
import Tokenizers

@testable import Models

/// Perplexity of SmolLM2-135M (Q4_1 GGUF, float arithmetic on its dequantized blocks) on the first 20 × 512 tokens of KJV Genesis,
/// scored like llama.cpp's `llama-perplexity -c 512`, against its own figure on the same
/// dequantized weights with an f32 KV cache (Fixtures/llama/smollm2_perplexity.json, from
/// scripts/oracles/llama_perplexity.py).
struct LlamaPerplexityTests {
    struct Reference: Decodable {
        let context: Int
        let chunks: Int
        let llama_perplexity: Double
        let tokens: [Int]
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: SharedFiles.tests("ModelsTests/Fixtures/llama/smollm2_perplexity.json")))
    }

    @Test(.requires(.smolLM2))
    func perplexityMatchesLlamaCpp() throws {
        let reference = try Self.reference()
        let file = try GGUFFile(path: SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf"))
        let tokenizer = try GGUFTokenizer.load(from: file)
        let model = try LlamaModel(gguf: file, arithmetic: .float)
        let scoring = ChunkedPerplexity(
            context: reference.context, chunks: reference.chunks,
            beginningOfSequence: tokenizer.addsBOSByDefault ? tokenizer.bosTokenID.map(Int.init) : nil)
        let result = try scoring.score(model, tokens: reference.tokens)
        let relative = abs(result.perplexity / reference.llama_perplexity - 1)
        print(
            "SmolLM2 perplexity on KJV Genesis: ours \(result.perplexity), llama.cpp \(reference.llama_perplexity), relative difference \(relative)"
        )
        #expect(result.scoredTokens == reference.chunks * (reference.context / 2 - 1))
        #expect(relative <= 0.005)
    }

    /// Our tokenizer turns the Debian text into the very tokens llama.cpp scored.
    @Test(.requires(.smolLM2, .file("/usr/bin/bible", kind: .data, "Debian's bible-kjv; scripts/test installs it")))
    func tokenizerReproducesTheScoredTokens() throws {
        let reference = try Self.reference()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/bible")
        process.arguments = ["-f", "gen1:1-gen50:26"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let label = try Regex(#"^[0-9]?[A-Za-z]+[0-9]+:[0-9]+ "#)
        let text = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacing(label, with: "", maxReplacements: 1) }.joined(separator: "\n")
        let tokenizer = try GGUFTokenizer.load(from: GGUFFile(path: SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf")))
        let ids = tokenizer.encode(String(text.prefix(60_000)), addBOS: tokenizer.addsBOSByDefault, parseSpecial: false).map(Int.init)
        #expect(Array(ids.prefix(reference.tokens.count)) == reference.tokens)
    }
}
