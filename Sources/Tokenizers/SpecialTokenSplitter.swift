/// Cuts input text around the literal text of special tokens before the model's own algorithm
/// sees it (llama.cpp `tokenizer_st_partition`, Hugging Face added tokens).
struct SpecialTokenSplitter: Sendable {
    struct Entry: Sendable {
        var id: Int32
        var text: [UInt8]
        var kind: TokenKind
        /// Strip whitespace on this side of a match (Hugging Face `lstrip` / `rstrip`).
        var stripLeft = false
        var stripRight = false
    }

    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    /// Longest text first, so that `<|im_start|>` wins over `<|im`; ties keep id order.
    let entries: [Entry]

    init(entries: [Entry]) {
        self.entries = entries.filter { !$0.text.isEmpty }.enumerated()
            .sorted { ($0.element.text.count, -$0.offset) > ($1.element.text.count, -$1.offset) }
            .map(\.element)
    }

    /// Control, unknown and user-defined tokens of `vocabulary`, as llama.cpp selects them.
    init(vocabulary: Vocabulary) {
        var entries: [Entry] = []
        for (index, kind) in vocabulary.kinds.enumerated() where kind == .control || kind == .userDefined || kind == .unknown {
            entries.append(Entry(id: Int32(index), text: vocabulary.tokens[index], kind: kind))
        }
        self.init(entries: entries)
    }

    /// Splits `bytes`; with `parseSpecial` false only user-defined tokens are matched.
    func split(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        guard !bytes.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<bytes.count)]
        for entry in entries {
            if !parseSpecial && entry.kind != .userDefined { continue }
            var next: [Fragment] = []
            for fragment in fragments {
                guard case var .text(range) = fragment else {
                    next.append(fragment)
                    continue
                }
                while let match = Self.find(entry.text, in: bytes, range) {
                    var left = range.lowerBound..<match.lowerBound
                    if entry.stripLeft {
                        while !left.isEmpty && Self.isSpace(bytes[left.upperBound - 1]) { left = left.lowerBound..<left.upperBound - 1 }
                    }
                    if !left.isEmpty { next.append(.text(left)) }
                    next.append(.token(entry.id))
                    var rightStart = match.upperBound
                    if entry.stripRight { while rightStart < range.upperBound && Self.isSpace(bytes[rightStart]) { rightStart += 1 } }
                    range = rightStart..<range.upperBound
                }
                if !range.isEmpty { next.append(.text(range)) }
            }
            fragments = next
        }
        return fragments
    }

    /// C `isspace` in the "C" locale, which llama.cpp uses for stripping.
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    static func find(_ needle: [UInt8], in haystack: [UInt8], _ range: Range<Int>) -> Range<Int>? {
        guard let first = needle.first, needle.count <= range.count else { return nil }
        var start = range.lowerBound
        let lastStart = range.upperBound - needle.count
        while start <= lastStart {
            if haystack[start] == first {
                var matched = true
                for k in 1..<needle.count where haystack[start + k] != needle[k] { matched = false; break }
                if matched { return start..<start + needle.count }
            }
            start += 1
        }
        return nil
    }
}
