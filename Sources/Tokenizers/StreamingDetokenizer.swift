/// Turns a growing token sequence into text as it grows, for printing generated tokens as they
/// arrive. The whole sequence is decoded each time (so SentencePiece word boundaries and byte
/// tokens come out as in a one-shot decode) and only whole UTF-8 characters are released: a
/// character split across tokens waits for its last byte.
public struct StreamingDetokenizer {
    private let tokenizer: any Tokenizer
    private var ids: [Int32]
    /// Bytes of the decoded sequence already released (the prompt's count from the start).
    private var released: Int

    /// `context` is the text already shown (the prompt); only what follows it is released.
    public init(tokenizer: any Tokenizer, context: [Int32]) {
        self.tokenizer = tokenizer
        ids = context
        released = tokenizer.decodeBytes(context).count
    }

    /// The text `id` completes.
    public mutating func append(_ id: Int32) -> String {
        ids.append(id)
        let bytes = tokenizer.decodeBytes(ids)
        let end = Self.completeEnd(bytes)
        guard end > released else { return "" }
        defer { released = end }
        return String(decoding: bytes[released..<end], as: UTF8.self)
    }

    /// Whatever is still held back (an unfinished character becomes U+FFFD).
    public mutating func finish() -> String {
        let bytes = tokenizer.decodeBytes(ids)
        guard bytes.count > released else { return "" }
        defer { released = bytes.count }
        return String(decoding: bytes[released...], as: UTF8.self)
    }

    /// The end of the longest prefix that does not stop inside a multi-byte character.
    static func completeEnd(_ bytes: [UInt8]) -> Int {
        var start = bytes.count
        // A character is at most 4 bytes: look back at most 3 for its lead byte.
        while start > max(0, bytes.count - 3), bytes[start - 1] & 0xC0 == 0x80 { start -= 1 }
        guard start > 0 else { return bytes.count }
        let lead = bytes[start - 1]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return bytes.count - (start - 1) < length ? start - 1 : bytes.count
    }
}
