import Models

/// One document's requests that share their context: the context once, then every continuation.
public struct SharedContextGroup: Equatable, Sendable {
    public var context: [Int]
    public var continuations: [[Int]]

    public init(context: [Int], continuations: [[Int]]) {
        self.context = context
        self.continuations = continuations
    }
}

/// A scorer that scores the groups of many documents together: what `loglikelihoods(context:
/// continuations:)` returns for each group, computed with model calls that stack the sequences.
public protocol BatchedContextScorer: SharedContextScorer {
    func loglikelihoods(groups: [SharedContextGroup]) throws -> [[(logProbability: Double, isGreedy: Bool)]]
}

extension LanguageModelScorer: BatchedContextScorer where Model: BatchedLanguageModel {
    /// All contexts (but their last tokens) are prefilled in stacked calls, then every continuation,
    /// each from a copy of its context's state, in stacked calls. Each call holds at most about
    /// `rowsPerCall` rows (a longer single sequence goes alone). Groups that truncation would cut or
    /// with a continuation longer than `rowsPerCall` are scored one by one as before.
    public func loglikelihoods(groups: [SharedContextGroup]) throws -> [[(logProbability: Double, isGreedy: Bool)]] {
        var results = [[(logProbability: Double, isGreedy: Bool)]](repeating: [], count: groups.count)
        let stackable = groups.indices.filter { index in
            let group = groups[index]
            let truncated = maxLength.map { limit in group.continuations.contains { group.context.count + $0.count > limit + 1 } } ?? false
            return !group.context.isEmpty && !truncated && group.continuations.allSatisfy { $0.count <= stream.rowsPerCall }
        }
        let stacked = Set(stackable)
        for index in groups.indices where !stacked.contains(index) {
            results[index] = try loglikelihoods(context: groups[index].context, continuations: groups[index].continuations)
        }
        var contextStates = [Model.State](repeating: model.makeState(), count: groups.count)
        for part in Self.parts(stackable, rows: { groups[$0].context.count - 1 }, budget: stream.rowsPerCall) {
            var states = part.map { _ in model.makeState() }
            _ = try model.forward(batch: part.map { Array(groups[$0].context.dropLast()) }, states: &states, positions: .none)
            for (index, state) in zip(part, states) { contextStates[index] = state }
        }
        // One entry per continuation: its group and its place in the group.
        let continuations = stackable.flatMap { group in groups[group].continuations.indices.map { (group: group, choice: $0) } }
        for part in Self.parts(
            continuations.indices.map { $0 }, rows: { groups[continuations[$0].group].continuations[continuations[$0].choice].count },
            budget: stream.rowsPerCall)
        {
            let entries = part.map { continuations[$0] }
            var states = entries.map { contextStates[$0.group] }
            let targets = entries.map { groups[$0.group].continuations[$0.choice] }
            let inputs = zip(entries, targets).map { entry, target in [groups[entry.group].context.last ?? 0] + target.dropLast() }
            let logits = try model.forward(batch: inputs, states: &states, positions: .all)
            for (entry, (rows, target)) in zip(entries, zip(logits, targets)) {
                var total = 0.0, greedy = true
                for (row, token) in target.enumerated() {
                    let scored = try TokenLogProbabilities.score(rows, row: row, token: token)
                    total += scored.logProbability
                    greedy = greedy && scored.isArgmax
                }
                results[entry.group].append((total, greedy))
            }
        }
        return results
    }

    /// Consecutive runs of `indices` whose `rows` add up to at most `budget` (a run holds at least one).
    static func parts(_ indices: [Int], rows: (Int) -> Int, budget: Int) -> [[Int]] {
        var parts: [[Int]] = [], current: [Int] = [], used = 0
        for index in indices {
            let count = rows(index)
            if !current.isEmpty && used + count > budget {
                parts.append(current)
                current = []
                used = 0
            }
            current.append(index)
            used += count
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }
}
