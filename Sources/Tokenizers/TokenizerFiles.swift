import Checkpoints
import Foundation

/// The tokenizer files a model folder may carry, found and loaded in one place for every tool.
public enum TokenizerFiles {
    /// The tokenizer file in `directory`: `tokenizer.model` (SentencePiece; such models often ship a
    /// tokenizer.json too, in a form the BPE reader does not take), then `tokenizer.json`, then
    /// `tokenizer.gguf` (the vocabulary megalodon-convert keeps beside converted GGUF weights), then any
    /// other `.gguf` file in name order. Nil when there is none.
    public static func file(in directory: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for candidate in ["tokenizer.model", "tokenizer.json", "tokenizer.gguf"] where names.contains(candidate) {
            return directory.appendingPathComponent(candidate)
        }
        return names.filter { $0.hasSuffix(".gguf") }.sorted().first.map { directory.appendingPathComponent($0) }
    }

    /// Loads a GGUF file's vocabulary, a Hugging Face tokenizer.json or a SentencePiece .model, by its
    /// extension; nil for any other kind of file.
    public static func load(path: String) throws -> (any Tokenizer)? {
        if path.hasSuffix(".gguf") { return try GGUFTokenizer.load(from: GGUFFile(path: path)) }
        if path.hasSuffix(".json") { return try HuggingFaceTokenizer.load(path: path) }
        if path.hasSuffix(".model") { return try SentencePieceModelFile.load(path: path) }
        return nil
    }
}
