/// The token stream of a corpus: documents tokenized without special tokens and concatenated.
public enum CorpusTokens {
    /// With a `limit`, only as much text as needed is tokenized: a line-aligned prefix of each
    /// document, grown until it yields `limit` tokens plus a margin; tokens within the margin of the
    /// cut are dropped, so the kept ones are those the whole text would give (tokenizers split at
    /// whitespace first, so a cut at a line end leaves earlier pieces alone).
    public static func stream(_ documents: [String], tokenizer: EvaluationTokenizer, limit: Int?) throws -> [Int] {
        var tokens: [Int] = []
        let margin = 64
        for document in documents {
            guard let limit else {
                tokens += try tokenizer.encode(document, addSpecialTokens: false)
                continue
            }
            let needed = limit - tokens.count
            if needed <= 0 { break }
            let scalars = document.unicodeScalars
            var prefixLength = (needed + margin) * 8
            while true {
                guard prefixLength < scalars.count, let cut = lineEnd(in: scalars, atOrAfter: prefixLength) else {
                    tokens += try tokenizer.encode(document, addSpecialTokens: false)
                    break
                }
                let piece = try tokenizer.encode(String(String.UnicodeScalarView(scalars[..<cut])), addSpecialTokens: false)
                if piece.count >= needed + margin {
                    tokens += piece.prefix(needed)
                    break
                }
                prefixLength *= 2
            }
        }
        return limit.map { Array(tokens.prefix($0)) } ?? tokens
    }

    /// The index just past the first newline at or after `offset`, or nil when there is none.
    private static func lineEnd(in scalars: String.UnicodeScalarView, atOrAfter offset: Int) -> String.UnicodeScalarView.Index? {
        var index = scalars.index(scalars.startIndex, offsetBy: offset)
        while index < scalars.endIndex {
            if scalars[index] == "\n" { return scalars.index(after: index) }
            index = scalars.index(after: index)
        }
        return nil
    }
}
