/// SQuAD v1.1 `normalize_answer` (used by the SCROLLS F1/EM metric, lm-eval's Qasper yes/no test and
/// the LLaMA TriviaQA protocol): lowercase, delete ASCII punctuation, replace the words a/an/the by a
/// space, collapse whitespace.
public enum SQuADNormalization {
    public static func normalize(_ text: String) -> String {
        let lowered = PythonText.removingASCIIPunctuation(PythonText.lower(text))
        return PythonText.splitOnWhitespace(removingArticles(lowered)).joined(separator: " ")
    }

    /// `re.sub(r"\b(a|an|the)\b", " ", s)` with Python's Unicode word characters.
    static func removingArticles(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if let length = articleLength(scalars, at: index) {
                output.append(" ")
                index += length
            } else {
                output.append(scalars[index])
                index += 1
            }
        }
        return String(output)
    }

    private static let articles: [[Unicode.Scalar]] = [["a"], ["a", "n"], ["t", "h", "e"]]

    /// The regex tries `a` before `an`; `a` only matches when a boundary follows it, so at most one fits.
    private static func articleLength(_ scalars: [Unicode.Scalar], at start: Int) -> Int? {
        if start > 0, isWordCharacter(scalars[start - 1]) { return nil }
        for article in articles {
            let end = start + article.count
            guard end <= scalars.count, Array(scalars[start..<end]) == article else { continue }
            if end == scalars.count || !isWordCharacter(scalars[end]) { return article.count }
        }
        return nil
    }

    /// Python `re`'s `\w` for str patterns: `str.isalnum()` or underscore.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return scalar.properties.numericType != nil
        }
    }
}
