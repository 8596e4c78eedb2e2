import Foundation

/// The official SCROLLS metric (tau/scrolls `metrics/scrolls.py`) over a whole split: per example the
/// maximum over its references, then the mean over examples, ×100, each value rounded to 4 digits
/// (the geometric mean is taken before rounding).
public enum ScrollsMetric {
    public enum Kind: String, Codable, Sendable {
        case f1, exactMatch = "exact_match", rouge
    }

    /// Which metric each SCROLLS dataset reports (`DATASET_TO_METRICS`).
    public static func kind(forDataset name: String) -> Kind? {
        switch name {
        case "narrative_qa", "qasper": return .f1
        case "quality", "contract_nli", "quality_hard": return .exactMatch
        case "gov_report", "summ_screen_fd", "qmsum": return .rouge
        default: return nil
        }
    }

    public struct Result: Equatable, Sendable {
        /// Keys as scrolls.py names them: `f1`, `exact_match`, `rouge/rouge1`, `rouge/rouge2`,
        /// `rouge/rougeL`, `rouge/geometric_mean`.
        public var values: [String: Double]
        /// `scrolls_score`: f1, exact_match or the ROUGE geometric mean.
        public var score: Double?
    }

    public enum MetricError: Error, Equatable { case noExamples, noReferences(example: Int), countMismatch }

    public static func compute(_ kind: Kind, predictions: [String], references: [[String]]) throws -> Result {
        guard !predictions.isEmpty else { throw MetricError.noExamples }
        guard predictions.count == references.count else { throw MetricError.countMismatch }
        if let empty = references.firstIndex(where: \.isEmpty) { throw MetricError.noReferences(example: empty) }
        func meanOfMaxima(_ perPair: (String, String) -> Double) -> Double {
            let maxima = zip(predictions, references).map { prediction, refs in
                refs.map { perPair(prediction, $0) }.max() ?? 0
            }
            return maxima.reduce(0, +) / Double(maxima.count)
        }
        switch kind {
        case .f1:
            let value = Aggregation.pythonRound(meanOfMaxima { TokenF1.f1(prediction: $0, reference: $1) } * 100, digits: 4)
            return Result(values: ["f1": value], score: value)
        case .exactMatch:
            let value = Aggregation.pythonRound(meanOfMaxima { TokenF1.exactMatch(prediction: $0, reference: $1) } * 100, digits: 4)
            return Result(values: ["exact_match": value], score: value)
        case .rouge:
            var sums = (0.0, 0.0, 0.0)
            for (prediction, refs) in zip(predictions, references) {
                let scores = refs.map { Rouge.score(prediction: prediction, reference: $0) }
                sums.0 += scores.map { $0.rouge1.fmeasure * 100 }.max() ?? 0
                sums.1 += scores.map { $0.rouge2.fmeasure * 100 }.max() ?? 0
                sums.2 += scores.map { $0.rougeL.fmeasure * 100 }.max() ?? 0
            }
            let count = Double(predictions.count)
            let (rouge1, rouge2, rougeL) = (sums.0 / count, sums.1 / count, sums.2 / count)
            let geometric = pow(rouge1 * rouge2 * rougeL, 1.0 / 3.0)
            let values = [
                "rouge/rouge1": rouge1, "rouge/rouge2": rouge2, "rouge/rougeL": rougeL, "rouge/geometric_mean": geometric,
            ].mapValues { Aggregation.pythonRound($0, digits: 4) }
            return Result(values: values, score: values["rouge/geometric_mean"])
        }
    }
}
