/// A model directory made from a GGUF keeps the GGUF's tokenizer as a tensor-less GGUF file of its
/// `tokenizer.*` keys (readable by `GGUFTokenizer`), so converting back to GGUF loses nothing.
public enum GGUFTokenizerFile {
    public static let name = "tokenizer.gguf"

    /// The `tokenizer.*` keys of a GGUF input, carried over with their types.
    public static func keys(of file: GGUFFile) -> [(key: String, value: GGUFValue)] {
        file.metadataKeys.filter { $0.hasPrefix("tokenizer.") }.compactMap { key in file.metadata(key).map { (key, $0) } }
    }
}
