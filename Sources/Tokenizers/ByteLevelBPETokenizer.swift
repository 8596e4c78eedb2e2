/// Byte-level BPE (GPT-2, Llama 3, Qwen2, SmolLM) as llama.cpp runs it: special tokens are cut
/// out first, the rest is split into words by the pre-tokenizer, each word's UTF-8 bytes are
/// written in the GPT-2 byte alphabet, and adjacent pieces are merged lowest merge rank first.
public struct ByteLevelBPETokenizer: Tokenizer {
    struct MergePair: Hashable {
        var left: [UInt8]
        var right: [UInt8]
    }

    /// Merge rules numbered in the order given (first = rank 0); a repeated pair keeps its first rank.
    struct MergeRanks {
        private(set) var ranks: [MergePair: Int32] = [:]
        private var count: Int32 = 0

        init(reservingCapacity capacity: Int = 0) { ranks.reserveCapacity(capacity) }

        /// Whether the pair is new (and so kept).
        @discardableResult
        mutating func append<Side: Collection<UInt8>>(_ left: Side, _ right: Side) -> Bool {
            let pair = MergePair(left: Array(left), right: Array(right))
            count += 1
            guard ranks[pair] == nil else { return false }
            ranks[pair] = count - 1
            return true
        }
    }

    public let vocabulary: Vocabulary
    public let preTokenizer: PreTokenizer
    public let bosTokenID: Int32?
    public let eosTokenID: Int32?
    public let addsBOSByDefault: Bool
    /// Apply llama.cpp's clean-up of spaces before punctuation when decoding.
    public let cleansSpaces: Bool
    /// A word that is already a token is taken whole (llama.cpp `ignore_merges`).
    public let takesWholeWordTokens: Bool
    let ranks: [MergePair: Int32]
    let specialTokens: SpecialTokenSplitter

    /// - Parameters:
    ///   - merges: merge rules in priority order (first = rank 0); a repeated pair keeps its first rank.
    ///   - specialTokens: tokens matched before pre-tokenization; default: the vocabulary's
    ///     control, unknown and user-defined tokens.
    init(
        vocabulary: Vocabulary, merges: [(ArraySlice<UInt8>, ArraySlice<UInt8>)], preTokenizer: PreTokenizer,
        bos: Int32?, eos: Int32?, addBOS: Bool, cleansSpaces: Bool? = nil, takesWholeWordTokens: Bool? = nil,
        specialTokens: SpecialTokenSplitter? = nil
    ) {
        var ranks = MergeRanks(reservingCapacity: merges.count)
        for merge in merges { ranks.append(merge.0, merge.1) }
        self.init(
            vocabulary: vocabulary, mergeRanks: ranks, preTokenizer: preTokenizer, bos: bos, eos: eos, addBOS: addBOS,
            cleansSpaces: cleansSpaces, takesWholeWordTokens: takesWholeWordTokens, specialTokens: specialTokens)
    }

    /// Takes merge ranks already built, so a reader can number merges as it reads them instead of
    /// first gathering the whole list.
    init(
        vocabulary: Vocabulary, mergeRanks: MergeRanks, preTokenizer: PreTokenizer,
        bos: Int32?, eos: Int32?, addBOS: Bool, cleansSpaces: Bool? = nil, takesWholeWordTokens: Bool? = nil,
        specialTokens: SpecialTokenSplitter? = nil
    ) {
        self.vocabulary = vocabulary
        self.preTokenizer = preTokenizer
        bosTokenID = bos.flatMap { vocabulary.contains($0) ? $0 : nil }
        eosTokenID = eos.flatMap { vocabulary.contains($0) ? $0 : nil }
        addsBOSByDefault = addBOS
        self.cleansSpaces = cleansSpaces ?? preTokenizer.cleansSpaces
        self.takesWholeWordTokens = takesWholeWordTokens ?? preTokenizer.takesWholeWordTokens
        ranks = mergeRanks.ranks
        self.specialTokens = specialTokens ?? SpecialTokenSplitter(vocabulary: vocabulary)
    }

    /// A GGUF merge line "left right", split at the first space after the first byte (so a merge
    /// whose left part is a space itself still splits right). No space gives an empty pair.
    static func splitMergeLine(_ line: [UInt8]) -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
        guard line.count > 1, let space = line[1...].firstIndex(of: 0x20) else { return ([], []) }
        return (line[..<space], line[(space + 1)...])
    }

    public var vocabularySize: Int { vocabulary.count }

    public func tokenText(_ id: Int32) -> String? { vocabulary.text(of: id) }

    public func encode(_ text: String, addBOS: Bool, parseSpecial: Bool) -> [Int32] {
        var output: [Int32] = []
        if addBOS, let bos = bosTokenID { output.append(bos) }
        let bytes = Array(text.utf8)
        for fragment in specialTokens.split(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case let .token(id):
                output.append(id)
            case let .text(range):
                let scalars = Array(String(decoding: bytes[range], as: UTF8.self).unicodeScalars)
                for word in preTokenizer.split(scalars) {
                    var utf8: [UInt8] = []
                    for scalar in scalars[word] { utf8 += Array(String(Character(scalar)).utf8) }
                    merge(ByteLevelAlphabet.encode(utf8), into: &output)
                }
            }
        }
        return output
    }

    /// Merges by merge rank (lowest first); a piece left without a token falls back to its
    /// single bytes as tokens where those exist (llama.cpp's last resort).
    private func merge(_ word: [UInt8], into output: inout [Int32]) {
        if takesWholeWordTokens, let id = vocabulary.id(of: word) {
            output.append(id)
            return
        }
        let pieces = mergeAdjacentSymbols(word[...]) { left, right in
            ranks[MergePair(left: Array(word[left]), right: Array(word[right]))].map { -Float($0) }
        }
        for piece in pieces {
            if let id = vocabulary.id(ofBytes: word[piece]) {
                output.append(id)
            } else {
                for byte in word[piece] { if let id = vocabulary.id(of: [byte]) { output.append(id) } }
            }
        }
    }

    /// Normal tokens mapped back through the byte alphabet, user-defined tokens as written,
    /// control and unknown tokens dropped.
    public func decodeBytes(_ ids: [Int32]) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids where vocabulary.contains(id) {
            let text = vocabulary.tokens[Int(id)]
            switch vocabulary.kind(of: id) {
            case .normal: out += ByteLevelAlphabet.decode(text) ?? text
            case .userDefined: out += text
            default: break
            }
        }
        return cleansSpaces ? Self.cleaningSpaces(out) : out
    }

    /// llama.cpp's `clean_spaces` passes: drop a space before `?!.,`, around a lone `'`, and
    /// before the contractions `'s 'm 're 've`. Done in place on a copy, as llama.cpp does,
    /// because the second pass's blanking of a consumed space is visible to later checks.
    static func cleaningSpaces(_ input: [UInt8]) -> [UInt8] {
        var text = input
        func pass(_ body: (inout [UInt8], inout Int, Int, Int) -> Void) {
            let count = text.count
            guard count > 0 else { return }
            var kept = 1
            var index = 1
            while index < count {
                body(&text, &kept, index, count)
                index += 1
            }
            text.removeLast(count - kept)
        }
        let space = UInt8(ascii: " "), quote = UInt8(ascii: "'")
        pass { text, kept, i, _ in
            let x = text[i]
            if text[i - 1] == space && [UInt8(ascii: "?"), UInt8(ascii: "!"), UInt8(ascii: "."), UInt8(ascii: ",")].contains(x) {
                kept -= 1
            }
            text[kept] = x
            kept += 1
        }
        do {
            let count = text.count
            if count > 0 {
                var kept = 1, i = 1
                while i < count {
                    let x = text[i]
                    if x == quote && i + 1 < count && text[i - 1] == space && text[i + 1] == space {
                        kept -= 1
                        i += 1
                        text[i] = 0
                    }
                    text[kept] = x
                    kept += 1
                    i += 1
                }
                text.removeLast(count - kept)
            }
        }
        pass { text, kept, i, count in
            let x = text[i]
            if text[i - 1] == space && x == quote && i + 1 < count {
                let x1 = text[i + 1]
                if x1 == UInt8(ascii: "s") || x1 == UInt8(ascii: "m") {
                    kept -= 1
                } else if x1 != UInt8(ascii: "t") && x1 != UInt8(ascii: "d") && i + 2 < count {
                    let x2 = text[i + 2]
                    if (x1 == UInt8(ascii: "r") || x1 == UInt8(ascii: "v")) && x2 == UInt8(ascii: "e") { kept -= 1 }
                }
            }
            text[kept] = x
            kept += 1
        }
        return text
    }
}
