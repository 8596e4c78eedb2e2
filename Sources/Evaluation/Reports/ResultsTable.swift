import Foundation

/// Paper-style tables over several results files: one row per model, one column per task metric
/// (the metric the papers report: acc_norm for ARC, acc for BoolQ, exact_match for TriviaQA, the
/// SCROLLS score for SCROLLS), values ×100 where lm-eval reports fractions.
public struct ResultsTable: Equatable, Sendable {
    public var columns: [String]
    public var rows: [(model: String, cells: [Double?])]

    public static func == (a: ResultsTable, b: ResultsTable) -> Bool {
        a.columns == b.columns && a.rows.map(\.model) == b.rows.map(\.model) && a.rows.map(\.cells) == b.rows.map(\.cells)
    }

    /// The metric shown for a task, and whether it is a fraction to scale by 100.
    static func headline(_ task: String, _ result: RunResults.TaskResult) -> (metric: String, percent: Bool)? {
        let preferences: [(String, Bool)] = [
            ("acc_norm", true), ("exact_match", true), ("acc", true), ("f1", false),
            ("exact_match_scrolls", false), ("rouge/geometric_mean", false), ("em", false),
        ]
        let ordered = task == "boolq" ? [("acc", true)] + preferences : (task.hasPrefix("scrolls_") ? preferences.reversed() : preferences)
        return ordered.first { result.metrics[$0.0] != nil }
    }

    /// Rows in the order given; results of one model in several files (a run and a perplexity run)
    /// share a row.
    public init(_ results: [RunResults], labelling: ResultsLabel = .model) {
        var models: [String] = []
        var values: [String: [String: Double]] = [:]
        var columns: [String] = []
        for result in results {
            let model = labelling.label(result)
            if !models.contains(model) { models.append(model) }
            for (task, summary) in result.tasks.sorted(by: { $0.key < $1.key }) {
                guard let (metric, percent) = Self.headline(task, summary), let value = summary.metrics[metric]?.value else { continue }
                let column = "\(task) (\(metric))"
                if !columns.contains(column) { columns.append(column) }
                values[model, default: [:]][column] = percent ? value * 100 : value
            }
            let curve = result.perplexity?.shownCurve ?? (points: [], onePass: false)
            for point in curve.points {
                let column = "PPL@\(Self.shortLength(point.contextLength))" + (curve.onePass ? " (one pass)" : "")
                if !columns.contains(column) { columns.append(column) }
                values[model, default: [:]][column] = point.perplexity
            }
        }
        self.columns = columns
        self.rows = models.map { model in (model, columns.map { values[model]?[$0] }) }
    }

    public func markdown() -> String {
        var lines = [
            "| model | " + columns.joined(separator: " | ") + " |",
            "|---|" + String(repeating: "---:|", count: columns.count),
        ]
        for row in rows {
            lines.append(
                "| \(row.model) | " + row.cells.map { $0.map { String(format: "%.2f", $0) } ?? "–" }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 CSV with full precision.
    public func csv() -> String {
        func field(_ text: String) -> String {
            text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = [(["model"] + columns).map(field).joined(separator: ",")]
        for row in rows { lines.append(([field(row.model)] + row.cells.map { $0.map { "\($0)" } ?? "" }).joined(separator: ",")) }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// 4096 → "4K", 1048576 → "1M".
    public static func shortLength(_ tokens: Int) -> String {
        if tokens >= 1 << 20, tokens % (1 << 20) == 0 { return "\(tokens >> 20)M" }
        if tokens >= 1 << 10, tokens % (1 << 10) == 0 { return "\(tokens >> 10)K" }
        return "\(tokens)"
    }
}
