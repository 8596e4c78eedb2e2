/// What a vocabulary entry is (`tokenizer.ggml.token_type`, SentencePiece piece types).
public enum TokenKind: Int32, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}

/// A token table shared by the tokenizers: id ⇄ bytes, scores and kinds.
///
/// Token text is kept as raw bytes: Swift `String` equality is canonical-equivalence based, so
/// two distinct tokens such as precomposed and decomposed "é" would compare equal as Strings.
public struct Vocabulary: Sendable {
    public let tokens: [[UInt8]]
    public let scores: [Float]
    public let kinds: [TokenKind]
    let ids: [[UInt8]: Int32]

    /// Builds the table. Later duplicates of a text win the text → id map, as in llama.cpp.
    public init(tokens: [[UInt8]], scores: [Float]? = nil, kinds: [TokenKind]? = nil) {
        self.tokens = tokens
        self.scores = scores ?? [Float](repeating: 0, count: tokens.count)
        self.kinds = kinds ?? [TokenKind](repeating: .normal, count: tokens.count)
        var ids: [[UInt8]: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (index, text) in tokens.enumerated() { ids[text] = Int32(index) }
        self.ids = ids
    }

    public var count: Int { tokens.count }

    public func id(of text: [UInt8]) -> Int32? { ids[text] }

    public func id<Bytes: Collection>(ofBytes text: Bytes) -> Int32? where Bytes.Element == UInt8 { ids[Array(text)] }

    public func contains(_ id: Int32) -> Bool { id >= 0 && Int(id) < tokens.count }

    public func kind(of id: Int32) -> TokenKind { contains(id) ? kinds[Int(id)] : .undefined }

    public func text(of id: Int32) -> String? {
        contains(id) ? String(decoding: tokens[Int(id)], as: UTF8.self) : nil
    }
}
