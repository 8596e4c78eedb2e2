/// ROUGE-1/2/L as rouge_score 0.1.2 computes them without stemming (SCROLLS passes
/// `use_stemmer=False`, so its Porter stemmer is never used and is not implemented here).
public enum Rouge {
    public struct Score: Equatable, Sendable {
        public var precision: Double
        public var recall: Double
        public var fmeasure: Double
    }

    public struct Scores: Equatable, Sendable {
        public var rouge1: Score
        public var rouge2: Score
        public var rougeL: Score
    }

    /// rouge_score's default tokenizer: lowercase, every run of characters outside `[a-z0-9]` becomes a
    /// space (non-ASCII letters included), split on whitespace, keep tokens matching `^[a-z0-9]+$`.
    public static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for scalar in PythonText.lower(text).unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// `RougeScorer(["rouge1","rouge2","rougeL"]).score(target, prediction)`.
    public static func score(prediction: String, reference: String) -> Scores {
        let predicted = tokenize(prediction)
        let target = tokenize(reference)
        return Scores(
            rouge1: ngramScore(target: target, prediction: predicted, n: 1),
            rouge2: ngramScore(target: target, prediction: predicted, n: 2),
            rougeL: lcsScore(target: target, prediction: predicted))
    }

    static func ngramScore(target: [String], prediction: [String], n: Int) -> Score {
        let targetCounts = ngramCounts(target, n: n)
        let predictionCounts = ngramCounts(prediction, n: n)
        var overlap = 0
        for (gram, count) in targetCounts { overlap += min(count, predictionCounts[gram] ?? 0) }
        let targetTotal = targetCounts.values.reduce(0, +)
        let predictionTotal = predictionCounts.values.reduce(0, +)
        return fmeasure(
            precision: Double(overlap) / Double(max(predictionTotal, 1)),
            recall: Double(overlap) / Double(max(targetTotal, 1)))
    }

    static func lcsScore(target: [String], prediction: [String]) -> Score {
        if target.isEmpty || prediction.isEmpty { return Score(precision: 0, recall: 0, fmeasure: 0) }
        let lcs = lcsLength(target, prediction)
        return fmeasure(precision: Double(lcs) / Double(prediction.count), recall: Double(lcs) / Double(target.count))
    }

    private static func fmeasure(precision: Double, recall: Double) -> Score {
        let f = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return Score(precision: precision, recall: recall, fmeasure: f)
    }

    private static func ngramCounts(_ tokens: [String], n: Int) -> [[String]: Int] {
        var counts: [[String]: Int] = [:]
        guard tokens.count >= n else { return counts }
        for start in 0...(tokens.count - n) { counts[Array(tokens[start..<(start + n)]), default: 0] += 1 }
        return counts
    }

    private static func lcsLength(_ a: [String], _ b: [String]) -> Int {
        var previous = [Int](repeating: 0, count: b.count + 1)
        var current = previous
        for x in a {
            for (j, y) in b.enumerated() {
                current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
