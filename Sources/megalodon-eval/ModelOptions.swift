import ArgumentParser
import Checkpoints
import CommandSupport
import Evaluation
import Foundation
import Models
import Tokenizers

/// `--model` (repeatable) and `--tokenizer`, shared by `run` and `perplexity`.
struct ModelOptions: ParsableArguments {
    @Option(
        name: .customLong("model"),
        help: ArgumentHelp(
            "A model directory (MEGALODON or Llama-family: config.json + safetensors, as megalodon-convert writes them) or a Llama-family .gguf file (its own vocabulary is the tokenizer; Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and IQ4_NL matrices are computed with as stored; other ggml types are refused). Repeat to evaluate several models one after another.",
            valueName: "dir|file"))
    var models: [String]

    @Option(
        help: ArgumentHelp(
            "Tokenizer file: a .gguf, a tokenizer.json or a SentencePiece .model.",
            discussion:
                "Default: the vocabulary of a .gguf model file, or tokenizer.model, tokenizer.json or a .gguf file inside each model directory.",
            valueName: "file"))
    var tokenizer: String?

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one --model directory or .gguf file") }
    }

    /// One folder per model under `output` when there are several, `output` itself otherwise.
    func outputDirectory(_ output: String, for model: String) -> URL {
        let base = URL(fileURLWithPath: output)
        return models.count == 1 ? base : base.appendingPathComponent(URL(fileURLWithPath: model).lastPathComponent)
    }
}

/// A line on standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
