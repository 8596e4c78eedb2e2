/// Turns text into model token ids and back.
///
/// By default the text of control tokens (`<s>`, `<|endoftext|>`) in the input is tokenized as
/// ordinary text, like llama.cpp with `parse_special = false`; pass `parseSpecial: true` to turn
/// it into the control tokens (chat templates). Tokens the vocabulary marks user-defined are
/// always matched first, as Hugging Face and llama.cpp do.
public protocol Tokenizer: Sendable {
    var vocabularySize: Int { get }
    var bosTokenID: Int32? { get }
    var eosTokenID: Int32? { get }
    /// Whether the model expects a BOS token at the start of a prompt (`add_bos_token`).
    var addsBOSByDefault: Bool { get }

    /// Token ids for `text`, preceded by BOS when `addBOS` is true and the vocabulary has one.
    func encode(_ text: String, addBOS: Bool, parseSpecial: Bool) -> [Int32]
    /// The bytes the ids stand for (control tokens contribute nothing).
    func decodeBytes(_ ids: [Int32]) -> [UInt8]
    /// The token's stored text (SentencePiece pieces with ▁, byte-level BPE in its GPT-2 alphabet).
    func tokenText(_ id: Int32) -> String?
}

extension Tokenizer {
    public func encode(_ text: String, addBOS: Bool = false) -> [Int32] { encode(text, addBOS: addBOS, parseSpecial: false) }

    /// The text the ids stand for; byte sequences that are not valid UTF-8 become U+FFFD.
    public func decode(_ ids: [Int32]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }
}
