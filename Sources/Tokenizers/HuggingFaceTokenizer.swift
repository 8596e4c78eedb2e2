import Foundation

/// Builds a byte-level BPE tokenizer from a Hugging Face `tokenizer.json`.
///
/// Read: `model.vocab`, `model.merges` (either `"a b"` strings or `["a", "b"]` pairs),
/// `model.ignore_merges`, `added_tokens` (matched before pre-tokenization; `special: true` ones are
/// control tokens, the others user-defined; `lstrip`/`rstrip` honoured), and `pre_tokenizer`, which
/// must be one of the supported families (see `PreTokenizer`) unless one is passed explicitly.
/// BOS/EOS come from a `tokenizer_config.json` beside the file when present.
/// SentencePiece-style tokenizer.json files (Metaspace, byte fallback) are not supported: load
/// those models from GGUF or from their `tokenizer.model`.
public enum HuggingFaceTokenizer {
    /// How many ids below the highest may go unnamed: as many as are named, plus 1024. Real
    /// vocabularies are dense with a few reserved gaps; each unnamed id still costs a table entry, so
    /// a few bytes naming id 24266 must not build 24k of them.
    public static func maximumUnnamedIDs(named: Int) -> Int { named + 1024 }

    /// Each part of the json-c tree is converted and then freed before the next is read (the
    /// vocabulary, then merge by merge), so the tables built never sit beside the whole tree.
    public static func load(path: String, preTokenizer override: PreTokenizer? = nil) throws -> ByteLevelBPETokenizer {
        let document = try JSONDocument(path: path)
        var budget = document.memoryBudget
        let root = document.rootNode
        guard let model = root["model"] else { throw TokenizerError.missingField(source: path, field: "model") }
        let type = model["type"]?.string ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupportedModel(source: path, model: type) }
        guard let vocab = model["vocab"], vocab.isObject else { throw TokenizerError.missingField(source: path, field: "model.vocab") }
        var byID = try readVocabulary(vocab, budget: &budget, source: path)
        model.removeMember("vocab")
        let added = try readAddedTokens(root["added_tokens"], into: &byID, source: path)
        let vocabulary = try denseVocabulary(byID, kinds: added.kinds, source: path)
        let ranks = try readMerges(model["merges"], budget: &budget, source: path)

        let preTokenizer = try override ?? detectPreTokenizer(root["pre_tokenizer"], source: path)
        let config = TokenizerConfig(directory: URL(fileURLWithPath: path).deletingLastPathComponent())
        let idOf = { (text: String?) in text.flatMap { vocabulary.id(of: Array($0.utf8)) } }
        return ByteLevelBPETokenizer(
            vocabulary: vocabulary, mergeRanks: ranks, preTokenizer: preTokenizer,
            bos: idOf(config.bosToken), eos: idOf(config.eosToken), addBOS: config.addBOS ?? false,
            cleansSpaces: config.cleanUpSpaces ?? false,
            takesWholeWordTokens: model["ignore_merges"]?.bool ?? false,
            specialTokens: SpecialTokenSplitter(entries: added.splitterEntries))
    }

    /// `model.vocab`: token text by id.
    private static func readVocabulary(_ vocab: JSONNode, budget: inout JSONMemoryBudget, source: String) throws -> [Int: [UInt8]] {
        var byID: [Int: [UInt8]] = [:]
        try vocab.forEachEntry { text, value in
            guard let id = value.int, id >= 0, id < Int(Int32.max) else {
                throw TokenizerError.invalidField(
                    source: source, field: "model.vocab",
                    reason: "token \(String(decoding: text, as: UTF8.self).debugDescription) has no valid id")
            }
            try budget.spend(JSONMemoryEstimate.bytesPerVocabularyToken + text.count)
            byID[id] = text
        }
        return byID
    }

    /// `added_tokens`, written over the vocabulary's ids; their kinds and the entries matched before pre-tokenization.
    private static func readAddedTokens(
        _ list: JSONNode?, into byID: inout [Int: [UInt8]], source: String
    ) throws -> (kinds: [Int: TokenKind], splitterEntries: [SpecialTokenSplitter.Entry]) {
        var kinds: [Int: TokenKind] = [:]
        var splitterEntries: [SpecialTokenSplitter.Entry] = []
        for (index, added) in (list?.array ?? []).enumerated() {
            guard let id = added["id"]?.int, id >= 0, id < Int(Int32.max), let content = added["content"]?.stringBytes else {
                throw TokenizerError.invalidField(source: source, field: "added_tokens[\(index)]", reason: "needs an id and content")
            }
            let kind: TokenKind = added["special"]?.bool == true ? .control : .userDefined
            byID[id] = content
            kinds[id] = kind
            splitterEntries.append(
                .init(
                    id: Int32(id), text: content, kind: kind,
                    stripLeft: added["lstrip"]?.bool ?? false, stripRight: added["rstrip"]?.bool ?? false))
        }
        return (kinds, splitterEntries)
    }

    /// One entry per id below the highest; ids nobody names get an impossible text and never match.
    private static func denseVocabulary(_ byID: [Int: [UInt8]], kinds: [Int: TokenKind], source: String) throws -> Vocabulary {
        let size = (byID.keys.max() ?? -1) + 1
        // Every id below the highest gets an entry, so a lone id near 2^31 would allocate billions.
        guard size - byID.count <= HuggingFaceTokenizer.maximumUnnamedIDs(named: byID.count) else {
            throw TokenizerError.vocabularyTooSparse(source: source, highestID: size - 1, named: byID.count)
        }
        let tokens = (0..<size).map { byID[$0] ?? Array("<unused \($0)>\u{0}".utf8) }
        return Vocabulary(tokens: tokens, kinds: (0..<size).map { byID[$0] == nil ? .unused : kinds[$0] ?? .normal })
    }

    /// `model.merges`, `"a b"` strings or `["a", "b"]` pairs, numbered as read; each is freed from
    /// the tree once numbered.
    private static func readMerges(
        _ merges: JSONNode?, budget: inout JSONMemoryBudget, source: String
    ) throws -> ByteLevelBPETokenizer.MergeRanks {
        guard let merges, merges.arrayCount != nil else { throw TokenizerError.missingField(source: source, field: "model.merges") }
        var ranks = ByteLevelBPETokenizer.MergeRanks()
        try merges.consumeElements { position, node in
            let kept: Int?
            if let line = node.stringBytes {
                let (left, right) = ByteLevelBPETokenizer.splitMergeLine(line)
                kept = ranks.append(left, right) ? left.count + right.count : nil
            } else if let pair = node.array, pair.count == 2, let left = pair[0].stringBytes, let right = pair[1].stringBytes {
                kept = ranks.append(left, right) ? left.count + right.count : nil
            } else {
                throw TokenizerError.invalidField(source: source, field: "model.merges[\(position)]", reason: "neither \"a b\" nor [a, b]")
            }
            // Only a new pair grows the table; a repeated one is dropped.
            if let kept { try budget.spend(JSONMemoryEstimate.bytesPerMergeRule + kept) }
        }
        return ranks
    }

    /// The supported family a `pre_tokenizer` section describes, recognised by its parts:
    /// ByteLevel alone (GPT-2), a Split on the Llama 3 or Qwen2 pattern then ByteLevel, or
    /// Digits(individual) then ByteLevel (SmolLM / StarCoder).
    static func detectPreTokenizer(_ node: JSONNode?, source: String) throws -> PreTokenizer {
        let steps = node.flatMap { $0["type"]?.string == "Sequence" ? $0["pretokenizers"]?.array : [$0] } ?? []
        let kinds = steps.map { $0["type"]?.string ?? "?" }
        let pattern = steps.first { $0["type"]?.string == "Split" }?["pattern"]?["Regex"]?.string
        let llama3Pattern =
            #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let qwen2Pattern =
            #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let byteLevelSplits = steps.last?["use_regex"]?.bool ?? true
        if steps.last?["add_prefix_space"]?.bool == true {
            throw TokenizerError.unsupportedPreTokenizer(source: source, name: "ByteLevel with add_prefix_space")
        }
        switch (kinds, pattern) {
        case (["ByteLevel"], nil) where byteLevelSplits: return .gpt2
        case (["Split", "ByteLevel"], llama3Pattern?) where !byteLevelSplits: return .llama3
        case (["Split", "ByteLevel"], qwen2Pattern?) where !byteLevelSplits: return .qwen2
        case (["Digits", "ByteLevel"], nil) where byteLevelSplits && steps[0]["individual_digits"]?.bool == true: return .smollm
        default:
            throw TokenizerError.unsupportedPreTokenizer(
                source: source, name: kinds.joined(separator: "+") + (pattern.map { " \($0)" } ?? ""))
        }
    }
}

/// The few `tokenizer_config.json` fields a tokenizer needs; absent file or fields read as nil.
struct TokenizerConfig {
    var bosToken: String?
    var eosToken: String?
    var addBOS: Bool?
    var cleanUpSpaces: Bool?

    init(directory: URL) {
        let path = directory.appendingPathComponent("tokenizer_config.json").path
        guard FileManager.default.fileExists(atPath: path), let root = try? JSONDocument(path: path).rootNode else { return }
        // Each token is a string or an AddedToken object with "content".
        func token(_ key: String) -> String? { root[key]?.string ?? root[key]?["content"]?.string }
        bosToken = token("bos_token")
        eosToken = token("eos_token")
        addBOS = root["add_bos_token"]?.bool
        cleanUpSpaces = root["clean_up_tokenization_spaces"]?.bool
    }
}
