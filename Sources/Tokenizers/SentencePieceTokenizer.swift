/// SentencePiece-style tokenizer as llama.cpp implements its "llama" (SPM) vocabulary: spaces
/// become ▁ (U+2581), a space is prepended to the text (dummy prefix), then adjacent pieces are
/// merged greedily by the score of the merged token; characters left without a token fall back to
/// their `<0xXX>` byte tokens.
public struct SentencePieceTokenizer: Tokenizer {
    public struct Options: Sendable, Equatable {
        /// Prepend a space to text that starts the input or follows a special token.
        public var addDummyPrefix = true
        /// Collapse runs of spaces and trim the ends first (SentencePiece normalizer option;
        /// llama.cpp ignores it, and Llama's own models turn it off).
        public var removeExtraWhitespaces = false
        /// Write spaces as ▁ (on for every SentencePiece model llama.cpp reads).
        public var escapeWhitespaces = true
        /// Also prepend the space to text that follows a special token (llama.cpp does; the
        /// SentencePiece library only prefixes the start of the input).
        public var prefixAfterSpecialTokens = true
        public var addBOS = true
        public var addEOS = false
        public init() {}
    }

    public let vocabulary: Vocabulary
    public let options: Options
    public let bosTokenID: Int32?
    public let eosTokenID: Int32?
    public let unknownTokenID: Int32?
    private let specialTokens: SpecialTokenSplitter
    private let byteTokens: [Int32?]

    static let escapedSpace: [UInt8] = [0xE2, 0x96, 0x81]

    public init(vocabulary: Vocabulary, bos: Int32?, eos: Int32?, unknown: Int32?, options: Options = Options()) {
        self.vocabulary = vocabulary
        self.options = options
        bosTokenID = bos.flatMap { vocabulary.contains($0) ? $0 : nil }
        eosTokenID = eos.flatMap { vocabulary.contains($0) ? $0 : nil }
        unknownTokenID = unknown.flatMap { vocabulary.contains($0) ? $0 : nil }
        specialTokens = SpecialTokenSplitter(vocabulary: vocabulary)
        // `<0xXX>` first, then the byte itself as a one-byte token (llama.cpp `byte_to_token`).
        let hex = Array("0123456789ABCDEF".utf8)
        byteTokens = (0..<256).map { byte in
            let name: [UInt8] = Array("<0x".utf8) + [hex[byte >> 4], hex[byte & 15], UInt8(ascii: ">")]
            return vocabulary.id(of: name) ?? vocabulary.id(of: [UInt8(byte)])
        }
    }

    public var vocabularySize: Int { vocabulary.count }
    public var addsBOSByDefault: Bool { options.addBOS }

    public func tokenText(_ id: Int32) -> String? { vocabulary.text(of: id) }

    public func encode(_ text: String, addBOS: Bool, parseSpecial: Bool) -> [Int32] {
        var output: [Int32] = []
        if addBOS, let bos = bosTokenID { output.append(bos) }
        var bytes = Array(text.utf8)
        if options.removeExtraWhitespaces { bytes = Self.collapsingSpaces(bytes) }
        var atStart = true, previousWasSpecial = true
        for fragment in specialTokens.split(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case let .token(id):
                output.append(id)
                previousWasSpecial = true
                atStart = false
            case let .text(range):
                var piece = Array(bytes[range])
                if options.addDummyPrefix && previousWasSpecial && (atStart || options.prefixAfterSpecialTokens) {
                    piece.insert(0x20, at: 0)
                }
                atStart = false
                if options.escapeWhitespaces { piece = Self.escapingSpaces(piece) }
                merge(piece, into: &output)
                previousWasSpecial = false
            }
        }
        return output
    }

    static func escapingSpaces(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        for byte in bytes {
            if byte == 0x20 { out += escapedSpace } else { out.append(byte) }
        }
        return out
    }

    /// SentencePiece's `remove_extra_whitespaces`: trim spaces at both ends, keep one of each run.
    static func collapsingSpaces(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for byte in bytes {
            if byte == 0x20 && (out.isEmpty || out.last == 0x20) { continue }
            out.append(byte)
        }
        if out.last == 0x20 { out.removeLast() }
        return out
    }

    /// Merges by the score of the merged token (highest first); every merged piece is a token
    /// by construction, so only single characters can lack one, and those become byte tokens.
    private func merge(_ text: [UInt8], into output: inout [Int32]) {
        let pieces = mergeAdjacentSymbols(text[...]) { left, right in
            vocabulary.id(ofBytes: text[left.lowerBound..<right.upperBound]).map { vocabulary.scores[Int($0)] }
        }
        for piece in pieces {
            if let id = vocabulary.id(ofBytes: text[piece]) {
                output.append(id)
            } else {
                for byte in text[piece] {
                    if let id = byteTokens[Int(byte)] ?? unknownTokenID { output.append(id) }
                }
            }
        }
    }

    /// Pieces with ▁ turned back into spaces, byte tokens into their byte, control and unknown
    /// tokens dropped. The dummy-prefix space is removed from the first piece that produces
    /// text, as SentencePiece and Hugging Face do (llama.cpp keeps it when the ids start with BOS).
    public func decodeBytes(_ ids: [Int32]) -> [UInt8] {
        var out: [UInt8] = []
        var removeLeadingSpace = options.addDummyPrefix
        for id in ids where vocabulary.contains(id) {
            var piece: [UInt8]
            switch vocabulary.kind(of: id) {
            case .control, .unknown, .unused, .undefined: continue
            case .userDefined: piece = vocabulary.tokens[Int(id)]
            case .byte: piece = Self.byteValue(vocabulary.tokens[Int(id)]).map { [$0] } ?? []
            case .normal: piece = Self.unescapingSpaces(vocabulary.tokens[Int(id)])
            }
            if removeLeadingSpace && piece.first == 0x20 { piece.removeFirst() }
            removeLeadingSpace = false
            out += piece
        }
        return out
    }

    static func unescapingSpaces(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if index + 2 < bytes.count && bytes[index] == 0xE2 && bytes[index + 1] == 0x96 && bytes[index + 2] == 0x81 {
                out.append(0x20)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    /// The byte of a `<0xXX>` token.
    static func byteValue(_ text: [UInt8]) -> UInt8? {
        guard text.count == 6, text.starts(with: Array("<0x".utf8)), text[5] == UInt8(ascii: ">") else {
            return text.count == 1 ? text[0] : nil
        }
        return UInt8(String(decoding: text[3..<5], as: UTF8.self), radix: 16)
    }
}
