/// lm-eval's `exact_match` (its port of HF evaluate's `exact_match`) and TriviaQA's output filters.
public enum ExactMatch {
    /// One prediction against a doc's references, scoring 1 if any matches, exactly as lm-eval's
    /// multiple-target path does. It puts the references in one numpy string array, whose width is
    /// the longest reference; `np.char.lower` writes `str.lower()` back into that width, so a lowercase
    /// form that grows (İ → i̇) is cut to the array width. The prediction's width is its own length.
    public static func anyMatch(prediction: String, references: [String], ignoreCase: Bool, ignorePunctuation: Bool) -> Double {
        let referenceWidth = references.map(PythonText.length).max() ?? 0
        let predicted = normalize(
            prediction, width: PythonText.length(prediction), ignoreCase: ignoreCase, ignorePunctuation: ignorePunctuation)
        for reference in references
        where normalize(reference, width: referenceWidth, ignoreCase: ignoreCase, ignorePunctuation: ignorePunctuation) == predicted {
            return 1
        }
        return 0
    }

    static func normalize(_ text: String, width: Int, ignoreCase: Bool, ignorePunctuation: Bool) -> String {
        var result = text
        if ignoreCase { result = PythonText.string(PythonText.lower(result).unicodeScalars.prefix(width)) }
        if ignorePunctuation { result = PythonText.removingASCIIPunctuation(result) }
        // numpy's fixed-width strings drop trailing NULs, so they never take part in the comparison.
        while result.unicodeScalars.last == "\0" { result = PythonText.string(result.unicodeScalars.dropLast()) }
        return result
    }

    /// TriviaQA's filter list: `remove_whitespace` (`str.strip()` since lm-eval 0.4.9.2) then `take_first`.
    public static func removeWhitespace(_ generation: String) -> String { PythonText.strip(generation) }

    /// A generation request's score under a task's exact-match settings: the model binding has already
    /// cut the text at the stop strings; the filters strip it, then any reference may match.
    public static func scoreGeneration(
        _ generation: String, references: [String],
        options: TaskDefinition.ExactMatchOptions
    ) -> Double {
        if options.squadNormalization == true { return llamaAnyMatch(prediction: removeWhitespace(generation), aliases: references) }
        return anyMatch(
            prediction: removeWhitespace(generation), references: references,
            ignoreCase: options.ignoreCase, ignorePunctuation: options.ignorePunctuation)
    }

    /// The LLaMA-paper TriviaQA protocol: SQuAD-normalised exact match against any alias.
    public static func llamaAnyMatch(prediction: String, aliases: [String]) -> Double {
        let predicted = SQuADNormalization.normalize(prediction)
        return aliases.contains { SQuADNormalization.normalize($0) == predicted } ? 1 : 0
    }
}
