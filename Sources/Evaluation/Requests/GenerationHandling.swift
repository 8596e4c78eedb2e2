/// How lm-eval's HF backend turns requests into model inputs: stop strings, cutting the generated
/// text, and left truncation of what does not fit the model's `max_length`.
public enum GenerationHandling {
    /// `handle_stop_sequences`: the task's `until` plus the EOS string unless already present.
    public static func stopSequences(until: [String], eos: String?) -> [String] {
        guard let eos, !until.contains(eos) else { return until }
        return until + [eos]
    }

    /// `postprocess_generated_text`: keep the text before the first occurrence of each stop string in
    /// turn (empty stop strings are ignored).
    public static func cut(_ generation: String, at stops: [String]) -> String {
        var text = generation
        for stop in stops where !stop.isEmpty {
            if let range = text.range(of: stop, options: .literal) { text = String(text[..<range.lowerBound]) }
        }
        return text
    }

    public enum TruncationError: Error, Equatable {
        /// lm-eval asserts `max_length - max_gen_toks > 0`.
        case noRoomForContext(maxLength: Int, maxGenerationTokens: Int)
    }

    /// Generation context: its last `maxLength - maxGenerationTokens` tokens.
    public static func generationContext(_ context: [Int], maxLength: Int, maxGenerationTokens: Int) throws -> [Int] {
        let room = maxLength - maxGenerationTokens
        guard room > 0 else { throw TruncationError.noRoomForContext(maxLength: maxLength, maxGenerationTokens: maxGenerationTokens) }
        return Array(context.suffix(room))
    }

    /// Loglikelihood model input: `(context + continuation)[-(maxLength + 1):][:-1]`; the scored
    /// positions are the last `continuation.count` of it.
    public static func loglikelihoodInput(_ pair: EncodedPair, maxLength: Int) -> [Int] {
        Array((pair.context + pair.continuation).suffix(maxLength + 1).dropLast())
    }
}
