import Foundation

/// Scores loaded tasks item by item (optionally one shard of them), reusing finished items from a
/// resume cache, and aggregates each task's metrics.
public struct EvaluationRunner {
    public let itemScorer: ItemScorer

    public init(itemScorer: ItemScorer) { self.itemScorer = itemScorer }

    public struct Output: Equatable, Sendable {
        public var tasks: [String: RunResults.TaskResult]
        /// Item results in task order, then document order.
        public var samples: [ItemResult]
    }

    /// Items this run will score, for progress totals.
    public static func selectedItems(_ tasks: [LoadedTask], shard: Shard?) -> Int {
        tasks.reduce(0) { $0 + $1.items.filter { shard?.contains($0) ?? true }.count }
    }

    public func run(_ tasks: [LoadedTask], shard: Shard? = nil, cache: ResumeCache? = nil,
                    progress: (Int) -> Void = { _ in }) throws -> Output {
        var output = Output(tasks: [:], samples: [])
        for task in tasks {
            var results: [ItemResult] = []
            for item in task.items where shard?.contains(item) ?? true {
                if let cached = cache?.result(task: item.task, index: item.index) {
                    results.append(cached)
                } else {
                    let result = try itemScorer.score(item, scoring: task.scoring, dataset: task.definition.dataset)
                    try cache?.record(result)
                    results.append(result)
                }
                progress(1)
            }
            let summary = try TaskAggregation.aggregate(results, scoring: task.scoring, skipped: task.skipped.count)
            output.tasks[task.definition.name] = summary
            output.samples += results
        }
        return output
    }
}
