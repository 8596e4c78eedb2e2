/// SCROLLS/SQuAD token overlap F1 and exact match on normalised answers.
public enum TokenF1 {
    public static func f1(prediction: String, reference: String) -> Double {
        let predicted = PythonText.splitOnWhitespace(SQuADNormalization.normalize(prediction))
        let gold = PythonText.splitOnWhitespace(SQuADNormalization.normalize(reference))
        var goldCounts: [String: Int] = [:]
        for token in gold { goldCounts[token, default: 0] += 1 }
        var common = 0
        for token in predicted where (goldCounts[token] ?? 0) > 0 {
            goldCounts[token]! -= 1
            common += 1
        }
        if common == 0 { return 0 }
        let precision = Double(common) / Double(predicted.count)
        let recall = Double(common) / Double(gold.count)
        return 2 * precision * recall / (precision + recall)
    }

    public static func exactMatch(prediction: String, reference: String) -> Double {
        SQuADNormalization.normalize(prediction) == SQuADNormalization.normalize(reference) ? 1 : 0
    }
}
