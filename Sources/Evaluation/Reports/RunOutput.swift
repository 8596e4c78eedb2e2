import Checkpoints
import Foundation
import Models

/// A run's folder: results.json and samples.jsonl, written together atomically.
public enum RunOutput {
    public static let resultsName = "results.json"
    public static let samplesName = "samples.jsonl"

    public static func write(_ results: RunResults, samples: [ItemResult], to directory: URL, overwrite: Bool) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines = Data()
        for sample in samples { lines += try encoder.encode(sample) + Data("\n".utf8) }
        let resultsBytes = try results.encoded()
        // results.json is committed last, so a samples.jsonl without one is what a run killed between
        // the two renames left: complete, but not a finished run's, and replaced like a temporary.
        let samplesPath = directory.appendingPathComponent(samplesName).path
        if !overwrite, !FileManager.default.fileExists(atPath: directory.appendingPathComponent(resultsName).path),
            FileManager.default.fileExists(atPath: samplesPath)
        {
            try FileManager.default.removeItem(atPath: samplesPath)
        }
        try AtomicOutput.writing(overwrite: overwrite) { output in
            if !samples.isEmpty {
                try output.write(to: directory.appendingPathComponent(samplesName).path) { try $0.write(Array(lines)) }
            }
            // results.json last: its presence means the run finished.
            try output.write(to: directory.appendingPathComponent(resultsName).path) { try $0.write(Array(resultsBytes)) }
        }
    }

    public static func readSamples(in directory: URL) throws -> [ItemResult] {
        let file = try DataFile<ItemResult>(url: directory.appendingPathComponent(samplesName), skipBad: false)
        return file.documents.map(\.document)
    }
}

public enum ShardMergeError: Error, Equatable, CustomStringConvertible {
    case differentRuns(String, String)
    case notAShard(String)
    case missingShards(expected: Int, found: [String])
    case unknownScoring(task: String)

    public var description: String {
        switch self {
        case let .differentRuns(a, b): return "\(a) and \(b) come from different runs (their manifests differ beyond the shard)"
        case let .notAShard(path): return "\(path) is a whole run, not a shard"
        case let .missingShards(expected, found): return "expected shards 0..<\(expected), found \(found.joined(separator: ", "))"
        case let .unknownScoring(task): return "task \(task): results.json does not say how to aggregate it"
        }
    }
}

/// Combines the folders of `--shard i/n` runs into the results the unsharded run would give.
public enum ShardMerge {
    public static func merge(_ directories: [URL]) throws -> (results: RunResults, samples: [ItemResult]) {
        let parts = try directories.map { (url: $0, results: try RunResults.load(from: $0.appendingPathComponent(RunOutput.resultsName))) }
        guard let first = parts.first else { throw ShardMergeError.missingShards(expected: 1, found: []) }
        var manifest = first.results.manifest
        manifest.shard = nil
        var shards: [Shard] = []
        for part in parts {
            guard let text = part.results.manifest.shard else { throw ShardMergeError.notAShard(part.url.path) }
            guard part.results.manifest.identity == manifest.identity else {
                throw ShardMergeError.differentRuns(first.url.path, part.url.path)
            }
            shards.append(try Shard(parsing: text))
        }
        let count = shards[0].count
        guard shards.allSatisfy({ $0.count == count }), Set(shards.map(\.index)) == Set(0..<count), shards.count == count else {
            throw ShardMergeError.missingShards(expected: count, found: shards.map(\.description))
        }
        let samples = try parts.flatMap { try RunOutput.readSamples(in: $0.url) }
        var tasks: [String: RunResults.TaskResult] = [:]
        var ordered: [ItemResult] = []
        // Task order of the first shard's samples keeps samples.jsonl in the unsharded order.
        var taskOrder: [String] = []
        for sample in samples where !taskOrder.contains(sample.task) { taskOrder.append(sample.task) }
        for (name, summary) in first.results.tasks where !taskOrder.contains(name) { _ = summary; taskOrder.append(name) }
        for name in taskOrder {
            guard let summary = first.results.tasks[name], let scoringName = summary.scoring, let scoring = TaskScoring(name: scoringName)
            else {
                throw ShardMergeError.unknownScoring(task: name)
            }
            let items = samples.filter { $0.task == name }.sorted { $0.docIndex < $1.docIndex }
            tasks[name] = try TaskAggregation.aggregate(items, scoring: scoring, skipped: summary.skipped)
            ordered += items
        }
        return (RunResults(manifest: manifest, tasks: tasks, perplexity: nil), ordered)
    }
}
