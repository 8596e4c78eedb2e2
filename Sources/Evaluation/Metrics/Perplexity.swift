import Foundation

/// lm-eval's `loglikelihood_rolling` metrics: each document contributes (Σ log-likelihood, weight)
/// and the aggregation is over sums, not a mean of per-document values.
public enum Perplexity {
    public struct Document: Equatable, Sendable {
        public var logLikelihood: Double
        public var words: Int
        public var bytes: Int
    }

    /// Weights as lm-eval counts them: words = `len(re.split(r"\s+", doc))` (so leading or trailing
    /// whitespace adds an empty "word"), bytes = UTF-8 length.
    public static func document(text: String, logLikelihood: Double) -> Document {
        var runs = 0
        var inRun = false
        for scalar in text.unicodeScalars {
            let space = PythonText.isSpace(scalar)
            if space && !inRun { runs += 1 }
            inRun = space
        }
        return Document(logLikelihood: logLikelihood, words: runs + 1, bytes: text.utf8.count)
    }

    public static func wordPerplexity(_ documents: [Document]) -> Double {
        exp(-sum(documents.map(\.logLikelihood)) / Double(documents.reduce(0) { $0 + $1.words }))
    }

    public static func bytePerplexity(_ documents: [Document]) -> Double {
        exp(-sum(documents.map(\.logLikelihood)) / Double(documents.reduce(0) { $0 + $1.bytes }))
    }

    public static func bitsPerByte(_ documents: [Document]) -> Double {
        -sum(documents.map(\.logLikelihood)) / Double(documents.reduce(0) { $0 + $1.bytes }) / log(2.0)
    }

    private static func sum(_ values: [Double]) -> Double { values.reduce(0, +) }
}
