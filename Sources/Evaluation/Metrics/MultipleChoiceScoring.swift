/// lm-eval's multiple-choice accuracy for one document.
public enum MultipleChoiceScoring {
    public struct Outcome: Equatable, Sendable {
        public var acc: Double
        public var accNorm: Double
    }

    /// `acc`: argmax of the summed log-likelihoods; `acc_norm`: argmax of each divided by its choice's
    /// length in code points (Python `len`, without the leading delimiter). Ties go to the lowest
    /// index, as `np.argmax`.
    public static func score(logLikelihoods: [Double], choices: [String], gold: Int) -> Outcome {
        let normalized = zip(logLikelihoods, choices).map { $0 / Double(PythonText.length($1)) }
        return Outcome(acc: argmax(logLikelihoods) == gold ? 1 : 0, accNorm: argmax(normalized) == gold ? 1 : 0)
    }

    /// `np.argmax`: first index of the maximum; a NaN wins at its first occurrence, as numpy's does.
    public static func argmax(_ values: [Double]) -> Int {
        guard var best = values.first else { return 0 }
        var bestIndex = 0
        if best.isNaN { return 0 }
        for (index, value) in values.enumerated().dropFirst() {
            if value.isNaN { return index }
            if value > best { best = value; bestIndex = index }
        }
        return bestIndex
    }
}
