/// Turns a task's item results into its reported metrics, as lm-eval aggregates them.
public enum TaskAggregation {
    public static func aggregate(_ items: [ItemResult], scoring: TaskScoring, skipped: Int) throws -> RunResults.TaskResult {
        var metrics: [String: RunResults.MetricValue] = [:]
        let names = Set(items.flatMap(\.metrics.keys))
        for name in names.sorted() {
            let values = items.compactMap { $0.metrics[name] }
            let stderr = Aggregation.meanStandardError(values)
            metrics[name] = RunResults.MetricValue(value: Aggregation.mean(values), stderr: stderr.isFinite ? stderr : nil)
        }
        if case .scrolls(let kind) = scoring, !items.isEmpty {
            let result = try ScrollsMetric.compute(
                kind, predictions: items.map(\.prediction),
                references: items.map { $0.references ?? [] })
            for (name, value) in result.values { metrics[name] = RunResults.MetricValue(value: value, stderr: nil) }
        }
        return RunResults.TaskResult(items: items.count, skipped: skipped, metrics: metrics, scoring: scoring.name)
    }
}
