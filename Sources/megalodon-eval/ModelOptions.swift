import Checkpoints
import ArgumentParser
import CommandSupport
import Evaluation
import Foundation
import Models
import Tokenizers

/// `--model` (repeatable) and `--tokenizer`, shared by `run` and `perplexity`.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: ArgumentHelp(
        "A model directory (MEGALODON or Llama-family: config.json + safetensors, as megalodon-convert writes them) or a Llama-family .gguf file (its own vocabulary is the tokenizer; quantized tensors are dequantized to f32 on load). Repeat to evaluate several models one after another.",
        valueName: "dir|file"))
    var models: [String]

    @Option(help: ArgumentHelp(
        "Tokenizer file: a .gguf, a tokenizer.json or a SentencePiece .model.",
        discussion: "Default: the vocabulary of a .gguf model file, or tokenizer.model, tokenizer.json or a .gguf file inside each model directory.",
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

/// Parses "4096", "4K", "1M", comma-separated.
func parseTokenCounts(_ text: String, option: String) throws -> [Int] {
    try text.split(separator: ",").map { part in
        let trimmed = part.trimmingCharacters(in: .whitespaces).uppercased()
        let multiplier = trimmed.hasSuffix("K") ? 1 << 10 : trimmed.hasSuffix("M") ? 1 << 20 : 1
        let digits = multiplier == 1 ? trimmed : String(trimmed.dropLast())
        guard let value = Int(digits), value > 0 else {
            throw ValidationError("\(option): \"\(part)\" is not a positive token count (e.g. 4096, 4K, 2M)")
        }
        return value * multiplier
    }
}
