/// The regex-driven word splitting that byte-level BPE vocabularies apply before merging,
/// implemented as hand-written scanners over Unicode classes that reproduce llama.cpp's
/// splitting (and so the Hugging Face patterns) for each supported family:
///
/// - `gpt2`: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - `llama3`: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// - `qwen2`: the llama3 pattern with `\p{N}` (one digit per word) instead of `\p{N}{1,3}`
/// - `smollm`: every `\p{N}` character isolated first, then the gpt2 pattern inside each piece
///   (llama.cpp's STARCODER/SMOLLM family)
public enum PreTokenizer: String, Sendable, CaseIterable {
    case gpt2, llama3, qwen2, smollm

    /// The family a GGUF `tokenizer.ggml.pre` value selects (same groups as llama.cpp).
    public init?(llamaCppName name: String) {
        switch name {
        case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code",
            "roberta-bpe", "mpt", "olmo", "jais":
            self = .gpt2
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe":
            self = .llama3
        case "qwen2", "deepseek-r1-qwen", "stablelm2", "megrez":
            self = .qwen2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b":
            self = .smollm
        default:
            return nil
        }
    }

    /// llama.cpp turns BOS on for the llama3 family; the others follow the file's flag.
    var addsBOSByDefault: Bool { self == .llama3 }
    /// llama.cpp's `ignore_merges`: a word that is already a token is taken whole.
    var takesWholeWordTokens: Bool { self == .llama3 }
    /// llama.cpp's `clean_spaces` default (Hugging Face `clean_up_tokenization_spaces`).
    var cleansSpaces: Bool { self == .gpt2 || self == .llama3 }

    /// Word boundaries of `scalars` as index ranges, in order, covering every scalar.
    func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let classes = scalars.map(CharacterClass.init)
        var words: [Range<Int>] = []
        let whole = 0..<scalars.count
        switch self {
        case .gpt2:
            Self.gpt2Words(scalars, classes, in: whole, into: &words)
        case .llama3:
            Self.llama3Words(scalars, classes, in: whole, maximumDigits: 3, into: &words)
        case .qwen2:
            Self.llama3Words(scalars, classes, in: whole, maximumDigits: 1, into: &words)
        case .smollm:
            var start = 0
            for index in whole where classes[index].isNumber {
                if start < index { Self.gpt2Words(scalars, classes, in: start..<index, into: &words) }
                words.append(index..<index + 1)
                start = index + 1
            }
            if start < scalars.count { Self.gpt2Words(scalars, classes, in: start..<scalars.count, into: &words) }
        }
        return words
    }

    /// A cursor over one segment: classes outside it read as nil, which no pattern class matches
    /// (so lookahead stops at segment ends, as the regexes do at the end of their input).
    private struct Segment {
        let scalars: [Unicode.Scalar]
        let classes: [CharacterClass]
        let range: Range<Int>
        var wordStart: Int

        func scalar(_ index: Int) -> UInt32? { range.contains(index) ? scalars[index].value : nil }
        func kind(_ index: Int) -> CharacterClass? { range.contains(index) ? classes[index] : nil }
        func isOther(_ kind: CharacterClass?) -> Bool { kind.map { !$0.isWhitespace && !$0.isLetter && !$0.isNumber } ?? false }

        mutating func emit(upTo end: Int, into words: inout [Range<Int>]) {
            if end > wordStart { words.append(wordStart..<end) }
            wordStart = end
        }

        /// Length of a contraction (`'s`, `'RE`, ...) starting at `position`, or 0.
        func contractionLength(at position: Int, caseInsensitive: Bool) -> Int {
            guard scalar(position) == 0x27 else { return 0 }
            func letter(_ index: Int) -> Character? {
                guard let value = scalar(index), value < 0x80 else { return nil }
                let character = Character(Unicode.Scalar(UInt8(value)))
                return caseInsensitive ? Character(character.lowercased()) : character
            }
            guard let first = letter(position + 1) else { return 0 }
            if "stmd".contains(first) { return 2 }
            guard let second = letter(position + 2) else { return 0 }
            return ["re", "ve", "ll"].contains(String([first, second])) ? 3 : 0
        }

        func whitespaceRun(from position: Int) -> Int {
            var count = 0
            while kind(position + count)?.isWhitespace == true { count += 1 }
            return count
        }

        /// Where `\s+(?!\S)|\s+` ends for a run of `spaces` whitespace characters at `position`
        /// (before a non-space the run leaves its last space to the next word), or one character
        /// on when nothing matched.
        func spaceWordEnd(from position: Int, spaces: Int) -> Int {
            if spaces > 1 && scalar(position + spaces) != nil { return position + spaces - 1 }
            return position + max(spaces, 1)
        }

        /// Consumes a contraction at `position` as a word; true if there was one.
        mutating func takeContraction(at position: inout Int, caseInsensitive: Bool, into words: inout [Range<Int>]) -> Bool {
            let length = contractionLength(at: position, caseInsensitive: caseInsensitive)
            guard length > 0 else { return false }
            position += length
            emit(upTo: position, into: &words)
            return true
        }
    }

    private static func gpt2Words(
        _ scalars: [Unicode.Scalar], _ classes: [CharacterClass], in range: Range<Int>, into words: inout [Range<Int>]
    ) {
        var s = Segment(scalars: scalars, classes: classes, range: range, wordStart: range.lowerBound)
        var position = range.lowerBound
        while position < range.upperBound {
            if s.takeContraction(at: &position, caseInsensitive: false, into: &words) { continue }
            let isSpace = s.scalar(position) == 0x20
            let lead = isSpace ? s.kind(position + 1) : s.kind(position)
            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
            let runTests: [(CharacterClass?) -> Bool] = [{ $0?.isLetter == true }, { $0?.isNumber == true }, { s.isOther($0) }]
            if let test = runTests.first(where: { $0(lead) }) {
                if isSpace { position += 1 }
                while test(s.kind(position)) { position += 1 }
                s.emit(upTo: position, into: &words)
                continue
            }
            position = s.spaceWordEnd(from: position, spaces: s.whitespaceRun(from: position))
            s.emit(upTo: position, into: &words)
        }
    }

    private static func llama3Words(
        _ scalars: [Unicode.Scalar], _ classes: [CharacterClass], in range: Range<Int>, maximumDigits: Int, into words: inout [Range<Int>]
    ) {
        var s = Segment(scalars: scalars, classes: classes, range: range, wordStart: range.lowerBound)
        var position = range.lowerBound
        let isLineBreak = { (value: UInt32?) in value == 0x0D || value == 0x0A }
        while position < range.upperBound {
            if s.takeContraction(at: &position, caseInsensitive: true, into: &words) { continue }
            let current = s.scalar(position)
            let kind = s.kind(position) ?? []
            // `[^\r\n\p{L}\p{N}]?\p{L}+`
            if !isLineBreak(current) && !kind.isNumber && (kind.isLetter || s.kind(position + 1)?.isLetter == true) {
                position += 1
                while s.kind(position)?.isLetter == true { position += 1 }
                s.emit(upTo: position, into: &words)
                continue
            }
            // `\p{N}{1,maximumDigits}`
            if kind.isNumber {
                var runStart = position
                while s.kind(position)?.isNumber == true {
                    position += 1
                    if position - runStart >= maximumDigits {
                        s.emit(upTo: position, into: &words)
                        runStart = position
                    }
                }
                s.emit(upTo: position, into: &words)
                continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            let isSpace = current == 0x20
            if s.isOther(isSpace ? s.kind(position + 1) : kind) || (isSpace && s.kind(position + 1) == nil) {
                if isSpace { position += 1 }
                while s.isOther(s.kind(position)) { position += 1 }
                while isLineBreak(s.scalar(position)) { position += 1 }
                s.emit(upTo: position, into: &words)
                continue
            }
            // `\s*[\r\n]+`: whitespace up to and including its last line break
            let spaces = s.whitespaceRun(from: position)
            if let lastBreak = (position..<position + spaces).last(where: { isLineBreak(s.scalar($0)) }) {
                position = lastBreak + 1
            } else {
                position = s.spaceWordEnd(from: position, spaces: spaces)
            }
            s.emit(upTo: position, into: &words)
        }
    }
}
