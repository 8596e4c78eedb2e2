import Foundation

/// Scores loaded tasks item by item (optionally one shard of them), reusing finished items from a
/// resume cache, and aggregates each task's metrics. With `batchSize` above 1 and a model that can
/// stack sequences, the log-likelihoods of each group of `batchSize` items are computed together
/// first; items are still scored, cached and reported one by one in order. Groups are fixed by item
/// position and a group with any unfinished item is computed whole, so a resumed run stacks exactly
/// the sequences the uninterrupted run stacked and its numbers are bit-identical.
public struct EvaluationRunner {
    public let itemScorer: ItemScorer
    public let batchSize: Int

    public init(itemScorer: ItemScorer, batchSize: Int = 1) {
        self.itemScorer = itemScorer
        self.batchSize = max(1, batchSize)
    }

    public struct Output: Equatable, Sendable {
        public var tasks: [String: RunResults.TaskResult]
        /// Item results in task order, then document order.
        public var samples: [ItemResult]
    }

    /// Items this run will score, for progress totals.
    public static func selectedItems(_ tasks: [LoadedTask], shard: Shard?) -> Int {
        tasks.reduce(0) { $0 + $1.items.filter { shard?.contains($0) ?? true }.count }
    }

    public func run(
        _ tasks: [LoadedTask], shard: Shard? = nil, cache: ResumeCache? = nil,
        progress: (Int) -> Void = { _ in }
    ) throws -> Output {
        var output = Output(tasks: [:], samples: [])
        for task in tasks {
            var results: [ItemResult] = []
            let selected = task.items.filter { shard?.contains($0) ?? true }
            for start in stride(from: 0, to: selected.count, by: batchSize) {
                let group = selected[start..<min(selected.count, start + batchSize)]
                let pending = group.contains { cache?.result(task: $0.task, index: $0.index) == nil }
                // A batch that fails (a bad item) falls back to item by item, which stops at that item
                // with its own error after caching the ones before it, as an unbatched run does.
                let scorer = batchSize > 1 && pending ? (try? itemScorer.precomputing(Array(group))) ?? itemScorer : itemScorer
                for item in group {
                    if let cached = cache?.result(task: item.task, index: item.index) {
                        results.append(cached)
                    } else {
                        let result = try scorer.score(item, scoring: task.scoring, dataset: task.definition.dataset)
                        try cache?.record(result)
                        results.append(result)
                    }
                    progress(1)
                }
            }
            let summary = try TaskAggregation.aggregate(results, scoring: task.scoring, skipped: task.skipped.count)
            output.tasks[task.definition.name] = summary
            output.samples += results
        }
        return output
    }
}
