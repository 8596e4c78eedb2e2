/// Roughly what json-c will allocate to hold a JSON text, counted in one pass before json-c sees it.
///
/// json-c builds a heap node per value, and an empty object costs it about 800 bytes (its hash
/// table is preallocated), so `[{},{},…]` asks for ~264 × the file size: a 50 MB hostile
/// tokenizer.json would take ~13 GB. Counting values is cheap and needs no tree, so a file whose
/// tree would be out of proportion to its size is refused before any node exists.
struct JSONMemoryEstimate: Equatable {
    /// Per-value costs of json-c 0.16 (malloc chunks, measured), each rounded up and including the
    /// value's slot in its parent (8 bytes, doubled while an array grows): an object with its
    /// preallocated hash table; an array with its slot list; a string node (text up to ~16 bytes
    /// inline, longer text counted by `bytesPerStringByte`); an integer or literal node; a decimal
    /// number, which json-c keeps with its text; an object member's hash entry (tables grow at 2/3
    /// load) beyond its key's string cost.
    static let bytesPerObject = 816
    static let bytesPerArray = 160
    static let bytesPerString = 96
    static let bytesPerNumberOrLiteral = 80
    static let bytesPerDecimal = 112
    static let bytesPerMember = 64
    /// json-c's copy of string text; the text itself is mapped and counted once more per file byte.
    static let bytesPerStringByte = 1
    static let bytesPerTextByte = 1

    /// What the tables built from the tree add while it is still partly alive (Swift, measured the
    /// same way, upper bounds): a vocabulary token with its text array, the id and text maps and
    /// one unnamed-id placeholder (`HuggingFaceTokenizer.maximumUnnamedIDs` allows about one per
    /// named token); a distinct merge rule with its two side arrays and its map entry, counted as
    /// the map is being doubled. Their text adds one byte per byte.
    static let bytesPerVocabularyToken = 288
    static let bytesPerMergeRule = 192

    /// The most loading a tokenizer.json of `fileSize` bytes may take. Real tokenizer files take
    /// 8-9 × their size (Llama 3, measured); files dense in the smallest values (one-letter merge
    /// pairs, numbers) reach ~36-42 × in this count, so 48 × leaves them room, the constant covers
    /// small files, and empty objects or arrays (54-272 ×) are refused.
    static func budget(forFileSize fileSize: Int) -> Int { 48 * fileSize + (16 << 20) }

    private(set) var objects = 0
    private(set) var arrays = 0
    private(set) var strings = 0
    private(set) var numbersAndLiterals = 0
    /// Numbers written with a fraction or an exponent (also counted in `numbersAndLiterals`).
    private(set) var decimals = 0
    private(set) var members = 0
    private(set) var stringBytes = 0
    private(set) var textBytes = 0

    var scalars: Int { strings + numbersAndLiterals }

    var bytes: Int {
        objects * Self.bytesPerObject + arrays * Self.bytesPerArray + strings * Self.bytesPerString
            + numbersAndLiterals * Self.bytesPerNumberOrLiteral + decimals * (Self.bytesPerDecimal - Self.bytesPerNumberOrLiteral)
            + members * Self.bytesPerMember + stringBytes * Self.bytesPerStringByte + textBytes * Self.bytesPerTextByte
    }

    /// Counts values without checking syntax: json-c still rejects malformed text afterwards, and a
    /// malformed text can only be counted as costing more than json-c would build, never less.
    init(scanning text: UnsafeRawBufferPointer) {
        textBytes = text.count
        var inString = false
        var escaped = false
        var inBareValue = false
        var bareValueIsDecimal = false
        for byte in text {
            if inString {
                // A quote closes the string unless a backslash escapes it; `\\` escapes the backslash.
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    continue
                }
                stringBytes += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "{"):
                objects += 1
                inBareValue = false
            case UInt8(ascii: "["):
                arrays += 1
                inBareValue = false
            case UInt8(ascii: "\""):
                strings += 1
                inString = true
                inBareValue = false
            case UInt8(ascii: ":"):
                members += 1
                inBareValue = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ","),
                UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                inBareValue = false
            default:
                // A number or literal: only its first byte starts a new value.
                if !inBareValue {
                    numbersAndLiterals += 1
                    bareValueIsDecimal = false
                }
                inBareValue = true
                // `true` and `false` hold an `e` too; counting them as decimals only overestimates.
                if !bareValueIsDecimal, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(byte) {
                    bareValueIsDecimal = true
                    decimals += 1
                }
            }
        }
    }
}

/// What a tokenizer.json load may still allocate: the budget for the file's size, less json-c's
/// estimated tree, spent by the tables built from the tree as they grow.
struct JSONMemoryBudget {
    let source: String
    let limit: Int
    private(set) var spent: Int

    mutating func spend(_ bytes: Int) throws {
        spent += bytes
        guard spent <= limit else { throw TokenizerError.jsonTooLarge(source: source, estimatedBytes: spent, budgetBytes: limit) }
    }
}
