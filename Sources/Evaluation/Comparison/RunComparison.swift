import Foundation

/// Two runs of the same items compared item by item: do a sharded-and-merged run and a
/// single-process run (or two machines, two batch sizes) agree?
public struct RunComparison: Equatable, Sendable {
    public struct MetricRow: Equatable, Sendable {
        public var task: String
        public var metric: String
        public var left: Double?
        public var right: Double?
        public var identical: Bool { left == right }
    }

    public var metrics: [MetricRow]
    /// Items present in both runs, and items only one of them has.
    public var commonItems: Int
    public var unmatchedItems: Int
    /// Items whose prediction or per-item metric values differ.
    public var differingItems: [String]
    public var logLikelihoods: Int
    public var maxLogLikelihoodDifference: Double
    public var tolerance: Double
    /// The kernels each run recorded (`RunEnvironment.kernels`; nil in files of older builds). Runs on
    /// different kernel variants may differ by rounding; the report says so instead of leaving it a puzzle.
    public var leftKernels: String?
    public var rightKernels: String?

    /// Metrics identical, every item matched with the same prediction and metrics, log-likelihoods
    /// within `tolerance`.
    public var agrees: Bool {
        metrics.allSatisfy(\.identical) && unmatchedItems == 0 && differingItems.isEmpty && maxLogLikelihoodDifference <= tolerance
    }

    public static func compare(
        left: RunResults, leftSamples: [ItemResult], right: RunResults, rightSamples: [ItemResult],
        tolerance: Double
    ) -> RunComparison {
        var rows: [MetricRow] = []
        for task in Set(left.tasks.keys).union(right.tasks.keys).sorted() {
            let names = Set(left.tasks[task].map { Array($0.metrics.keys) } ?? []).union(
                right.tasks[task].map { Array($0.metrics.keys) } ?? [])
            for metric in names.sorted() {
                rows.append(
                    MetricRow(
                        task: task, metric: metric, left: left.tasks[task]?.metrics[metric]?.value,
                        right: right.tasks[task]?.metrics[metric]?.value))
                rows.append(
                    MetricRow(
                        task: task, metric: metric + "_stderr", left: left.tasks[task]?.metrics[metric]?.stderr,
                        right: right.tasks[task]?.metrics[metric]?.stderr))
            }
        }
        func key(_ item: ItemResult) -> String { "\(item.task)#\(item.docIndex)" }
        let rightByKey = Dictionary(rightSamples.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        var comparison = RunComparison(
            metrics: rows, commonItems: 0, unmatchedItems: 0, differingItems: [], logLikelihoods: 0,
            maxLogLikelihoodDifference: 0, tolerance: tolerance, leftKernels: left.manifest.environment?.kernels,
            rightKernels: right.manifest.environment?.kernels)
        var seen = Set<String>()
        for item in leftSamples {
            guard let other = rightByKey[key(item)] else { comparison.unmatchedItems += 1; continue }
            seen.insert(key(item))
            comparison.commonItems += 1
            if item.prediction != other.prediction || item.metrics != other.metrics || item.requests.count != other.requests.count {
                comparison.differingItems.append(key(item))
            }
            for (a, b) in zip(item.requests, other.requests) {
                guard let x = a.logLikelihood, let y = b.logLikelihood else { continue }
                comparison.logLikelihoods += 1
                comparison.maxLogLikelihoodDifference = max(comparison.maxLogLikelihoodDifference, abs(x - y))
            }
        }
        comparison.unmatchedItems += rightSamples.filter { !seen.contains(key($0)) }.count
        return comparison
    }

    /// Loads `results.json` and `samples.jsonl` of two run folders and compares them.
    public static func compare(_ left: URL, _ right: URL, tolerance: Double) throws -> RunComparison {
        compare(
            left: try RunResults.load(from: left.appendingPathComponent(RunOutput.resultsName)),
            leftSamples: try RunOutput.readSamples(in: left),
            right: try RunResults.load(from: right.appendingPathComponent(RunOutput.resultsName)),
            rightSamples: try RunOutput.readSamples(in: right),
            tolerance: tolerance)
    }

    /// A Markdown report: one row per metric, then the item-level verdict.
    public func report(leftName: String, rightName: String) -> String {
        func show(_ value: Double?) -> String { value.map { String(format: "%.17g", $0) } ?? "–" }
        var lines = ["| task | metric | \(leftName) | \(rightName) | identical |", "|---|---|---:|---:|---|"]
        for row in metrics {
            lines.append("| \(row.task) | \(row.metric) | \(show(row.left)) | \(show(row.right)) | \(row.identical ? "yes" : "NO") |")
        }
        lines.append("")
        lines.append(
            "items compared: \(commonItems); only in one run: \(unmatchedItems); with a different prediction or item metric: \(differingItems.count)\(differingItems.isEmpty ? "" : " (" + differingItems.prefix(10).joined(separator: ", ") + ")")"
        )
        lines.append(
            String(
                format: "log-likelihoods compared: %d; max |difference|: %.3g (tolerance %.3g)", logLikelihoods, maxLogLikelihoodDifference,
                tolerance))
        if leftKernels != rightKernels {
            lines.append(
                "kernels: \(leftName) \(leftKernels ?? "not recorded"), \(rightName) \(rightKernels ?? "not recorded") (integer arithmetic rounds activations and variants sum in different orders, so scores may differ slightly)"
            )
        }
        lines.append(agrees ? "verdict: the runs agree" : "verdict: the runs DIFFER")
        return lines.joined(separator: "\n") + "\n"
    }
}
